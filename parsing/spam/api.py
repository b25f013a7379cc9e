"""Spam stripper entry points (SPAM.md): DOM layer, string stripping, document verdict.

The layers live in submodules: ``dom`` (hidden subtrees, title hijack), ``shadow`` (normalised
text + offset map), ``detect`` (signatures, repeats, lexicon chains, URLs, pinyin), ``cells``
(digit protection), ``document`` (repeats across the document and the verdict).
"""

from __future__ import annotations

from parsing.spam.document import strip_document, strip_text
from parsing.spam.dom import clean_dom, title_is_hijacked
from parsing.spam.results import DomCleanResult, SpamOutcome, TextStripResult, Verdict
from parsing.spam.textstrip import Gap

__all__ = [
    "DomCleanResult",
    "Gap",
    "SpamOutcome",
    "TextStripResult",
    "Verdict",
    "clean_dom",
    "strip_document",
    "strip_text",
    "title_is_hijacked",
]
