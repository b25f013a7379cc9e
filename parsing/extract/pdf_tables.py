"""PDF table grids: pdfplumber cell boxes -> span-expanded ``Table``; tables split across pages.

pdfplumber finds ruled tables and returns one bounding box per drawn cell. The grid is the set of
distinct column and row boundaries; a cell covering several of them is a merged cell, whose text
goes to its top-left position and whose other positions become copies (``Cell.origin``), as the
HTML extractor does with rowspan/colspan.

A table that continues on the next page is merged into one: header rows repeated at the top of
the continuation are dropped, and a merged label cell that Word leaves blank on the new page
(e.g. 三、本年度办理结果 spanning 20 rows) is joined to its origin on the previous page.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pdfplumber.utils.text import extract_text

from parsing.blocks import Cell, Table
from parsing.extract.doc_text import join_lines

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom
SNAP = 2.5  # points: boundaries closer than this are the same grid line
MAX_REPEATED_HEADER_ROWS = 6


@dataclass
class PdfTable:
    """A table found on one page, with enough geometry to merge a continuation into it."""

    page: int
    top: float
    xs: list[float]
    cells: list[tuple[BBox, str]]
    rows: list[list[Cell]] = field(default_factory=list)

    def table(self) -> Table:
        return Table(self.rows, page=self.page)


def _cluster(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SNAP:
            out.append(v)
    return out


def _index(bounds: list[float], value: float) -> int:
    """Index of the boundary nearest to ``value``."""
    i = bisect.bisect_left(bounds, value)
    if i == 0:
        return 0
    if i == len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - value < value - bounds[i - 1] else i - 1


def cell_text(chars: list[dict[str, Any]]) -> str:
    """Text of one cell: its lines joined (no space inside CJK text)."""
    if not chars:
        return ""
    text = extract_text(chars, x_tolerance=1.5, y_tolerance=2.5)
    return join_lines(text.splitlines())


def _grid(cells: list[tuple[BBox, str]], xs: list[float]) -> list[list[Cell]]:
    ys = _cluster([v for (_, top, _, bottom), _ in cells for v in (top, bottom)])
    height, width = len(ys) - 1, len(xs) - 1
    if height <= 0 or width <= 0:
        return []
    grid: list[list[Cell | None]] = [[None] * width for _ in range(height)]
    for (x0, top, x1, bottom), text in sorted(cells, key=lambda c: (c[0][1], c[0][0])):
        r0, r1 = _index(ys, top), _index(ys, bottom)
        c0, c1 = _index(xs, x0), _index(xs, x1)
        if r1 <= r0 or c1 <= c0 or grid[r0][c0] is not None:
            continue
        for r in range(r0, r1):
            for c in range(c0, c1):
                if grid[r][c] is None:
                    grid[r][c] = Cell(text) if (r, c) == (r0, c0) else Cell(text, origin=(r0, c0))
    return [[cell if cell is not None else Cell("") for cell in row] for row in grid]


def read_table(
    cell_boxes: list[BBox], chars: list[dict[str, Any]], page: int, top: float
) -> PdfTable | None:
    """Build a grid from pdfplumber's cell boxes and the page's visible chars."""
    if not cell_boxes:
        return None
    xs = _cluster([v for x0, _, x1, _ in cell_boxes for v in (x0, x1)])
    ys = _cluster([v for _, t, _, b in cell_boxes for v in (t, b)])
    owner: dict[tuple[int, int], int] = {}
    for n, (x0, t, x1, b) in enumerate(cell_boxes):
        for r in range(_index(ys, t), _index(ys, b)):
            for c in range(_index(xs, x0), _index(xs, x1)):
                owner.setdefault((r, c), n)
    per_cell: list[list[dict[str, Any]]] = [[] for _ in cell_boxes]
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
            continue
        c = bisect.bisect_right(xs, cx) - 1
        r = bisect.bisect_right(ys, cy) - 1
        found = owner.get((min(r, len(ys) - 2), min(c, len(xs) - 2)))
        if found is not None:
            per_cell[found].append(ch)
    cells = [(box, cell_text(cs)) for box, cs in zip(cell_boxes, per_cell, strict=True)]
    rows = _grid(cells, xs)
    if not rows:
        return None
    return PdfTable(page=page, top=top, xs=xs, cells=cells, rows=rows)


def _same_edges(a: list[float], b: list[float]) -> bool:
    return abs(a[0] - b[0]) <= SNAP * 2 and abs(a[-1] - b[-1]) <= SNAP * 2


def _union(a: list[float], b: list[float]) -> list[float]:
    return _cluster([*a, *b])


def _widen(rows: list[list[Cell]], xs: list[float], union: list[float]) -> list[list[Cell]]:
    """Re-express a grid on finer column lines: a split column becomes a horizontal span."""
    if len(xs) == len(union):
        return rows
    start = [_index(union, x) for x in xs]
    new_col = start[:-1]
    out: list[list[Cell]] = []
    for row in rows:
        wide: list[Cell] = []
        for c, cell in enumerate(row):
            origin = (cell.origin[0], new_col[cell.origin[1]]) if cell.origin else None
            wide.append(Cell(cell.text, origin=origin))
            first = (len(out), new_col[c]) if origin is None else origin
            for _ in range(start[c] + 1, start[c + 1]):
                wide.append(Cell(cell.text, origin=first))
        out.append(wide)
    return out


def _texts(rows: list[list[Cell]]) -> list[list[str]]:
    return [[c.text for c in row] for row in rows]


def can_continue(first: PdfTable, nxt: PdfTable) -> bool:
    """True when ``nxt`` (top of the next page) continues ``first`` (same outer edges, and one
    table's column lines are a subset of the other's)."""
    if nxt.page != first.page + 1 or not _same_edges(first.xs, nxt.xs):
        return False
    union = _union(first.xs, nxt.xs)
    return len(union) in (len(first.xs), len(nxt.xs))


def merge_continuation(first: PdfTable, nxt: PdfTable) -> PdfTable:
    """Append ``nxt`` (the same table on the next page) to ``first``."""
    union = _union(first.xs, nxt.xs)
    rows_a = _widen(first.rows, first.xs, union)
    rows_b = _widen(nxt.rows, nxt.xs, union)
    # Header rows repeated at the top of the new page.
    k = 0
    limit = min(MAX_REPEATED_HEADER_ROWS, len(rows_a), len(rows_b) - 1)
    for n in range(limit, 0, -1):
        if _texts(rows_a[:n]) == _texts(rows_b[:n]) and any(
            t for row in _texts(rows_b[:n]) for t in row
        ):
            k = n
            break
    offset = len(rows_a) - k
    last = rows_a[-1]
    bridged: dict[tuple[int, int], tuple[str, tuple[int, int]]] = {}
    if k < len(rows_b):
        head = rows_b[k]
        for c, cell in enumerate(head):
            if cell.is_copy or cell.text or c >= len(last):
                continue
            above = last[c]
            origin = above.origin or (len(rows_a) - 1, c)
            spans_above = origin[0] < len(rows_a) - 1
            spans_here = k + 1 < len(rows_b) and rows_b[k + 1][c].origin == (k, c)
            if above.text and (spans_above or spans_here):
                bridged[(k, c)] = (above.text, origin)
    merged = [list(row) for row in rows_a]
    for r in range(k, len(rows_b)):
        out: list[Cell] = []
        for c, cell in enumerate(rows_b[r]):
            key = cell.origin or (r, c)
            if key in bridged:
                text, origin = bridged[key]
                out.append(Cell(text, origin=origin))
            elif cell.origin is not None:
                out.append(Cell(cell.text, origin=(cell.origin[0] + offset, cell.origin[1])))
            else:
                out.append(Cell(cell.text))
        merged.append(out)
    return PdfTable(page=nxt.page, top=first.top, xs=union, cells=nxt.cells, rows=merged)
