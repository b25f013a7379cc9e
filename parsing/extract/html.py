"""HTML report pages → ``DocumentBlocks``: article container, paragraphs, span-expanded tables.

Handles TRS/Hanweb article bodies, Word-exported markup, layout tables (a table holding a
table is walked into, not read as data) and ``<p>``/``<div>`` grids (rows whose cells are child
elements or runs of spaces). The spam DOM layer runs first, on the whole tree.
"""

from __future__ import annotations

import re
import threading
from typing import cast

from lxml import etree

from parsing.blocks import Cell, DocumentBlocks, Paragraph, Table
from parsing.extract.grid import MAX_SPAN, group_text_rows
from parsing.extract.html_meta import page_metadata
from parsing.normalize import collapse_ws
from parsing.published import page_date
from parsing.spam.dom import clean_page

_BLOCK_TAGS = frozenset(
    {
        *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article"),
        *("blockquote", "pre", "center", "tr", "dl", "dt", "dd", "header", "footer", "form"),
        *("fieldset", "address", "figure", "figcaption", "main", "aside", "nav"),
    }
)
_BLOCKISH = _BLOCK_TAGS | {"td", "th"}  # a line break before and after
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "select", "button"})
_HEADINGS = (
    "//meta[@name='ArticleTitle']/@content",
    "//h1",
    "//*[contains(@class,'title') and not(self::title)][1]",
    "//h2",
)
_GRID_NUMBER = re.compile(r"[\d,.，增减+\-—/无万元]+")
_STRING = etree.XPath("string()", smart_strings=False)  # = "".join(itertext()), in C
_EMPTY = "<html><body></body></html>"
_LOCAL = threading.local()


def _ws(text: str) -> str:
    """``collapse_ws(text)``, without the call when ``text`` holds nothing to collapse (its
    first test, done here in compiled code)."""
    if " " not in text and text.isprintable():
        return text
    return collapse_ws(text)


def _leaf_text(text: str | None) -> str:
    """``_text`` of an element without children whose ``text`` is ``text``."""
    if not text:
        return ""
    value: str = text  # (a ``str`` local: its methods are compiled calls)
    return value if value.isalnum() else _ws(value)


def _text(el: etree._Element) -> str:
    if len(el) == 0:  # a leaf (most table cells): no iterator needed
        return _leaf_text(el.text)
    return collapse_ws(cast("str", _STRING(el)))


_LINE_TAGS = frozenset({"br", "p", "div", "li", "tr", "table"})


def _has_below(el: etree._Element, *tags: str) -> bool:
    """Whether an element named one of ``tags`` is below ``el``: ``el.find(".//" + tag)`` for
    each tag, in one walk and without ElementPath's Python layer."""
    return next(el.iterdescendants(*tags), None) is not None


def _cell_text(td: etree._Element) -> str:
    """A cell's visible text; a ``<br>`` or a block child is a line break (a space), so
    ``15<br>20`` never reads as 1520 (digit conservation)."""
    # A lone child followed by blanks (Word's ``<td><p><span>7<o:p/></span></p></td>``): when
    # the text before it is blank too, the spaces a line break adds fall at the ends, which
    # ``collapse_ws`` drops (read the child); when the child is empty, only blanks follow the
    # text (read the text).
    while len(td) == 1:
        child = td[0]
        if not isinstance(child.tag, str):
            break
        text = child.tail
        if text and not text.isspace():
            break
        text = td.text
        if len(child) == 0 and (not child.text or child.text.isspace()):
            return _leaf_text(text)
        if text and not text.isspace():
            break
        td = child
    if len(td) == 0:
        return _leaf_text(td.text)
    if not any(el.tag in _LINE_TAGS for el in td.iterdescendants()):
        return _text(td)
    parts: list[str] = [td.text or ""]
    _line_parts(td, parts)
    return collapse_ws("".join(parts))


def _line_parts(el: etree._Element, parts: list[str]) -> None:
    """The text below ``el`` into ``parts``, a space around each line-breaking element (a module
    function: a nested recursive one is a reference cycle per cell for the garbage collector)."""
    for child in el:
        tag = child.tag
        line = isinstance(tag, str) and tag in _LINE_TAGS
        if line:
            parts.append(" ")
        if isinstance(tag, str):
            parts.append(child.text or "")
            _line_parts(child, parts)
        if line:
            parts.append(" ")
        parts.append(child.tail or "")


def _span_value(value: str) -> int:
    try:
        return int(value.strip() or 1)
    except ValueError:
        return 1


def _table(el: etree._Element) -> Table:
    """The grid of a table holding no other table (every ``tr`` below it is its own).

    ``expand_spans`` of the rows of ``(text, rowspan, colspan)`` cells, built in the same pass
    that reads the cells: a row that no rowspan from above reaches, or only in its first
    columns (most rows), is a list filled in column order; the others take ``expand_spans``'s
    column-by-column path.
    """
    grid: list[list[Cell] | dict[int, Cell]] = []
    below: dict[int, dict[int, Cell]] = {}  # row -> column -> copy placed by a rowspan above
    width = 0
    r = 0
    for tr in el.iter("tr"):
        line: list[Cell] | None = None
        taken: dict[int, Cell] | None = None
        c = 0
        # by index: an iterator over ``tr`` costs more to build than the cells it then yields
        for i in range(len(tr)):
            td = tr[i]
            tag = td.tag
            if tag != "td" and tag != "th":
                continue
            if line is None:  # the row's first cell: the row exists
                taken = below.pop(r, None)
                if taken is not None and max(taken) == len(taken) - 1:
                    # rowspans from above fill columns 0..n-1 (labels on the left, the usual
                    # case): the copies start the list, whose next column is n
                    line = [taken[k] for k in range(len(taken))]
                    taken = None
                else:
                    line = []
            text = _cell_text(td) if len(td) else _leaf_text(td.text)
            rs, cs = td.get(b"rowspan"), td.get(b"colspan")  # bytes: no encoding per call
            if rs is None and cs is None:  # no span (most cells)
                if taken is None:
                    line.append(Cell(text))
                    continue
                while c in taken:
                    c += 1
                taken[c] = Cell(text)
                c += 1
                continue
            # ``_span_value`` (an int of Unicode decimal digits is what ``int`` reads)
            rowspan = 1 if rs is None else int(rs) if rs.isdecimal() else _span_value(rs)
            colspan = 1 if cs is None else int(cs) if cs.isdecimal() else _span_value(cs)
            if taken is None:
                line.append(Cell(text))
                if rowspan <= 1 and colspan <= 1:
                    continue
                c = len(line) - 1
                span_cs = max(1, min(colspan, MAX_SPAN))
                if span_cs > 1:
                    line.extend([Cell(text, (r, c)) for _ in range(span_cs - 1)])
            else:
                while c in taken:
                    c += 1
                taken[c] = Cell(text)
                if rowspan <= 1 and colspan <= 1:
                    c += 1
                    continue
                span_cs = max(1, min(colspan, MAX_SPAN))
                for dc in range(1, span_cs):
                    if c + dc not in taken:  # an earlier span keeps its place
                        taken[c + dc] = Cell(text, (r, c))
            for dr in range(1, max(1, min(rowspan, MAX_SPAN))):  # rows past the last: dropped
                target = below.setdefault(r + dr, {})
                for dc in range(span_cs):
                    if c + dc not in target:
                        target[c + dc] = Cell(text, (r, c))
            if taken is not None:
                c += span_cs
        if line is None:
            continue  # no cell: not a row
        if taken is None:
            if len(line) > width:
                width = len(line)
            grid.append(line)
        else:
            if c > width:
                width = c
            grid.append(taken)
        r += 1
    columns = range(width)
    return Table(
        [
            (row if isinstance(row, list) else [row[k] for k in columns])
            if len(row) == width
            else row + [Cell("") for _ in range(width - len(row))]
            if isinstance(row, list)
            else [row[k] if k in row else Cell("") for k in columns]
            for row in grid
        ]
    )


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
            line = line.strip()
            if line:
                self.lines.append(line)

    def flush_lines(self) -> None:
        self.flush()
        if self.lines:
            self.blocks.extend(group_text_rows(self.lines))
            self.lines = []

    def walk(self, el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str) or not tag or tag in _SKIP_TAGS:
            tail = el.tail
            if tail:
                self.buf.append(tail)
            return
        if tag == "table":
            if _has_below(el, "table"):  # layout table: read its cells as content
                for child in el:
                    self.walk(child)
            else:
                self.flush_lines()
                table = _table(el)
                if table.rows:
                    self.blocks.append(table)
            tail = el.tail
            if tail:
                self.buf.append(tail)
            return
        if tag == "br":
            self.buf.append("\n")
            tail = el.tail
            if tail:
                self.buf.append(tail)
            return
        block = tag in _BLOCKISH
        if block:
            self.buf.append("\n")
            row = _div_row(el)
            if row is not None:
                self.buf.append(" | ".join(row) + "\n")
                tail = el.tail
                if tail:
                    self.buf.append(tail)
                return
        text = el.text
        if text:
            self.buf.append(text)
        for i in range(len(el)):  # (by index: no iterator to build)
            self.walk(el[i])
        if block:
            self.buf.append("\n")
        tail = el.tail
        if tail:
            self.buf.append(tail)


_ROW_KID_TAGS = frozenset({"span", "div", "em", "i", "b", "strong", "font", "label"})


def _div_row(el: etree._Element) -> list[str] | None:
    """Cells of a ``<div class=row><span>…</span>…`` grid row, or None."""
    if len(el) < 3 or (el.text and el.text.strip()):  # cheap tests first (no child proxies)
        return None
    kids = []
    for k in el:  # every test below only rejects: the first that fails ends it
        tag = k.tag
        if not isinstance(tag, str):
            continue
        if tag not in _ROW_KID_TAGS:
            return None  # an article container's first <p>: no proxy for the other children
        kids.append(k)
    if len(kids) < 3:
        return None
    if any(k.tail and k.tail.strip() for k in kids):
        return None
    if any(len(k) and _has_below(k, "div", "p") for k in kids):
        return None
    cells = [_text(k) for k in kids]
    filled = [c for c in cells if c]
    if len(filled) < 3 or any(len(c) > 60 for c in filled):
        return None
    if sum(1 for c in filled if _GRID_NUMBER.fullmatch(c)) < 2:
        return None
    return cells


# Article containers of the CMSs we meet, most specific first: (``class`` contains, ``id`` is,
# or the tag), tested on each element in one walk over the tree instead of nine XPath scans.
_CONTAINER_TESTS: tuple[tuple[str, str], ...] = (
    ("class", "TRS_Editor"),
    ("id", "zoom"),
    ("class", "Custom_UnionStyle"),
    ("id", "UCAP-CONTENT"),
    ("class", "article-content"),
    ("class", "pages_content"),
    ("id", "content"),
    ("class", "zw"),
    ("tag", "article"),
)


_CLASS_TESTS = tuple((k, v) for k, (kind, v) in enumerate(_CONTAINER_TESTS) if kind == "class")
_ID_TESTS = {v: k for k, (kind, v) in enumerate(_CONTAINER_TESTS) if kind == "id"}
_TAG_TESTS = {v: k for k, (kind, v) in enumerate(_CONTAINER_TESTS) if kind == "tag"}


def _container(root: etree._Element, blocks: list[etree._Element] | None = None) -> etree._Element:
    """The article container (``blocks``: the page's ``<div>`` and ``<article>`` elements in
    document order, when the caller has them)."""
    found: list[list[etree._Element]] = [[] for _ in _CONTAINER_TESTS]
    for el in root.iter("div", "article") if blocks is None else blocks:
        tag = el.tag
        if tag == "div":  # class and id tests apply to <div> only
            cls = el.get("class")
            if cls:
                for k, value in _CLASS_TESTS:
                    if value in cls:
                        found[k].append(el)
            k_id = _ID_TESTS.get(el.get("id") or "")
            if k_id is not None:
                found[k_id].append(el)
        k_tag = _TAG_TESTS.get(str(tag))
        if k_tag is not None:
            found[k_tag].append(el)
    for candidates in found:
        if len(candidates) == 1:  # ``max`` would count its tables and paragraphs for nothing
            best: etree._Element | None = candidates[0]
        else:
            best = max(candidates, key=lambda e: sum(1 for _ in e.iter("table", "p")), default=None)
        if best is not None and (_has_below(best, "table") or len(_text(best)) > 200):
            return best
    body = root.find("body")
    return body if body is not None else root


def _meta_contents(metas: list[etree._Element], name: str) -> list[str]:
    """``content`` of every ``<meta name=NAME>`` (exact name) of ``metas``, in document order."""
    return [
        str(m.get("content"))
        for m in metas
        if m.get("name") == name and m.get("content") is not None
    ]


def _heading(
    root: etree._Element, metas: list[etree._Element], h1s: list[etree._Element] | None = None
) -> str | None:
    """The article heading; ``metas`` (and ``h1s`` when given) are the page's ``<meta>``
    (``<h1>``) elements in document order."""
    for xp in _HEADINGS:
        if xp.startswith("//meta[@name='ArticleTitle']"):
            found: list[etree._Element | str] = list(_meta_contents(metas, "ArticleTitle"))
        elif xp == "//h1" and h1s is not None:
            found = list(h1s)
        elif xp in ("//h1", "//h2"):
            found = list(root.iter(xp[2:]))  # no XPath scan for a plain tag
        else:
            found = list(_title_classed(root))
        for item in found:
            text = collapse_ws(item if isinstance(item, str) else _text(item))
            if 4 <= len(text) <= 120:
                return text
    return None


# smart strings (``getparent`` gives the element) of the class values holding ``title`` (the test
# in C: a smart string per class value of the page cost more than the whole evaluation)
_CLASSES = etree.XPath("//@class[contains(., 'title')]")


def _title_classed(root: etree._Element) -> list[etree._Element]:
    """``//*[contains(@class,'title') and not(self::title)][1]`` (each element whose class holds
    ``title`` and no earlier sibling's does), from the class strings: half the XPath's time."""
    out: list[etree._Element] = []
    parents: list[etree._Element | None] = []  # keeps the proxies (and their ids) alive
    seen: set[int] = set()
    found = _CLASSES(root)
    for value in found if isinstance(found, list) else []:
        if not isinstance(value, etree._ElementUnicodeResult) or "title" not in value:
            continue
        el = value.getparent()
        if el is None or el.tag == "title":
            continue
        parent = el.getparent()
        if id(parent) in seen:
            continue  # ``[1]``: an earlier sibling (earlier in document order) matched
        parents.append(parent)
        seen.add(id(parent))
        out.append(el)
    return out


def _parser() -> etree.HTMLParser:
    """This thread's HTML parser (lxml parsers must not be shared between threads)."""
    parser: etree.HTMLParser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser()
    return parser


def _utf8_parser() -> etree.HTMLParser:
    """This thread's HTML parser of UTF-8 bytes (any declared charset ignored, as for a str)."""
    parser: etree.HTMLParser | None = getattr(_LOCAL, "utf8_parser", None)
    if parser is None:
        parser = _LOCAL.utf8_parser = etree.HTMLParser(encoding="utf-8")
    return parser


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# ASCII characters other than those ``_NOT_XML`` finds (deleted to test for the rest in C)
_XML_ASCII = bytes(b for b in range(128) if b in (9, 10, 13) or b >= 32)
_XML_BYTES = bytes(b for b in range(256) if b in (9, 10, 13) or b >= 32)  # all but those
_UTF8_MAX_CHARS = 1 << 22


def _has_not_xml(text: str) -> bool:
    """``_NOT_XML.search(text)`` as a bool, in a third of the time (C passes, no regex)."""
    return (
        bool(text.encode("ascii", "ignore").translate(None, _XML_ASCII))
        or "\ufffe" in text
        or "\uffff" in text
    )


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def parse_tree(text: str, utf8: bytes | None = None) -> etree._Element:
    """Parse decoded HTML leniently (never raises on junk; empty input gives an empty body).

    Plain ``lxml.etree`` elements, parsed exactly like ``lxml.html.document_fromstring`` but
    without its per-element Python class lookup (a third of the walk time on real pages).
    ``utf8``: ``text.encode("utf-8")`` when the caller has it (``charset.decode_source``).
    """
    # XHTML: lxml refuses a str declaring its encoding, and the text is decoded already
    # (``text.lstrip()`` copies the page: called only when the page starts with a blank)
    if text[:5] == "<?xml" or (text[:1].isspace() and text.lstrip()[:5] == "<?xml"):
        text, utf8 = _XML_DECLARATION.sub("", text, count=1), None
    if len(text) > _UTF8_MAX_CHARS:  # no copy of a giant page (it keeps its peak memory)
        data = b""
    elif utf8 is not None:
        data = utf8
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: only the str can be read
            data = b""
    if (
        data
        and not data.translate(None, _XML_BYTES)  # no ASCII control character
        and "\ufffe" not in text  # (a str finds one character faster than bytes find three)
        and "\uffff" not in text
        and text
        and not text.isspace()  # ``text.strip()`` without the copy of the page
    ):
        # The tree of the str (test_parse_tree_of_utf8_equals_the_str), in less time: libxml2
        # reads a str as UTF-16 or UCS-4 and converts it, slower than Python's encoding.
        try:
            root = etree.fromstring(data, _utf8_parser())
        except (etree.ParserError, ValueError):
            root = None
        return root if root is not None else etree.fromstring(_EMPTY, _parser())
    # lxml refuses to set text holding them (fuzz finding); most pages have none: no copy
    cleaned = _NOT_XML.sub("", text) if _has_not_xml(text) else text
    if not cleaned.strip():
        cleaned = _EMPTY
    try:
        root = etree.fromstring(cleaned, _parser())
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else etree.fromstring(_EMPTY, _parser())


def extract_html(text: str, utf8: bytes | None = None) -> DocumentBlocks:
    """Extract paragraphs and tables from a decoded HTML page (spam DOM layer applied);
    ``utf8``: ``text.encode("utf-8")`` when the caller has it (``charset.decode_source``)."""
    root = parse_tree(text, utf8)
    dom, page = clean_page(root)
    head_title = page.title  # as the page had it before cleaning
    metas = page.metas  # read by the heading, the date and the publisher
    heading = _heading(root, metas, page.h1s)
    walker = _Walker()
    container = _container(root, page.blocks)
    walker.walk(container)
    walker.flush_lines()
    page_text = _text(root) if root is not None else ""
    own_date, own_source = page_date(root, page_text, metas)
    doc = DocumentBlocks(
        blocks=walker.blocks,
        format="html",
        title=heading or (collapse_ws(head_title) if head_title else None),
        published_date=own_date.isoformat() if own_date else None,
        published_date_source=own_source,
        spam_removals=list(dom.removals),
        flags=set(dom.flags),
        meta=page_metadata(root, page_text, metas),
    )
    if heading is None and head_title:
        doc.flags.add("title_from_head")
    return doc
