"""The HTML table reader builds its grid in the pass that reads the cells: it must give exactly
the grid ``expand_spans`` gives for the same ``(text, rowspan, colspan)`` rows."""

from __future__ import annotations

import random

from lxml import etree

from parsing.blocks import Table
from parsing.extract.grid import expand_spans
from parsing.extract.html import (
    _GRID_NUMBER,
    _cell_text,
    _div_row,
    _span_value,
    _table,
    _text,
    parse_tree,
)
from parsing.normalize import collapse_ws

_SPANS = [None, None, None, "1", "2", "3", "0", "-1", "x", "70", " 2 ", "\u0662", "\u00b2", ""]
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


def _cell_text_before(td: etree._Element) -> str:
    """``_cell_text`` before its lone-child shortcut (the reference it must equal)."""
    if not any(el.tag in ("br", "p", "div", "li", "tr", "table") for el in td.iterdescendants()):
        if len(td) == 0:
            return collapse_ws(td.text or "")
        return collapse_ws(str(td.xpath("string()")))
    parts: list[str] = [td.text or ""]
    _parts_before(td, parts)
    return collapse_ws("".join(parts))


def _parts_before(el: etree._Element, parts: list[str]) -> None:
    for child in el:
        tag = child.tag
        line = isinstance(tag, str) and tag in ("br", "p", "div", "li", "tr", "table")
        if line:
            parts.append(" ")
        if isinstance(tag, str):
            parts.append(child.text or "")
            _parts_before(child, parts)
        if line:
            parts.append(" ")
        parts.append(child.tail or "")


_TEXTS = [
    "",
    "",
    " ",
    "\u3000",
    "\xa0",
    "\u200b",
    " \u200b ",
    "7",
    "1 2",
    "a\u200b",
    "（一）",
    "\n ",
]
_TAGS = ["p", "span", "br", "div", "o:p", "b", "li", "font"]


def _random_body(rng: random.Random, depth: int) -> str:
    out = rng.choice(_TEXTS)
    for _ in range(rng.choice([0, 1, 1, 1, 2]) if depth < 4 else 0):
        tag = rng.choice(_TAGS)
        if tag == "br":
            out += "<br>"
        elif rng.random() < 0.1:
            out += "<!--c-->" if rng.random() < 0.5 else "<?pi x?>"
        else:
            out += f"<{tag}>{_random_body(rng, depth + 1)}</{tag}>"
        out += rng.choice(_TEXTS)
    return out


def test_cell_text_lone_child_shortcut_equals_the_full_walk() -> None:
    rng = random.Random(15)
    seen = 0
    for _ in range(3000):
        html = f"<html><body><table><tr><td>{_random_body(rng, 0)}</td></tr></table></body></html>"
        td = parse_tree(html).find(".//td")
        assert td is not None
        if len(td):
            seen += 1
            assert _cell_text(td) == _cell_text_before(td), html
    assert seen > 1000


def _div_row_before(el: etree._Element) -> list[str] | None:
    """``_div_row`` before its tests were reordered to stop at the first that fails."""
    if len(el) < 3 or (el.text and el.text.strip()):
        return None
    kids = [k for k in el if isinstance(k.tag, str)]
    if len(kids) < 3:
        return None
    if any(k.tag not in ("span", "div", "em", "i", "b", "strong", "font", "label") for k in kids):
        return None
    if any(k.find(".//div") is not None or k.find(".//p") is not None for k in kids):
        return None
    if any(k.tail and k.tail.strip() for k in kids):
        return None
    cells = [_text(k) for k in kids]
    filled = [c for c in cells if c]
    if len(filled) < 3 or any(len(c) > 60 for c in filled):
        return None
    if sum(1 for c in filled if _GRID_NUMBER.fullmatch(c)) < 2:
        return None
    return cells


def test_div_row_equals_its_former_order_of_tests() -> None:
    rng = random.Random(16)
    kids = ["<span>12</span>", "<span>项目</span>", "<div>3</div>", "<b>4</b>", "<p>5</p>"] * 3
    kids += ["<span><p>6</p></span>", "<span><div>7</div></span>", "<!--c-->", "<em></em>"]
    kids += ["<span><i>8</i></span>", "<label>" + "长" * 61 + "</label>"]
    rows = 0
    for _ in range(3000):
        inner = "".join(
            rng.choice(kids) + rng.choice(["", "", " ", "x"]) for _ in range(rng.randint(0, 6))
        )
        lead = rng.choice(["", "", " ", "t"])
        el = parse_tree(f"<html><body><div>{lead}{inner}</div></body></html>").find(".//body/div")
        assert el is not None
        got = _div_row(el)
        rows += got is not None
        assert got == _div_row_before(el), inner
    assert rows > 50
