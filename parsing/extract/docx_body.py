"""Walk a WordprocessingML body in reading order: paragraphs, tables (gridSpan/vMerge), text boxes.

python-docx repeats a merged cell's text in every grid position it spans; reading ``w:tc``
elements directly gives each merged cell once, so copies carry ``Cell.origin`` instead.
Runs formatted as hidden (``w:vanish``) or white text are dropped and reported as spam
(detector ``docx_hidden``). Text boxes (``w:txbxContent``) become paragraphs after their anchor;
``mc:Fallback`` duplicates of them are skipped; deleted revisions and field codes are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from parsing.blocks import Block, Cell, Paragraph, SpamRemovalRecord, Table
from parsing.extract.doc_text import join_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SKIP = {W + "del", W + "delText", W + "instrText", W + "rPr", W + "pPr", MC + "Fallback"}
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins"}
_FALSE = {"0", "false", "off"}


@dataclass
class BodyWalker:
    """Collects blocks and spam records from one document body."""

    check: Callable[[str], None]  # deadline check, called per block
    blocks: list[Block] = field(default_factory=list)
    spam: list[SpamRemovalRecord] = field(default_factory=list)
    tables: int = 0

    def walk(self, parent: Any) -> None:
        """Append the blocks of a body-like element (body, text box, cell content)."""
        for child in parent.iterchildren():
            tag = child.tag
            if tag == W + "p":
                self.check(f"paragraph {len(self.blocks)}")
                lines, boxes = self._paragraph(child, f"docx:p{len(self.blocks) + 1}")
                self.blocks.extend(Paragraph(line) for line in lines)
                for box in boxes:
                    self.walk(box)
            elif tag == W + "tbl":
                self.check(f"table {self.tables + 1}")
                self.tables += 1
                self.blocks.append(self._table(child, self.tables))
            elif tag in _CONTAINERS:
                self.walk(child)

    def _paragraph(self, p: Any, location: str) -> tuple[list[str], list[Any]]:
        """Lines of a paragraph (split at breaks) and the text boxes anchored in it."""
        text: list[str] = []
        boxes: list[Any] = []
        for piece, hidden in _pieces(p, boxes):
            if hidden:
                if piece.strip():
                    self.spam.append(SpamRemovalRecord(location, piece, "docx_hidden"))
            else:
                text.append(piece)
        lines = [" ".join(line.split()) for line in "".join(text).split("\n")]
        return [line for line in lines if line], boxes

    def _cell_text(self, tc: Any, location: str) -> str:
        parts: list[str] = []
        for p in tc.iter(W + "p"):
            if _inside_textbox_or_fallback(p, tc):
                continue
            lines, _ = self._paragraph(p, location)
            parts.extend(lines)
        return join_lines(parts)

    def _table(self, tbl: Any, number: int) -> Table:
        rows: list[list[Cell]] = []
        logical = _logical_columns(tbl)
        vertical: dict[int, tuple[int, int]] = {}  # grid column -> origin of an open vMerge
        for r, tr in enumerate(_children(tbl, W + "tr")):
            g = _int(tr, "trPr/w:gridBefore", 0)
            row: list[Cell] = [Cell("") for _ in range(logical(g))]
            for tc in _children(tr, W + "tc"):
                span = max(1, _int(tc, "tcPr/w:gridSpan", 1))
                start, g = g, g + span
                c = max(len(row), logical(start))
                width = logical(g - 1) - c + 1
                if width <= 0:
                    continue  # a cell lying on a sliver grid column only
                merge = _vmerge(tc)
                text = self._cell_text(tc, f"table:{number}:r{r}c{c}")
                origin = vertical.get(start) if merge == "continue" else None
                if origin is not None:
                    source = rows[origin[0]][origin[1]].text
                    row.extend(Cell(source, origin=origin) for _ in range(width))
                    continue
                row.append(Cell(text))
                row.extend(Cell(text, origin=(r, c)) for _ in range(width - 1))
                if merge == "restart":
                    vertical[start] = (r, c)
                else:
                    vertical.pop(start, None)
            rows.append(row)
        width = max((len(row) for row in rows), default=0)
        for row in rows:
            row.extend(Cell("") for _ in range(width - len(row)))
        return Table(rows)


SLIVER_TWIPS = 40  # grid columns narrower than 0.7 mm are converter artefacts, not columns


def _logical_columns(tbl: Any) -> Callable[[int], int]:
    """Map grid column -> table column, folding sliver grid columns into their left neighbour."""
    widths: list[int] = []
    for col in tbl.findall(f"{W}tblGrid/{W}gridCol"):
        try:
            widths.append(int(float(col.get(W + "w", "0"))))
        except ValueError:
            widths.append(0)
    mapping: list[int] = []
    for n, w in enumerate(widths):
        sliver = 0 < w < SLIVER_TWIPS and n > 0
        mapping.append(mapping[-1] if sliver else (mapping[-1] + 1 if mapping else 0))
    extra = (mapping[-1] + 1) if mapping else 0

    def logical(g: int) -> int:
        if g < len(mapping):
            return mapping[g]
        return extra + g - len(mapping)

    return logical


def _children(parent: Any, tag: str) -> Iterator[Any]:
    """Direct children with ``tag``, looking through content controls and custom XML."""
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in _CONTAINERS:
            yield from _children(child, tag)


def _inside_textbox_or_fallback(el: Any, stop: Any) -> bool:
    node = el.getparent()
    while node is not None and node is not stop:
        if node.tag in (W + "txbxContent", MC + "Fallback"):
            return True
        node = node.getparent()
    return False


def _int(el: Any, path: str, default: int) -> int:
    found = el.find(f"w:{path}", {"w": W[1:-1]})
    if found is None:
        return default
    try:
        return int(found.get(W + "val", default))
    except ValueError:
        return default


def _vmerge(tc: Any) -> str | None:
    found = tc.find("w:tcPr/w:vMerge", {"w": W[1:-1]})
    if found is None:
        return None
    return "restart" if found.get(W + "val") == "restart" else "continue"


def _run_hidden(run: Any) -> bool:
    rpr = run.find(W + "rPr")
    if rpr is None:
        return False
    for tag in ("vanish", "specVanish"):
        el = rpr.find(W + tag)
        if el is not None and el.get(W + "val", "true").lower() not in _FALSE:
            return True
    color = rpr.find(W + "color")
    if color is not None and color.get(W + "val", "").upper() in {"FFFFFF", "FEFEFE"}:
        return rpr.find(W + "shd") is None and rpr.find(W + "highlight") is None
    return False


def _pieces(el: Any, boxes: list[Any], hidden: bool = False) -> Iterator[tuple[str, bool]]:
    """Text pieces of a paragraph in order, with a hidden flag; collects text boxes."""
    for child in el.iterchildren():
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == W + "txbxContent":
            boxes.append(child)
        elif tag == W + "r":
            yield from _pieces(child, boxes, hidden or _run_hidden(child))
        elif tag == W + "t":
            yield child.text or "", hidden
        elif tag in (W + "tab", W + "ptab"):
            yield " ", hidden
        elif tag in (W + "br", W + "cr"):
            yield "\n", hidden
        elif tag == W + "noBreakHyphen":
            yield "-", hidden
        else:
            yield from _pieces(child, boxes, hidden)
