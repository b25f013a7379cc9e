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
  line holding only label words (a wrapped label) joins the nearest row with numbers;
- a row may hold one number set far right of its label (table 二's ``行政许可 1,038``); a
  header line inside the table (``信息内容 | 本年处理决定数量``) starts a segment whose columns
  are that header's own, and a section line (``第二十条第（五）项``) is a row of its own.
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
_ONE_NUMBER_GAP = 4.0  # a one-number row: label and number at least this many font sizes apart


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
    if not nums:
        return False
    first_num = min(float(w["x0"]) for w in line.numbers)
    if not all(float(w["x1"]) <= first_num + 1 for w in line.labels):
        return False  # words after a number: prose, not a table row
    if len(nums) >= 2:
        return len(line.numbers) >= 3 or bool(line.labels)  # not a page number "- 1 -"
    # one number (table 二's "行政许可 1,038"): a label, then the number far to its right
    if not line.labels or _HEADING.match(line.words[0]["text"]):
        return False  # a page number, a contents line "一、总体情况 1"
    heights = sorted(float(w["bottom"]) - float(w["top"]) for w in line.words)
    gap = first_num - max(float(w["x1"]) for w in line.labels)
    return gap >= _ONE_NUMBER_GAP * heights[len(heights) // 2]


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


def _anchors(lines: list[_Line], rows: list[int], header: list[_Line], font: float) -> list[float]:
    """Column centres of ``rows``: their number words clustered, plus the header words above the
    numbers (a column blank in every row still has its header)."""
    centres = [_centre(w) for r in rows for w in lines[r].numbers]
    if centres:
        low, high = min(centres) - font, max(centres) + font
        centres += [_centre(w) for h in header for w in h.words if low <= _centre(w) <= high]
    return _cluster(centres, font * 1.2)


def _place(words: list[dict[str, Any]], anchors: list[float]) -> list[str]:
    """Words placed in the column whose centre is nearest (never by counting cells)."""
    values = [""] * len(anchors)
    for w in words:
        col = min(range(len(anchors)), key=lambda a: abs(anchors[a] - _centre(w)))
        values[col] = (values[col] + w["text"]) if values[col] else w["text"]
    return values


def _label_texts(parts: list[tuple[float, list[dict[str, Any]]]], font: float) -> list[str]:
    """The label cells of one row from its own words and its wrapped lines, left to right."""
    cells: list[tuple[float, float, str]] = []  # x centre, top, text of each label cell
    for top, ws in parts:
        cells += [(centre, top, text) for centre, text in _label_cells(ws, font * 1.5)]
    columns: list[list[tuple[float, float, str]]] = []
    for cell in sorted(cells):
        if columns and cell[0] - columns[-1][0][0] <= font * 2:
            columns[-1].append(cell)
        else:
            columns.append([cell])
    return [join_lines([c[2] for c in sorted(col, key=lambda c: c[1])]) for col in columns]


def _build(lines: list[_Line], start: int, end: int, rows: list[int]) -> FoundTable:
    """The grid of lines ``start:end`` whose rows with numbers are ``rows``.

    Label-only lines inside the table are of three kinds: a wrapped label (every word starting
    inside the rows' label column) joins the nearest row with numbers; a header line (a label
    cell plus words right of the label column, as each sub-table of table 二 repeats
    ``信息内容 | 本年处理决定数量``) starts a new segment whose columns are its own header's; a
    section line (words right of the label column only: ``第二十条第（五）项``) is a row of its own.
    """
    size = sorted(float(w["bottom"]) - float(w["top"]) for r in rows for w in lines[r].words)
    font = size[len(size) // 2] if size else 10.0
    value_left = min(float(w["x0"]) for r in rows for w in lines[r].numbers) - 1
    # the label column: where the rows' own labels end (a narrow value column may sit far right)
    label_right = max((float(w["x1"]) for r in rows for w in lines[r].labels), default=value_left)
    first = lines[start - 1] if start > 0 and not lines[start - 1].numbers else None
    row_set = set(rows)
    # segments: (header lines, rows, wrapped label lines, section lines)
    segments: list[tuple[list[_Line], list[int], list[int], list[int]]] = [
        ([first] if first is not None else [], [], [], [])
    ]
    for k in range(start, end):
        line = lines[k]
        inside = [float(w["x0"]) < label_right for w in line.words]
        if k in row_set:
            segments[-1][1].append(k)
        elif all(inside):
            segments[-1][2].append(k)
        elif any(inside):  # a header line: a new segment (consecutive header lines join)
            seg = segments[-1]
            if len(segments) > 1 and not (seg[1] or seg[2] or seg[3]):
                seg[0].append(line)  # a header wrapped over two lines
            else:
                segments.append(([line], [], [], []))
        else:
            segments[-1][3].append(k)
    out: list[tuple[float, list[str], list[str]]] = []  # top, label cells, value cells
    for n, (header, seg_rows, wrapped, sections) in enumerate(segments):
        for k in sections:
            out.append(
                (lines[k].top, [t for _c, t in _label_cells(lines[k].words, font * 1.5)], [])
            )
        if not seg_rows:  # label lines with no row to join: rows of their own
            out += [
                (lines[k].top, _label_texts([(lines[k].top, lines[k].labels)], font), [])
                for k in wrapped
            ]
            continue
        anchors = _anchors(lines, seg_rows, header, font)
        if n > 0:  # a header line inside the table is a grid row: its labels, then its columns
            words = [w for h in header for w in h.words]
            names = [w for w in words if float(w["x0"]) < label_right]
            heads = _place([w for w in words if float(w["x0"]) >= label_right], anchors)
            out.append((header[0].top, _label_texts([(header[0].top, names)], font), heads))
        extra: dict[int, list[tuple[float, list[dict[str, Any]]]]] = {r: [] for r in seg_rows}
        for k in wrapped:
            mid = (lines[k].top + lines[k].bottom) / 2
            nearest = min(seg_rows, key=lambda r: abs((lines[r].top + lines[r].bottom) / 2 - mid))
            extra[nearest].append((lines[k].top, lines[k].labels))
        for r in seg_rows:
            labels = _label_texts([(lines[r].top, lines[r].labels), *extra[r]], font)
            out.append((lines[r].top, labels, _place(lines[r].numbers, anchors)))
    out.sort(key=lambda t: t[0])
    width = max(len(labels) for _t, labels, _v in out)
    texts = [[""] * (width - len(labels)) + labels + values for _t, labels, values in out]
    return FoundTable(lines[start].top, lines[end - 1].bottom, Table.from_strings(texts))
