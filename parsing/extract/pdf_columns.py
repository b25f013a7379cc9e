"""PDF tables drawn without ruling lines: cells placed by column x positions, not by counting.

A borderless table (or one whose vertical lines were not drawn) reaches the text-line reader as
lines such as ``1.属于国家秘密 0 0 1 1 0 2``: counting its cells puts every number after a blank
cell into the wrong column, and a label wrapped onto three lines (its numbers centred on the
middle one) breaks the row apart. Here the words keep their coordinates:

- value columns are the x centres of the number words, clustered over the whole table, plus
  the centres of the header words right above the first row (a column left blank in every row
  still has its header);
- each number goes to the column whose centre is nearest (a merged or wide label never shifts
  a number, and the total column stays the total column);
- label words left of the first value column are split into label cells at wide gaps, and a
  line holding only label words (a wrapped label) joins the nearest row with numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from parsing.blocks import Table
from parsing.extract.doc_text import join_lines

_NUMBER = re.compile(r"^[+\-增减]?\d[\d,]*(?:\.\d+)?(?:万元|%)?$|^[—\-－/]$")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、)")
MIN_ROWS = 2  # lines with numbers needed before words are read as a table


@dataclass
class _Line:
    top: float
    bottom: float
    words: list[dict[str, Any]]

    @property
    def numbers(self) -> list[dict[str, Any]]:
        return [w for w in self.words if _NUMBER.match(w["text"])]

    @property
    def labels(self) -> list[dict[str, Any]]:
        return [w for w in self.words if not _NUMBER.match(w["text"])]


@dataclass
class FoundTable:
    """A borderless table: its vertical extent on the page and its grid."""

    top: float
    bottom: float
    table: Table


def _lines(words: list[dict[str, Any]]) -> list[_Line]:
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: (round(float(w["top"])), float(w["x0"]))):
        top, bottom = float(w["top"]), float(w["bottom"])
        if lines and abs(lines[-1].top - top) <= 2.0:
            lines[-1].words.append(w)
            lines[-1].bottom = max(lines[-1].bottom, bottom)
        else:
            lines.append(_Line(top, bottom, [w]))
    for line in lines:
        line.words.sort(key=lambda w: float(w["x0"]))
    return lines


def _is_row(line: _Line) -> bool:
    nums = [w for w in line.numbers if any(ch.isdigit() for ch in w["text"])]
    if len(nums) < 2 or len(line.numbers) < 3 and not line.labels:
        return False  # a page number "- 1 -"
    first_num = min(float(w["x0"]) for w in nums)
    return all(float(w["x1"]) <= first_num + 1 for w in line.labels) or not line.labels


def _cluster(values: list[float], tol: float) -> list[float]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _centre(w: dict[str, Any]) -> float:
    return (float(w["x0"]) + float(w["x1"])) / 2


def _label_cells(words: list[dict[str, Any]], gap: float) -> list[tuple[float, str]]:
    """(x centre, text) of the label cells of one line: words split at gaps wider than ``gap``."""
    cells: list[list[dict[str, Any]]] = []
    for w in words:
        if cells and float(w["x0"]) - float(cells[-1][-1]["x1"]) <= gap:
            cells[-1].append(w)
        else:
            cells.append([w])
    return [
        ((float(c[0]["x0"]) + float(c[-1]["x1"])) / 2, "".join(x["text"] for x in c)) for c in cells
    ]


def borderless_tables(words: list[dict[str, Any]]) -> list[FoundTable]:
    """The borderless tables among a page's words (those outside ruled tables)."""
    lines = _lines(words)
    found: list[FoundTable] = []
    i = 0
    while i < len(lines):
        if not _is_row(lines[i]):
            i += 1
            continue
        j = i
        rows = []
        while j < len(lines):
            line = lines[j]
            if _is_row(line):
                rows.append(j)
            elif line.numbers or _HEADING.match(line.words[0]["text"]):
                break  # prose with numbers, or the next section heading
            elif j - (rows[-1] if rows else i) > 3:
                break
            j += 1
        while j - 1 > rows[-1]:
            j -= 1  # trailing label-only lines belong to what follows unless a row claims them
        # one row is a table when it is all numbers under a header (table 四's value row)
        only = lines[rows[0]]
        single = len(rows) == 1 and not only.labels and len(only.numbers) >= 5
        if len(rows) >= MIN_ROWS or single:
            found.append(_build(lines, i, j, rows))
            i = j
        else:
            i += 1
    return found


def _build(lines: list[_Line], start: int, end: int, rows: list[int]) -> FoundTable:
    size = sorted(float(w["bottom"]) - float(w["top"]) for r in rows for w in lines[r].words)
    font = size[len(size) // 2] if size else 10.0
    centres = [_centre(w) for r in rows for w in lines[r].numbers]
    header = lines[start - 1] if start > 0 and not lines[start - 1].numbers else None
    if header is not None:  # a column blank in every row still has its header
        low, high = min(centres) - font, max(centres) + font
        centres += [_centre(w) for w in header.words if low <= _centre(w) <= high]
    anchors = _cluster(centres, font * 1.2)
    # label-only lines join the nearest row with numbers
    extra: dict[int, list[tuple[float, list[dict[str, Any]]]]] = {r: [] for r in rows}
    for k in range(start, end):
        if k in extra:
            continue
        mid = (lines[k].top + lines[k].bottom) / 2
        nearest = min(rows, key=lambda r: abs((lines[r].top + lines[r].bottom) / 2 - mid))
        extra[nearest].append((lines[k].top, lines[k].labels))
    grid: list[tuple[list[str], list[str]]] = []
    for r in rows:
        parts = [(lines[r].top, lines[r].labels), *extra[r]]
        cells: list[tuple[float, float, str]] = []  # x centre, top, text of each label cell
        for top, ws in parts:
            cells += [(centre, top, text) for centre, text in _label_cells(ws, font * 1.5)]
        columns: list[list[tuple[float, float, str]]] = []
        for cell in sorted(cells):
            if columns and cell[0] - columns[-1][0][0] <= font * 2:
                columns[-1].append(cell)
            else:
                columns.append([cell])
        labels = [join_lines([c[2] for c in sorted(col, key=lambda c: c[1])]) for col in columns]
        values = [""] * len(anchors)
        for w in lines[r].numbers:
            col = min(range(len(anchors)), key=lambda a: abs(anchors[a] - _centre(w)))
            values[col] = (values[col] + w["text"]) if values[col] else w["text"]
        grid.append((labels, values))
    width = max(len(labels) for labels, _ in grid)
    texts = [[""] * (width - len(labels)) + labels + values for labels, values in grid]
    top = lines[start].top
    bottom = lines[end - 1].bottom
    return FoundTable(top, bottom, Table.from_strings(texts))
