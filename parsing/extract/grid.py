"""Turning rows of text into table grids: span expansion and text-row splitting."""

from __future__ import annotations

import re

from parsing.blocks import Cell, Paragraph, Table
from parsing.normalize import collapse_ws
from parsing.numbers import is_numberish

MAX_SPAN = 60
_SPLIT_WIDE = re.compile(r"\t|[ \u00a0\u3000]{2,}|\u3000")


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> Table:
    """Build a rectangular grid from rows of ``(text, rowspan, colspan)`` cells.

    A spanning cell's text is repeated in every position it covers, marked as a copy.
    """
    grid: dict[tuple[int, int], Cell] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in grid:
                c += 1
            rs = max(1, min(rowspan, MAX_SPAN))
            cs = max(1, min(colspan, MAX_SPAN))
            for dr in range(rs):
                for dc in range(cs):
                    origin = None if (dr, dc) == (0, 0) else (r, c)
                    grid.setdefault((r + dr, c + dc), Cell(text, origin))
            c += cs
            width = max(width, c)
    height = max((r for r, _ in grid), default=-1) + 1
    height = min(height, len(rows))
    out = [[grid.get((r, c), Cell("")) for c in range(width)] for r in range(height)]
    return Table(out)


def split_text_row(line: str) -> list[str] | None:
    """Split one line of a flattened table into cells, or None if it is not a table row.

    Recognises ``|``-separated rows (as in exported text and markdown) and rows whose cells are
    separated by tabs or runs of spaces when at least two cells are numbers.
    """
    stripped = line.strip()
    if stripped.count("|") >= 1 and not stripped.startswith("http"):
        cells = [c.strip() for c in stripped.split("|")]
        if stripped.startswith("|"):
            cells = cells[1:]
        if len(cells) >= 2:
            if set("".join(cells)) <= set("-: "):
                return []  # markdown separator row
            return cells
    parts = [p.strip() for p in _SPLIT_WIDE.split(stripped) if p.strip()]
    if len(parts) >= 3 and sum(1 for p in parts if is_numberish(p)) >= 2:
        return parts
    if len(parts) >= 4 and sum(1 for p in parts if is_numberish(p)) >= 1:
        return parts
    return None


def group_text_rows(lines: list[str]) -> list[Paragraph | Table]:
    """Group lines into paragraphs and tables (consecutive table rows form one table)."""
    blocks: list[Paragraph | Table] = []
    pending: list[list[str]] = []
    for line in lines:
        cells = split_text_row(line)
        if cells is not None:
            if cells:
                pending.append(cells)
            continue
        if pending:
            blocks.append(Table.from_strings(pending))
            pending = []
        if line.strip():
            blocks.append(Paragraph(collapse_ws(line)))
    if pending:
        blocks.append(Table.from_strings(pending))
    return blocks
