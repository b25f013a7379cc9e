"""Turning rows of text into table grids: span expansion and text-row splitting."""

from __future__ import annotations

import re

from parsing.blocks import Cell, Paragraph, Table
from parsing.normalize import collapse_ws
from parsing.numbers import is_numberish

MAX_SPAN = 60
_SEPARATORS = ("|", " ", "\t", "\u00a0", "\u3000")  # what can split a line into cells
_SPLIT_WIDE = re.compile(r"\t|[ \u00a0\u3000]{2,}|\u3000")


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> Table:
    """Build a rectangular grid from rows of ``(text, rowspan, colspan)`` cells.

    A spanning cell's text is repeated in every position it covers, marked as a copy. A position
    already covered by an earlier span keeps that span's cell; spans are clipped to ``MAX_SPAN``
    and to the rows given.
    """
    n = len(rows)
    if all(rs <= 1 and cs <= 1 for row in rows for _, rs, cs in row):  # no spans: plain grid
        height = n
        while height and not rows[height - 1]:
            height -= 1
        width = max((len(row) for row in rows[:height]), default=0)
        return Table(
            [
                [Cell(text) for text, _, _ in row] + [Cell("") for _ in range(width - len(row))]
                for row in rows[:height]
            ]
        )
    grid: list[dict[int, Cell]] = [{} for _ in rows]
    width = 0
    for r, row in enumerate(rows):
        line = grid[r]
        c = 0
        for text, rowspan, colspan in row:
            while c in line:
                c += 1
            line[c] = Cell(text)
            if rowspan <= 1 and colspan <= 1:
                c += 1
                continue
            rs = max(1, min(rowspan, MAX_SPAN))
            cs = max(1, min(colspan, MAX_SPAN))
            origin = (r, c)
            for dr in range(min(rs, n - r)):
                target = grid[r + dr]
                for dc in range(cs):
                    if (dr or dc) and c + dc not in target:  # an earlier span keeps its place
                        target[c + dc] = Cell(text, origin)
            c += cs
        width = max(width, c)
    height = n
    while height and not grid[height - 1]:
        height -= 1
    columns = range(width)
    return Table(
        [
            # a full row (most rows) in column order; a gap is an empty cell
            [line[c] for c in columns]
            if len(line) == width
            else [line[c] if c in line else Cell("") for c in columns]
            for line in grid[:height]
        ]
    )


def split_text_row(line: str) -> list[str] | None:
    """Split one line of a flattened table into cells, or None if it is not a table row.

    Recognises ``|``-separated rows (as in exported text and markdown) and rows whose cells are
    separated by tabs or runs of spaces when at least two cells are numbers.
    """
    stripped = line.strip()
    if not (
        "|" in stripped
        or " " in stripped
        or "\t" in stripped
        or "\u00a0" in stripped
        or "\u3000" in stripped
    ):  # ``_SEPARATORS`` spelt out (no generator per line)
        return None  # one token, no cell boundary: a line of prose
    if stripped.count("|") >= 1 and not stripped.startswith("http"):
        cells = [c.strip() for c in stripped.split("|")]
        if stripped.startswith("|"):
            cells = cells[1:]
        if len(cells) >= 2:
            if set("".join(cells)) <= set("-: "):
                return []  # markdown separator row
            return cells
    parts = [p.strip() for p in _SPLIT_WIDE.split(stripped) if p.strip()]
    parts = _split_trailing_numbers(parts)
    if len(parts) >= 3 and sum(1 for p in parts if is_numberish(p)) >= 2:
        return parts
    if len(parts) >= 4 and sum(1 for p in parts if is_numberish(p)) >= 1:
        return parts
    return None


def _split_trailing_numbers(parts: list[str]) -> list[str]:
    """Split a last cell holding single-space separated numbers (text copied from a PDF).

    ``本年新收…数量 5 1 0 0 0 0 6`` gives the label and seven cells; only a run of three or
    more number tokens at the end is split, so prose with a number or two stays one cell.
    """
    out: list[str] = []
    for part in parts:
        tokens = part.split(" ")
        k = 0
        while k < len(tokens) and is_numberish(tokens[len(tokens) - 1 - k]) and tokens[-1 - k]:
            k += 1
        if (k >= 3 or k == len(tokens) >= 2) and (
            k == len(tokens) or not is_numberish(tokens[len(tokens) - k - 1])
        ):
            head = " ".join(tokens[: len(tokens) - k])
            out.extend(([head] if head else []) + tokens[len(tokens) - k :])
        else:
            out.append(part)
    return out


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
