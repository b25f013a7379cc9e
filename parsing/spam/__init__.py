"""Spam stripping: detect and remove injected spam with evidence; never touch a number.

Public API (stable; ``parsing.pipeline`` calls exactly these):

- ``clean_dom(root)``: before HTML text extraction, removes scripts/styles/comments and hidden
  subtrees from an lxml tree *in place*; returns the removal records and flags.
- ``strip_text(text, location=...)``: removes injected spans from one string.
- ``strip_document(doc)``: cleans every paragraph and table cell of an extracted
  ``DocumentBlocks`` in place (table digits protected) and returns the verdict.
"""

from __future__ import annotations

from parsing.spam.api import (
    DomCleanResult,
    SpamOutcome,
    TextStripResult,
    clean_dom,
    strip_document,
    strip_text,
)

__all__ = [
    "DomCleanResult",
    "SpamOutcome",
    "TextStripResult",
    "clean_dom",
    "strip_document",
    "strip_text",
]
