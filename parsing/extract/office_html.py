"""Tables of LibreOffice Calc's HTML export (XLS/ET/XLSX/ODS), rowspan/colspan expanded."""

from __future__ import annotations

from typing import Any

import lxml.html

from parsing.blocks import Block, Cell, Paragraph, Table
from parsing.extract.doc_text import clean


def _span(el: Any, name: str) -> int:
    try:
        return max(1, min(1000, int(el.get(name, "1"))))
    except ValueError:
        return 1


def html_table(table: Any) -> Table:
    """One ``<table>`` as a span-expanded grid (copies carry ``Cell.origin``)."""
    grid: dict[tuple[int, int], Cell] = {}
    rows = [tr for tr in table.iter("tr") if tr.getparent() is not None]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = clean(td.text_content())
            for dr in range(_span(td, "rowspan")):
                for dc in range(_span(td, "colspan")):
                    origin = None if (dr, dc) == (0, 0) else (r, c)
                    grid.setdefault((r + dr, c + dc), Cell(text, origin=origin))
            c += _span(td, "colspan")
    height = len(rows)
    width = max((c + 1 for (_, c) in grid), default=0)
    return Table([[grid.get((r, c), Cell("")) for c in range(width)] for r in range(height)])


def blocks_from_calc_html(html: bytes) -> list[Block]:
    """Sheet titles as paragraphs and every non-empty table as a grid."""
    root = lxml.html.fromstring(html.decode("utf-8", "replace"))  # LibreOffice writes UTF-8
    blocks: list[Block] = []
    el: Any
    for el in root.iter("h1", "table"):
        if el.tag == "h1":
            text = clean(el.text_content())
            if text:
                blocks.append(Paragraph(text))
            continue
        table = html_table(el)
        if any(cell.text for row in table.rows for cell in row):
            # drop rows and trailing columns that are entirely empty (unused sheet area)
            table.rows = [row for row in table.rows if any(c.text for c in row)]
            blocks.append(table)
    return blocks
