"""HTML report pages → ``DocumentBlocks``: article container, paragraphs, span-expanded tables.

Handles TRS/Hanweb article bodies, Word-exported markup, layout tables (a table holding a
table is walked into, not read as data) and ``<p>``/``<div>`` grids (rows whose cells are child
elements or runs of spaces). The spam DOM layer runs first, on the whole tree.
"""

from __future__ import annotations

import re

from lxml import etree, html

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.extract.grid import expand_spans, group_text_rows
from parsing.normalize import collapse_ws
from parsing.spam import clean_dom

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol section article blockquote pre center tr dl dt dd "
    "header footer form fieldset address figure figcaption main aside nav".split()
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "select", "button"})
_CONTAINERS = (
    "//div[contains(@class,'TRS_Editor')]",
    "//div[@id='zoom']",
    "//div[contains(@class,'Custom_UnionStyle')]",
    "//div[@id='UCAP-CONTENT']",
    "//div[contains(@class,'article-content')]",
    "//div[contains(@class,'pages_content')]",
    "//div[@id='content']",
    "//div[contains(@class,'zw')]",
    "//article",
)
_HEADINGS = (
    "//meta[@name='ArticleTitle']/@content",
    "//h1",
    "//*[contains(@class,'title') and not(self::title)][1]",
    "//h2",
)
_DATE = re.compile(
    r"(?:发布(?:时间|日期)|成文日期|日期)[:：]?\s*(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})"
)
_GRID_NUMBER = re.compile(r"[\d,.，增减+\-—/无万元]+")
_PUBDATE_META = ("//meta[@name='PubDate']/@content", "//meta[@name='pubdate']/@content")


def _text(el: html.HtmlElement) -> str:
    return collapse_ws("".join(el.itertext()))


def _spans(el: html.HtmlElement, name: str) -> int:
    try:
        return int(str(el.get(name, "1")).strip() or 1)
    except ValueError:
        return 1


def _table(el: html.HtmlElement) -> Table:
    rows: list[list[tuple[str, int, int]]] = []
    for tr in el.iter("tr"):
        if tr.getparent() is not None and _owning_table(tr) is not el:
            continue
        cells = [
            (_text(td), _spans(td, "rowspan"), _spans(td, "colspan"))
            for td in tr
            if isinstance(td.tag, str) and td.tag in ("td", "th")
        ]
        if cells:
            rows.append(cells)
    return expand_spans(rows)


def _owning_table(el: html.HtmlElement) -> html.HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


class _Walker:
    """Depth-first walk emitting paragraph lines and tables in document order."""

    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.lines: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        for line in text.split("\n"):
            if line.strip():
                self.lines.append(line.strip())

    def flush_lines(self) -> None:
        self.flush()
        if self.lines:
            self.blocks.extend(group_text_rows(self.lines))
            self.lines = []

    def walk(self, el: html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS or not tag:
            if el.tail:
                self.buf.append(el.tail)
            return
        if tag == "table":
            if el.find(".//table") is not None:  # layout table: read its cells as content
                self._children(el)
            else:
                self.flush_lines()
                table = _table(el)
                if table.rows:
                    self.blocks.append(table)
            if el.tail:
                self.buf.append(el.tail)
            return
        if tag == "br":
            self.buf.append("\n")
            if el.tail:
                self.buf.append(el.tail)
            return
        block = tag in _BLOCK_TAGS or tag in ("td", "th")
        if block:
            self.buf.append("\n")
            row = _div_row(el)
            if row is not None:
                self.buf.append(" | ".join(row) + "\n")
                if el.tail:
                    self.buf.append(el.tail)
                return
        if el.text:
            self.buf.append(el.text)
        self._children(el)
        if block:
            self.buf.append("\n")
        if el.tail:
            self.buf.append(el.tail)

    def _children(self, el: html.HtmlElement) -> None:
        for child in el:
            self.walk(child)


def _div_row(el: html.HtmlElement) -> list[str] | None:
    """Cells of a ``<div class=row><span>…</span>…`` grid row, or None."""
    kids = [k for k in el if isinstance(k.tag, str)]
    if len(kids) < 3 or (el.text and el.text.strip()):
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


def _container(root: html.HtmlElement) -> html.HtmlElement:
    for xp in _CONTAINERS:
        found = root.xpath(xp)
        best = max(found, key=lambda e: len(e.xpath(".//table|.//p")), default=None)
        if best is not None and (best.find(".//table") is not None or len(_text(best)) > 200):
            return best  # type: ignore[no-any-return]
    body = root.find("body")
    return body if body is not None else root


def _heading(root: html.HtmlElement) -> str | None:
    for xp in _HEADINGS:
        for found in root.xpath(xp):
            text = collapse_ws(found if isinstance(found, str) else _text(found))
            if 4 <= len(text) <= 120:
                return text
    return None


def _published(root: html.HtmlElement, text: str) -> str | None:
    for xp in _PUBDATE_META:
        for value in root.xpath(xp):
            m = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", str(value))
            if m:
                return "-".join(m.groups())
    m = _DATE.search(text)
    return "-".join(m.groups()) if m else None


def parse_tree(text: str) -> html.HtmlElement:
    """Parse decoded HTML leniently (never raises on junk; empty input gives an empty body)."""
    cleaned = text.replace("\x00", "")
    if not cleaned.strip():
        cleaned = "<html><body></body></html>"
    try:
        return html.document_fromstring(cleaned)
    except (etree.ParserError, ValueError):
        return html.document_fromstring("<html><body></body></html>")


def extract_html(text: str) -> DocumentBlocks:
    """Extract paragraphs and tables from a decoded HTML page (spam DOM layer applied)."""
    root = parse_tree(text)
    head_title = root.findtext(".//title")
    dom = clean_dom(root)
    heading = _heading(root)
    walker = _Walker()
    container = _container(root)
    walker.walk(container)
    walker.flush_lines()
    page_text = _text(root) if root is not None else ""
    doc = DocumentBlocks(
        blocks=walker.blocks,
        format="html",
        title=heading or (collapse_ws(head_title) if head_title else None),
        published_date=_published(root, page_text),
        spam_removals=list(dom.removals),
        flags=set(dom.flags),
    )
    if heading is None and head_title:
        doc.flags.add("title_from_head")
    return doc
