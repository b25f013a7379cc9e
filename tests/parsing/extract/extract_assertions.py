"""Assertions shared by the extractor tests."""

from __future__ import annotations

import re
from typing import Any

from parsing.blocks import DocumentBlocks, Paragraph, Table

_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """Whitespace normalisation used to compare formats (all whitespace removed)."""
    return _WS.sub("", text)


def grid(table: Table) -> list[list[tuple[str, tuple[int, int] | None]]]:
    return [[(norm(c.text), c.origin) for c in row] for row in table.rows]


def own_texts(table: Table) -> list[list[str | None]]:
    """Text of non-copy cells; None at span copies."""
    return [[None if c.is_copy else norm(c.text) for c in row] for row in table.rows]


def expected(spec: Any) -> list[list[tuple[str, tuple[int, int] | None]]]:
    return [[(norm(t), o) for t, o in row] for row in spec.expected_grid()]


def tables(doc: DocumentBlocks) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def paragraphs(doc: DocumentBlocks) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]
