"""Scanned tables: the grid rebuilt from the ruling lines of the image and Tesseract word boxes.

A scanned 年报 page draws its tables with ruling lines. Plain OCR text loses the columns (an
empty cell, a label spanning two columns or wrapping onto three lines shifts every number), so
the grid is rebuilt from geometry instead:

1. ruling lines: long horizontal and vertical runs of dark pixels (numpy over the binarised
   page); consecutive horizontal lines joined by vertical ones form one table;
2. cells: the spaces between the lines; where a line segment is missing between two grid
   positions they belong to one merged cell (rowspan/colspan, like the HTML and PDF grids);
3. words: one Tesseract run over the page with the lines erased (TSV: box and confidence per
   word), each word placed in the cell holding its centre;
4. a cell whose words were read with a confidence below ``MIN_CONFIDENCE`` is left empty and
   reported (``low_confidence``): a value is never guessed.

Text outside the tables becomes paragraphs, in reading order with the tables.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from parsing.blocks import Block, Cell, Paragraph, Table
from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.doc_text import clean, is_page_number, join_lines

MIN_CONFIDENCE = 60.0
"""Tesseract word confidence (0-100) below which a table cell is not trusted."""

SINGLE_READ_CONFIDENCE = 85.0
"""A value only the digits-only pass could read (the first pass saw ``工`` for ``1``) needs this."""

_DARK = 160  # grey level below which a pixel is ink


@dataclass(frozen=True)
class Word:
    """One OCR word: box in pixels, confidence 0-100, and its text line id."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: tuple[int, int, int]

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


@dataclass
class OcrPage:
    """What one scanned page gave: blocks, word confidences and the cells left empty."""

    blocks: list[Block] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    low_confidence: list[str] = field(default_factory=list)


def _runs(mask: np.ndarray, min_len: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of horizontal runs of True at least ``min_len`` long."""
    out: list[tuple[int, int, int]] = []
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    diff = np.diff(padded, axis=1)
    for row in np.nonzero(mask.sum(axis=1) >= min_len)[0]:
        starts = np.nonzero(diff[row] == 1)[0]
        ends = np.nonzero(diff[row] == -1)[0]
        for s, e in zip(starts, ends, strict=True):
            if e - s >= min_len:
                out.append((int(row), int(s), int(e)))
    return out


def _merge_lines(runs: list[tuple[int, int, int]], gap: int = 3) -> list[tuple[int, int, int]]:
    """Merge runs on adjacent pixel rows (a line a few pixels thick) into one segment."""
    segs: list[list[int]] = []
    for pos, s, e in sorted(runs, key=lambda r: (r[1], r[0])):
        for seg in segs:
            if (
                0 <= pos - seg[3] <= gap
                and abs(seg[1] - s) <= gap * 3
                and abs(seg[2] - e) <= gap * 3
            ):
                seg[3] = pos
                seg[1], seg[2] = min(seg[1], s), max(seg[2], e)
                break
        else:
            segs.append([pos, s, e, pos])
    return [((a + d) // 2, b, c) for a, b, c, d in segs]


def _cluster(values: list[int], tol: int) -> list[int]:
    out: list[int] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


@dataclass
class _Grid:
    xs: list[int]
    ys: list[int]
    hsegs: list[tuple[int, int, int]]  # y, x0, x1
    vsegs: list[tuple[int, int, int]]  # x, y0, y1

    def has_h(self, y: int, x0: int, x1: int, tol: int) -> bool:
        mid = (x0 + x1) / 2
        return any(
            abs(sy - y) <= tol and sx0 - tol <= mid <= sx1 + tol for sy, sx0, sx1 in self.hsegs
        )

    def has_v(self, x: int, y0: int, y1: int, tol: int) -> bool:
        mid = (y0 + y1) / 2
        return any(
            abs(sx - x) <= tol and sy0 - tol <= mid <= sy1 + tol for sx, sy0, sy1 in self.vsegs
        )


def find_grids(ink: np.ndarray, min_len: int) -> list[_Grid]:
    """Tables of a page: ruling-line grids, top to bottom."""
    hsegs = _merge_lines(_runs(ink, min_len))
    vraw = _merge_lines(_runs(ink.T, min_len))
    vsegs = [(x, y0, y1) for x, y0, y1 in vraw]
    if not hsegs or not vsegs:
        return []
    tol = max(3, min_len // 20)
    grids: list[_Grid] = []
    for y_line in sorted({y for y, _, _ in hsegs}):
        touching = [v for v in vsegs if v[1] - tol <= y_line <= v[2] + tol]
        if not touching:
            continue
        placed = False
        for grid in grids:
            if any(v in grid.vsegs for v in touching):
                grid.vsegs.extend(v for v in touching if v not in grid.vsegs)
                grid.ys.append(y_line)
                placed = True
                break
        if not placed:
            grids.append(_Grid([], [y_line], [], list(touching)))
    out: list[_Grid] = []
    for grid in grids:
        ys = _cluster(grid.ys, tol)
        if len(ys) < 2:
            continue
        grid.ys = ys
        grid.xs = _cluster([v[0] for v in grid.vsegs], tol)
        if len(grid.xs) < 2:
            continue
        grid.hsegs = [h for h in hsegs if ys[0] - tol <= h[0] <= ys[-1] + tol]
        out.append(grid)
    return out


def _cells(grid: _Grid, tol: int) -> list[tuple[int, int, int, int]]:
    """Merged cells as (r0, c0, r1, c1) inclusive, found by missing line segments."""
    height, width = len(grid.ys) - 1, len(grid.xs) - 1
    parent = list(range(height * width))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(height):
        for c in range(width):
            y0, y1 = grid.ys[r], grid.ys[r + 1]
            x0, x1 = grid.xs[c], grid.xs[c + 1]
            if c + 1 < width and not grid.has_v(x1, y0, y1, tol):
                parent[find(r * width + c + 1)] = find(r * width + c)
            if r + 1 < height and not grid.has_h(y1, x0, x1, tol):
                parent[find((r + 1) * width + c)] = find(r * width + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(height):
        for c in range(width):
            groups.setdefault(find(r * width + c), []).append((r, c))
    spans = []
    for members in groups.values():
        rows = [m[0] for m in members]
        cols = [m[1] for m in members]
        spans.append((min(rows), min(cols), max(rows), max(cols)))
    return spans


def tesseract_words(
    image: Image.Image, langs: str, dpi: int, timeout: float, *, psm: int = 4, digits: bool = False
) -> list[Word]:
    """One Tesseract run (TSV; ``--psm 4``: a column of text): every word with box and confidence.

    ``digits``: only 0-9 . , - are allowed (the value cells of a table).
    """
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = ["tesseract", "stdin", "stdout", "-l", langs, "--psm", str(psm), "--dpi", str(dpi)]
    if digits:
        cmd += ["-c", "tessedit_char_whitelist=0123456789.,-"]
    cmd.append("tsv")
    try:
        done = subprocess.run(
            cmd, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise CorruptDocumentError(f"OCR: tesseract gave up after {timeout:.0f} s") from exc
    except OSError as exc:
        raise UnsupportedFormatError(f"OCR: cannot run tesseract ({exc})") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise CorruptDocumentError(f"OCR: tesseract failed: {message}")
    words: list[Word] = []
    for line in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or parts[0] != "5" or not parts[11].strip():
            continue
        try:
            box = [int(p) for p in parts[6:10]]
            conf = float(parts[10])
        except ValueError:
            continue
        key = (int(parts[2]), int(parts[3]), int(parts[4]))
        words.append(Word(parts[11].strip(), box[0], box[1], box[2], box[3], conf, key))
    return words


def _join(words: list[Word]) -> str:
    """Words of one cell or paragraph in reading order (lines by y, words by x)."""
    if not words:
        return ""
    height = float(np.median([w.height for w in words])) or 10.0
    ordered = sorted(words, key=lambda w: (w.cy, w.left))
    lines: list[list[Word]] = []
    for w in ordered:
        if lines and abs(lines[-1][-1].cy - w.cy) <= height * 0.6:
            lines[-1].append(w)
        else:
            lines.append([w])
    texts = []
    for line in lines:
        parts = sorted(line, key=lambda w: w.left)
        text = ""
        for a, b in zip([None, *parts[:-1]], parts, strict=True):
            if a is not None and b.left - (a.left + a.width) > height * 0.8:
                text += " "
            text += b.text
        texts.append(text)
    return clean(join_lines(texts))


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _value_like(text: str) -> bool:
    """An empty cell or one OCR read as a short number-like token (``工`` is often a ``1``)."""
    return len(text) <= 8 and len(_CJK.findall(text)) <= 1 and "(" not in text


def _box(grid: _Grid, span: tuple[int, int, int, int], inset: int) -> tuple[int, int, int, int]:
    r0, c0, r1, c1 = span
    return (
        grid.xs[c0] + inset,
        grid.ys[r0] + inset,
        grid.xs[c1 + 1] - inset,
        grid.ys[r1 + 1] - inset,
    )


def _has_ink(page: np.ndarray, grid: _Grid, span: tuple[int, int, int, int], thick: int) -> bool:
    x0, y0, x1, y1 = _box(grid, span, thick + 2)
    if x1 <= x0 or y1 <= y0:
        return False
    return int((page[y0:y1, x0:x1] < _DARK).sum()) >= 6


def _read_values(
    page: np.ndarray,
    grid: _Grid,
    spans: list[tuple[int, int, int, int]],
    thick: int,
    langs: str,
    dpi: int,
    timeout: float,
) -> dict[tuple[int, int, int, int], tuple[str, float]]:
    """Read every value cell in one Tesseract run: the crops stacked one per line, digits only."""
    if not spans:
        return {}
    crops = []
    for span in spans:
        x0, y0, x1, y1 = _box(grid, span, thick + 2)
        crops.append(page[y0:y1, x0:x1])
    gap = max(20, dpi // 6)
    width = max(c.shape[1] for c in crops) + 2 * gap
    height = sum(c.shape[0] + gap for c in crops) + gap
    strip = np.full((height, width), 255, dtype=np.uint8)
    places = []
    y = gap
    for crop in crops:
        h, w = crop.shape
        strip[y : y + h, gap : gap + w] = crop
        places.append((y, y + h))
        y += h + gap
    # small print (7.5 pt at 200 dpi is 15 px): scaled so digits are ~40 px high, where
    # Tesseract stops reading a serif 1 as 4
    scale = max(1, round(40 / max(8.0, float(np.median([c.shape[0] for c in crops])) * 0.5)))
    image = Image.fromarray(strip)
    if scale > 1:
        image = image.resize((width * scale, height * scale), Image.Resampling.LANCZOS)
    words = tesseract_words(image, langs, dpi * scale, timeout, psm=6, digits=True)
    words = [
        Word(
            w.text,
            w.left // scale,
            w.top // scale,
            w.width // scale,
            w.height // scale,
            w.conf,
            w.line,
        )
        for w in words
    ]
    found: dict[int, list[Word]] = {}
    for w in words:
        for i, (top, bottom) in enumerate(places):
            if top - gap / 2 <= w.cy <= bottom + gap / 2:
                found.setdefault(i, []).append(w)
                break
    out = {}
    for i, span in enumerate(spans):
        ws = sorted(found.get(i, []), key=lambda w: w.left)
        text = "".join(w.text for w in ws)
        out[span] = (text, min((w.conf for w in ws), default=0.0))
    return out


def read_page(image: Image.Image, langs: str, dpi: int, timeout: float) -> OcrPage:
    """OCR one scanned page into paragraphs and table grids (see the module docstring)."""
    grey = image.convert("L")
    ink = np.asarray(grey) < _DARK
    min_len = max(40, int(dpi * 0.45))  # ~11 mm: longer than any stroke of a character
    grids = find_grids(ink, min_len)
    erased = np.asarray(grey).copy()
    thick = max(2, dpi // 100)
    for grid in grids:
        for y, x0, x1 in grid.hsegs:
            erased[max(0, y - thick) : y + thick + 1, x0 : x1 + 1] = 255
        for x, y0, y1 in grid.vsegs:
            erased[y0 : y1 + 1, max(0, x - thick) : x + thick + 1] = 255
    words = tesseract_words(Image.fromarray(erased), langs, dpi, timeout)
    digit_langs = "eng" if "eng" in langs.split("+") else langs
    page = OcrPage(confidences=[w.conf for w in words if w.conf >= 0])
    tol = max(3, min_len // 20)
    placed: set[int] = set()
    tables: list[tuple[int, Table]] = []
    for g, grid in enumerate(grids):
        spans = _cells(grid, tol)
        height, width = len(grid.ys) - 1, len(grid.xs) - 1
        owner = {}
        for span in spans:
            for r in range(span[0], span[2] + 1):
                for c in range(span[1], span[3] + 1):
                    owner[(r, c)] = span
        texts: dict[tuple[int, int, int, int], list[Word]] = {s: [] for s in spans}
        for i, w in enumerate(words):
            if not (grid.xs[0] < w.cx < grid.xs[-1] and grid.ys[0] < w.cy < grid.ys[-1]):
                continue
            c = max(0, min(width - 1, int(np.searchsorted(grid.xs, w.cx)) - 1))
            r = max(0, min(height - 1, int(np.searchsorted(grid.ys, w.cy)) - 1))
            texts[owner[(r, c)]].append(w)
            placed.add(i)
        cell_text = {span: _join(ws) for span, ws in texts.items()}
        cell_conf = {span: min((w.conf for w in ws), default=100.0) for span, ws in texts.items()}
        values = [
            span
            for span in spans
            if _value_like(cell_text[span]) and _has_ink(erased, grid, span, thick)
        ]
        value_text = _read_values(erased, grid, values, thick, digit_langs, dpi, timeout)
        rows: list[list[Cell]] = [[Cell("") for _ in range(width)] for _ in range(height)]
        numeric_rows = {
            r
            for span, (text, conf) in value_text.items()
            if conf >= MIN_CONFIDENCE and _NUMBER.fullmatch(text)
            for r in range(span[0], span[2] + 1)
        }
        for span in spans:
            r0, c0, r1, c1 = span
            text, conf = cell_text[span], cell_conf[span]
            if span in value_text:
                first = text.replace(" ", "")
                text, conf = value_text[span]
                if _NUMBER.fullmatch(first) and first != text:
                    conf = 0.0  # the two reads disagree: trust neither
                elif not _NUMBER.fullmatch(first) and conf < SINGLE_READ_CONFIDENCE:
                    conf = min(conf, MIN_CONFIDENCE - 1)  # one read only: a higher bar
                if os.environ.get("XXGK_OCR_DEBUG"):
                    print("cell", g, span, repr(first), repr(text), conf)
                if conf < MIN_CONFIDENCE or not _NUMBER.fullmatch(text):
                    if text or r0 in numeric_rows:  # a value cell, not a header OCR missed
                        page.low_confidence.append(
                            f"table {g + 1} r{r0 + 1}c{c0 + 1} read {text!r} ({conf:.0f}%)"
                        )
                    text = ""
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    rows[r][c] = Cell(text) if (r, c) == (r0, c0) else Cell(text, origin=(r0, c0))
        tables.append((grid.ys[0], Table(rows)))
    # paragraphs: the words outside every table, grouped by Tesseract's text lines
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for i, w in enumerate(words):
        if i not in placed:
            lines.setdefault(w.line, []).append(w)
    items: list[tuple[float, Block]] = [(float(top), table) for top, table in tables]
    for line_words in lines.values():
        text = _join(line_words)
        if text and not is_page_number(text):
            items.append((min(w.top for w in line_words), Paragraph(text)))
    page.blocks = [block for _, block in sorted(items, key=lambda it: it[0])]
    return page
