"""Plain-text reports (exports, flattened tables with ``|``) → ``DocumentBlocks``."""

from __future__ import annotations

from parsing.blocks import DocumentBlocks
from parsing.extract.grid import group_text_rows


def extract_text(text: str) -> DocumentBlocks:
    """Split decoded text into paragraphs and table grids."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return DocumentBlocks(blocks=list(group_text_rows(lines)), format="text")
