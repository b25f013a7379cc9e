"""The HTML walker and table reader read children by index (``el[i]``, no iterator to build)
and collapse a cell's text only when it holds something to collapse (``_ws``): each must give
exactly what iterating the children and calling ``collapse_ws`` gave."""

from __future__ import annotations

import random

from lxml import etree

from parsing.blocks import Paragraph, Table
from parsing.extract.grid import expand_spans
from parsing.extract.html import (
    _BLOCKISH,
    _SKIP_TAGS,
    _div_row,
    _has_below,
    _leaf_text,
    _table,
    _title_classed,
    _Walker,
    _ws,
    parse_tree,
)
from parsing.normalize import collapse_ws

from .test_html_grid import _dump, _rows

_ALPHABET = ["a", "1", "中", ".", " ", " ", "\t", "\n", "\r", "\u3000", "\u00a0", "\u200b"]
_ALPHABET += ["\u2060", "\ufeff", "\x85", "\x0b", "\u2028", "\u00ad", "Ａ", "，"]


def test_ws_equals_collapse_ws() -> None:
    for text in ("a\tb", "a\u200bb", "a  b", " a", "a\u3000b", "a\x85b", "ab", "", "中文"):
        assert _ws(text) == collapse_ws(text), repr(text)
    rng = random.Random(3)
    for _ in range(20000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 8)))
        assert _ws(text) == collapse_ws(text), repr(text)


_SPANS = [None, None, None, "1", "2", "3", "0", "x", " 2 ", ""]
_BODIES = ["", "a", "12", " x  y ", "a\tb", "1\u200b2", "3<br>4", "<span>s</span>", "7<!--c-->"]
_BETWEEN = ["", "", "", "<!--c-->", "<?pi x?>", " ", "<p>stray</p>", "<span>s</span>"]


def _random_table(rng: random.Random) -> str:
    parts = ["<html><body><table>"]
    for _row in range(rng.randint(0, 6)):
        parts.append("<tr>" + rng.choice(_BETWEEN))
        for _col in range(rng.randint(0, 5)):
            tag = rng.choice(["td", "td", "th"])
            attrs = "".join(
                f' {name}="{value}"'
                for name in ("rowspan", "colspan")
                if (value := rng.choice(_SPANS)) is not None
            )
            parts.append(f"<{tag}{attrs}>{rng.choice(_BODIES)}</{tag}>{rng.choice(_BETWEEN)}")
        parts.append("</tr>")
    return "".join(parts) + "</table></body></html>"


def test_table_by_index_equals_the_grid_of_iterated_rows() -> None:
    """Comments, processing instructions and other elements between the cells (``tr[i]`` yields
    them as iterating ``tr`` does) and texts that need collapsing."""
    rng = random.Random(17)
    for _ in range(500):
        page = _random_table(rng)
        table = parse_tree(page).find(".//table")
        assert table is not None
        assert _dump(_table(table)) == _dump(expand_spans(_rows(table))), page


class _IteratingWalker:
    """``_Walker.walk`` as it was: iterating each element's children."""

    def __init__(self) -> None:
        self.walker = _Walker()

    def walk(self, el: etree._Element) -> None:
        w = self.walker
        tag = el.tag
        if not isinstance(tag, str) or not tag or tag in _SKIP_TAGS:
            if el.tail:
                w.buf.append(el.tail)
            return
        if tag == "table":
            if _has_below(el, "table"):
                for child in el:
                    self.walk(child)
            else:
                w.flush_lines()
                table = _table(el)
                if table.rows:
                    w.blocks.append(table)
            if el.tail:
                w.buf.append(el.tail)
            return
        if tag == "br":
            w.buf.append("\n")
            if el.tail:
                w.buf.append(el.tail)
            return
        block = tag in _BLOCKISH
        if block:
            w.buf.append("\n")
            row = _div_row(el)
            if row is not None:
                w.buf.append(" | ".join(row) + "\n")
                if el.tail:
                    w.buf.append(el.tail)
                return
        if el.text:
            w.buf.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            w.buf.append("\n")
        if el.tail:
            w.buf.append(el.tail)


_PIECES = ["text ", "12", "<br>", "<!--c-->", "<?pi x?>", "<b>b</b>", "\t", "<script>x</script>"]
_PIECES += ["<center>c</center>", "<span>3</span><span>4</span><span>5</span>", "<h1>h</h1>"]


def _random_body(rng: random.Random, depth: int) -> str:
    out = []
    for _ in range(rng.randint(0, 4)):
        pick = rng.random()
        if depth < 3 and pick < 0.3:
            tag = rng.choice(["div", "p", "li", "font"])
            out.append(f"<{tag}>{_random_body(rng, depth + 1)}</{tag}>")
        elif depth < 2 and pick < 0.4:
            out.append(_random_table(rng)[12:-14].replace("<body>", ""))
        else:
            out.append(rng.choice(_PIECES))
    return "".join(out)


def _blocks(walker: _Walker) -> list[object]:
    walker.flush_lines()
    return [b.text if isinstance(b, Paragraph) else _dump(b) for b in walker.blocks if b]


def test_walk_by_index_equals_the_iterating_walk() -> None:
    rng = random.Random(29)
    for _ in range(400):
        page = "<html><body>" + _random_body(rng, 0) + "</body></html>"
        body = parse_tree(page).find("body")
        assert body is not None
        ours = _Walker()
        ours.walk(body)
        before = _IteratingWalker()
        before.walk(body)
        assert _blocks(ours) == _blocks(before.walker), page
        assert all(isinstance(b, Paragraph | Table) for b in ours.blocks)


def test_leaf_text_equals_the_inline_reading() -> None:
    rng = random.Random(5)
    for _ in range(5000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 6))) or None
        before = "" if not text else text if text.isalnum() else collapse_ws(text)
        assert _leaf_text(text) == before, repr(text)


def _title_classed_before(root: etree._Element) -> list[etree._Element]:
    """``_title_classed`` reading every class value of the page (``//@class``)."""
    out: list[etree._Element] = []
    parents: list[etree._Element | None] = []
    seen: set[int] = set()
    found = etree.XPath("//@class")(root)
    for value in found if isinstance(found, list) else []:
        if not isinstance(value, etree._ElementUnicodeResult) or "title" not in value:
            continue
        el = value.getparent()
        if el is None or el.tag == "title":
            continue
        parent = el.getparent()
        if id(parent) in seen:
            continue
        parents.append(parent)
        seen.add(id(parent))
        out.append(el)
    return out


_CLASS_VALUES = ["title", "x", "subtitle main", "Title", "tit le", "中title", "", "titl"]


def _random_classed(rng: random.Random, depth: int) -> str:
    out = []
    for _ in range(rng.randint(0, 4)):
        tag = rng.choice(["div", "p", "span", "h2", "title"])
        cls = rng.choice(_CLASS_VALUES)
        inner = _random_classed(rng, depth + 1) if depth < 3 else "t"
        out.append(f'<{tag} class="{cls}">{inner}</{tag}>')
    return "".join(out)


def test_title_classed_equals_reading_every_class() -> None:
    rng = random.Random(41)
    for _ in range(300):
        page = "<html><head><title class='title'>t</title></head><body>"
        page += _random_classed(rng, 0) + "</body></html>"
        root = parse_tree(page)
        assert _title_classed(root) == _title_classed_before(root), page


def test_parse_tree_of_blank_led_pages() -> None:
    """The ``<?xml`` and blank-page tests without ``strip`` copies read pages as before."""
    xhtml = "<?xml version='1.0' encoding='utf-8'?><html><body><p>中文</p></body></html>"
    plain = etree.tostring(parse_tree(xhtml))
    for lead in ("", " ", "\n\t", "\u3000", "\ufeff"):
        if lead == "\ufeff":  # not a blank: the declaration is then text, as before
            continue
        assert etree.tostring(parse_tree(lead + xhtml)) == plain
    empty = etree.tostring(parse_tree("<html><body></body></html>"))
    for blank in ("", " ", "\n\r\t ", "\u3000\u00a0", "\x1c"):
        assert etree.tostring(parse_tree(blank)) == empty, repr(blank)
    assert b"x" in etree.tostring(parse_tree(" x "))
