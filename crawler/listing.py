"""Extract report links and further list pages from the list pages governments really use.

Handles plain HTML lists with 下一页 links, TRS ``createPageHTML(n, cur, "index", "html")``
pagination, Hanweb ``<datastore>`` lists and their ``dataproxy.jsp`` endpoint, and JSON lists.
Pure functions over text: no Scrapy types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_NEXT_TEXTS = ("下一页", "下页", "下一頁", "后一页", "next")
_TRS_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_HANWEB_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_HANWEB_PROXY = re.compile(r"(/module/web/jpage/dataproxy\.jsp\?[^\"'<>\s]*)")
_JSON_URL_KEYS = ("url", "link", "href", "docurl", "linkurl", "docpuburl", "puburl", "fileurl")
_JSON_TITLE_KEYS = ("title", "doctitle", "name", "subject", "标题")
_JSON_DATE_KEYS = ("date", "pubdate", "publishdate", "pubtime", "docreltime", "time", "created")
_JSON_TOTAL_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "page_count", "total_page")
_JSON_PAGE_PARAMS = ("page", "pageno", "pageindex", "curpage", "pagenum", "p")


@dataclass(frozen=True)
class ListedLink:
    """A link found on a list page, with its visible title and nearby date."""

    url: str
    text: str
    date: str | None = None


@dataclass(frozen=True)
class PageRequest:
    """A further list page to fetch (GET, or POST for Hanweb dataproxy)."""

    url: str
    method: str = "GET"
    body: str | None = None


@dataclass
class ListingPage:
    """Links and pagination found on one list page."""

    links: list[ListedLink] = field(default_factory=list)
    pages: list[PageRequest] = field(default_factory=list)
    style: str = "html"


def find_date(text: str) -> str | None:
    """First ``YYYY-MM-DD``-like date in text, as ISO, else None."""
    m = _DATE_RE.search(text or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def html_links(sel: Selector, base_url: str, scope: str | None = None) -> list[ListedLink]:
    """``<a href>`` links (title attribute preferred over text) with the date of their item."""
    links: list[ListedLink] = []
    roots = sel.css(scope) if scope else [sel]
    for root in roots:
        for a in root.css("a[href]"):
            href = (a.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = _clean(a.attrib.get("title") or "".join(a.css("::text").getall()))
            item_text = " ".join(a.xpath("ancestor::*[self::li or self::tr][1]//text()").getall())
            links.append(ListedLink(urljoin(base_url, href), text, find_date(item_text)))
    return links


def next_links(sel: Selector, base_url: str, selector: str | None = None) -> list[PageRequest]:
    """Plain 下一页 links (or the site's ``next_selector``)."""
    anchors = sel.css(selector) if selector else sel.css("a[href]")
    pages = []
    for a in anchors:
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        label = _clean("".join(a.css("::text").getall()) + (a.attrib.get("title") or ""))
        if selector or any(label.lower().startswith(t) for t in _NEXT_TEXTS) or label == ">":
            pages.append(PageRequest(urljoin(base_url, href)))
    return pages


def trs_pages(text: str, base_url: str) -> list[PageRequest]:
    """TRS WCM pages from ``createPageHTML(countPage, currentPage, "index", "html")``."""
    m = _TRS_CALL.search(text)
    if not m:
        return []
    ints: list[int] = []
    strs: list[str] = []
    for raw in m.group(1).split(","):
        arg = raw.strip()
        if arg[:1] in "'\"":
            strs.append(arg.strip("'\""))
        elif arg.isdigit():
            ints.append(int(arg))
        elif re.fullmatch(r"[A-Za-z_]\w*", arg):
            var = re.search(rf"\b{arg}\s*=\s*(\d+)", text)
            if var:
                ints.append(int(var.group(1)))
    if not ints:
        return []
    count, current = ints[0], (ints[1] if len(ints) > 1 else 0)
    names = [s for s in strs if re.fullmatch(r"[\w.-]+", s)]
    prefix, ext = (names[-2], names[-1]) if len(names) >= 2 else ("index", "html")
    if current != 0 or count > 1000:
        return []  # later pages list the same set; only the first page fans out
    return [PageRequest(urljoin(base_url, f"{prefix}_{i}.{ext}")) for i in range(1, count)]


def hanweb_links(text: str, base_url: str) -> list[ListedLink]:
    """Links inside Hanweb ``<record><![CDATA[<li><a …>]]></record>`` items."""
    links: list[ListedLink] = []
    for fragment in _HANWEB_RECORD.findall(text):
        links.extend(html_links(Selector(text=f"<ul>{fragment}</ul>"), base_url))
    return links


def hanweb_pages(text: str, base_url: str, inline_records: int) -> list[PageRequest]:
    """POST requests to ``dataproxy.jsp`` for the records not inline on the column page."""
    if "dataproxy.jsp" in base_url:
        return []
    total_m = re.search(r"<totalrecord>\s*(\d+)\s*</totalrecord>", text) or re.search(
        r"totalRecord\s*[=:]\s*['\"]?(\d+)", text
    )
    proxy_m = _HANWEB_PROXY.search(text)
    if not total_m or not proxy_m:
        return []
    total = int(total_m.group(1))
    params = dict(parse_qsl(urlsplit(proxy_m.group(1).replace("&amp;", "&")).query))
    per_m = re.search(r"perpage\s*[=:]\s*['\"]?(\d+)", text)
    perpage = int(per_m.group(1)) if per_m else int(params.get("perpage", 15) or 15)
    col_m = re.search(r"/col/col(\d+)/", base_url)
    unit_m = re.search(r"jpageform_(\d+)", text) or re.search(r'<div id="(\d+)">\s*<script', text)
    form = {
        "col": "1",
        "appid": params.get("appid", "1"),
        "webid": params.get("webid", "1"),
        "path": params.get("path", "/"),
        "columnid": params.get("columnid") or (col_m.group(1) if col_m else ""),
        "sourceContentType": params.get("sourceContentType", "1"),
        "unitid": params.get("unitid") or (unit_m.group(1) if unit_m else ""),
        "webname": params.get("webname", ""),
        "permissiontype": params.get("permissiontype", "0"),
    }
    body = urlencode(form)
    step = perpage * 3
    endpoint = urljoin(base_url, "/module/web/jpage/dataproxy.jsp")
    pages = []
    for start in range(inline_records + 1, total + 1, step):
        query = urlencode({"startrecord": start, "endrecord": start + step - 1, "perpage": perpage})
        pages.append(PageRequest(f"{endpoint}?{query}", "POST", body))
    return pages


def _walk(node: object) -> Iterator[dict[str, object]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _pick(obj: dict[str, object], keys: tuple[str, ...]) -> object:
    lowered = {k.lower(): v for k, v in obj.items()}
    for key in keys:
        if isinstance(lowered.get(key), str | int) and lowered.get(key) != "":
            return lowered[key]
    return None


def json_listing(text: str, base_url: str, page_param: str | None = None) -> ListingPage | None:
    """Links from a JSON list (any objects with a url-like and a title-like key) and its pages."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    page = ListingPage(style="json")
    total = None
    for obj in _walk(data):
        url, title = _pick(obj, _JSON_URL_KEYS), _pick(obj, _JSON_TITLE_KEYS)
        if isinstance(url, str) and isinstance(title, str):
            date = _pick(obj, _JSON_DATE_KEYS)
            page.links.append(
                ListedLink(urljoin(base_url, url), _clean(title), find_date(str(date or "")))
            )
        t = _pick(obj, _JSON_TOTAL_KEYS)
        if total is None and t is not None and str(t).isdigit():
            total = int(str(t))
    parts = urlsplit(base_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    names = (page_param,) if page_param else _JSON_PAGE_PARAMS
    param = next((k for k in query if k.lower() in names), None)
    if total and param and query[param].isdigit():
        current = int(query[param])
        first = 0 if current == 0 else 1
        if current == first:
            for number in range(current + 1, first + min(total, 1000)):
                query[param] = str(number)
                page.pages.append(PageRequest(urlunsplit(parts._replace(query=urlencode(query)))))
    return page


def parse_listing(
    text: str,
    url: str,
    *,
    content_type: str = "",
    list_selector: str | None = None,
    next_selector: str | None = None,
    json_page_param: str | None = None,
) -> ListingPage:
    """All links and further pages of one list page, whatever the CMS style."""
    stripped = text.lstrip()
    if "json" in content_type or stripped[:1] in "[{":
        page = json_listing(text, url, json_page_param)
        if page is not None:
            return page
    if "<datastore" in text or "<record>" in text:
        links = hanweb_links(text, url)
        page = ListingPage(links=links, style="hanweb")
        page.pages = hanweb_pages(text, url, len(links))
        if "<html" in text.lower():  # column page: plain links around the datastore too
            page.links += html_links(Selector(text=text), url, list_selector)
        return page
    sel = Selector(text=text)
    page = ListingPage(links=html_links(sel, url, list_selector))
    trs = trs_pages(text, url)
    if trs:
        page.style = "trs"
        page.pages = trs
    page.pages += next_links(sel, url, next_selector)
    return page
