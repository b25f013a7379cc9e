"""The document's own publication date, and where it was read.

A report page states its date in several places; the list page that links it states another
(often the date the list was rebuilt). The document's own statement wins:

1. ``meta`` — ``<meta name="PubDate">`` and the other publication-date meta tags CMSs write;
2. ``index_table`` — the 索引号 table (发布日期, 公开日期, 成文日期, 发文日期 cells);
3. ``page_text`` — a 发布时间 / 发布日期 / 成文日期 / 发文日期 line in the page.

Callers fall back to what the crawler saw (``article_page`` for an attachment whose article page
gave a date, ``list`` for the list page date) and record the source in
``reports.published_date_source``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from lxml import etree

from parsing.metadata import arabic_years
from parsing.normalize import collapse_ws, nfkc

DateSource = Literal["meta", "index_table", "page_text", "article_page", "list"]
DATE_SOURCES: tuple[str, ...] = ("meta", "index_table", "page_text", "article_page", "list")

META_NAMES = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "publishtime",
    "publish_date",
    "dc.date",
    "dc.date.issued",
    "article:published_time",
)
_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_DATE = r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
_COMPACT = r"((?:19|20)\d{2})(\d{2})(\d{2})"
# label → rank (lower is better): publication before writing date
_LABELS = {"发布日期": 0, "发布时间": 0, "公开日期": 1, "成文日期": 2, "发文日期": 3, "生成日期": 4}
_LABELLED = re.compile(
    r"(发\s*布\s*日\s*期|发\s*布\s*时\s*间|公\s*开\s*日\s*期|成\s*文\s*日\s*期|发\s*文\s*日\s*期"
    r"|生\s*成\s*日\s*期)\s*[:：]?\s*" + _DATE
)


def to_date(text: str | None) -> date | None:
    """The first plausible date in ``text`` (``2021-01-25``, ``2021年1月25日``, ``20210125``)."""
    if not text:
        return None
    t = arabic_years(nfkc(text))
    for pattern in (_DATE, _COMPACT):
        m = re.search(pattern, t)
        if m:
            try:
                found = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
            if 1990 <= found.year <= 2100:
                return found
    return None


def meta_date(root: etree._Element, metas: list[etree._Element] | None = None) -> date | None:
    """The date of the first publication-date meta tag (``PubDate`` …), if any (``metas``: the
    page's ``<meta>`` elements when the caller has them already)."""
    for el in root.iter("meta") if metas is None else metas:
        name = (el.get("name") or el.get("property") or "").strip().lower()
        if name in META_NAMES:
            found = to_date(el.get("content"))
            if found:
                return found
    return None


def labelled_date(text: str) -> date | None:
    """The best labelled date in ``text``: 发布日期/发布时间 before 公开日期, 成文日期, 发文日期."""
    best: tuple[int, date] | None = None
    for m in _LABELLED.finditer(arabic_years(nfkc(text))):
        label = re.sub(r"\s+", "", m.group(1))
        try:
            found = date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
        rank = _LABELS[label]
        if best is None or rank < best[0]:
            best = (rank, found)
    return best[1] if best else None


_WITH_SUO = etree.XPath("descendant-or-self::*[text()[contains(., '索')]]")


def index_table_date(root: etree._Element) -> date | None:
    """The date in the 索引号 table (the metadata block of 信息公开 article pages)."""
    hits = _WITH_SUO(root)  # elements with a text node holding 索: a superset, in order
    cells = [
        el
        for el in (hits if isinstance(hits, list) else [])
        if isinstance(el, etree._Element) and el.text and "索引号" in _SPACES.sub("", el.text)
    ]
    for cell in cells:
        block = cell
        for _ in range(4):  # up to the enclosing table / list / div
            parent = block.getparent()
            if parent is None:
                break
            block = parent
            if block.tag in ("table", "ul", "dl"):
                break
        text = collapse_ws(" ".join(str(t) for t in block.itertext()))
        if len(text) > 2000:
            continue
        found = labelled_date(text)
        if found:
            return found
    return None


def page_date(
    root: etree._Element | None, page_text: str, metas: list[etree._Element] | None = None
) -> tuple[date | None, DateSource | None]:
    """The page's own publication date and its source (``meta``, ``index_table``, ``page_text``)."""
    if root is not None:
        found = meta_date(root, metas)
        if found:
            return found, "meta"
        found = index_table_date(root) if "索" in page_text else None  # all text is in it
        if found:
            return found, "index_table"
    found = labelled_date(page_text[:20000])
    if found:
        return found, "page_text"
    return None, None


def html_page_date(content: bytes, charset: str | None = None) -> date | None:
    """The own date of a raw HTML page (an attachment's article page), else None."""
    from parsing.charset import decode_bytes
    from parsing.extract.html import parse_tree

    text, _enc = decode_bytes(content, charset)
    root = parse_tree(text)
    found, _source = page_date(root, " ".join(str(t) for t in root.itertext()))
    return found
