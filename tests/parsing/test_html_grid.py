"""The HTML table reader builds its grid in the pass that reads the cells: it must give exactly
the grid ``expand_spans`` gives for the same ``(text, rowspan, colspan)`` rows."""

from __future__ import annotations

import random

from lxml import etree

from parsing.blocks import Table
from parsing.extract.grid import expand_spans
from parsing.extract.html import _cell_text, _span_value, _table, parse_tree
from parsing.normalize import collapse_ws

_SPANS = [None, None, None, "1", "2", "3", "0", "-1", "x", "70", " 2 "]
_BODIES = ["", "a", "12", " x  y ", "<p>p1</p><p>p2</p>", "3<br>4", "<span>s</span>"]


def _rows(table: etree._Element) -> list[list[tuple[str, int, int]]]:
    rows = []
    for tr in table.iter("tr"):
        cells = []
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            text = collapse_ws(td.text or "") if len(td) == 0 else _cell_text(td)
            rs, cs = td.get("rowspan"), td.get("colspan")
            rowspan = 1 if rs is None else _span_value(rs)
            cells.append((text, rowspan, 1 if cs is None else _span_value(cs)))
        if cells:
            rows.append(cells)
    return rows


def _dump(table: Table) -> list[list[tuple[str, tuple[int, int] | None, bool]]]:
    return [[(c.text, c.origin, c.pad) for c in row] for row in table.rows]


def test_table_grid_equals_expand_spans() -> None:
    rng = random.Random(11)
    for _ in range(400):
        parts = ["<html><body><table>"]
        for _row in range(rng.randint(0, 7)):
            parts.append("<tr>" if rng.random() < 0.95 else "<tr><p>stray</p>")
            for _col in range(rng.choice([0, 1, 2, 3, 4, 5])):
                tag = rng.choice(["td", "td", "th"])
                attrs = "".join(
                    f' {name}="{value}"'
                    for name in ("rowspan", "colspan")
                    if (value := rng.choice(_SPANS)) is not None
                )
                parts.append(f"<{tag}{attrs}>{rng.choice(_BODIES)}</{tag}>")
            parts.append("</tr>")
        table = parse_tree("".join(parts) + "</table></body></html>").find(".//table")
        assert table is not None
        assert _dump(_table(table)) == _dump(expand_spans(_rows(table))), "".join(parts)
