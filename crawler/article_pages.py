"""Multi-page articles: one article split by the CMS into ``xxx.html``, ``xxx_1.html`` ….

A scanned report (图片版) is an article whose body is only ``<img>`` of its pages: those images
are followed and recorded the same way, as pages 2…n of the article.

A long report is often cut by TRS/Hanweb into pages of one article (a 分页 bar of links, or the
TRS script ``createPageHTML(3, 0, "t20220120_123", "html")``) with its tables on page 2 or 3.
These pages are not list pages: the spider follows them from the article (page 1), archives
each with capture kind ``article_page`` (so no continuation is ever parsed as a report of its
own), and this module records which URL is page *k* of which article in a table of the archive
index (``article_pages``), so that a ``reparse`` from the archive alone rebuilds the article.

Pure functions over text plus one small SQLite table; no parsing of tables here.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.archive import ARCHIVE_DIRNAME, INDEX_NAME
from crawler.urls import canonical_url

PAGE_KIND = "article_page"
"""Archive ``kind`` of a continuation page (page 2…n): never a report capture of its own."""

MAX_PAGES = 50
"""Pages followed per article; more is reported as a bound (``article_pages`` limit)."""

_TRS_CALL = re.compile(
    r"createPageHTML\s*\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]"
    r"\s*,\s*['\"]([A-Za-z0-9]+)['\"]"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS article_pages (
  article_key TEXT NOT NULL, article_url TEXT NOT NULL, page_no INTEGER NOT NULL,
  page_url TEXT NOT NULL, page_count INTEGER NOT NULL, PRIMARY KEY (article_key, page_no));
CREATE INDEX IF NOT EXISTS article_pages_page ON article_pages(page_url);
"""


def _stem(url: str) -> tuple[str, str, str] | None:
    """(directory URL, file stem without a ``_N`` page suffix, extension) of an article URL."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    directory, _, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return None
    stem = re.sub(r"_\d{1,3}$", "", stem)
    base = urlunsplit((parts.scheme, parts.netloc, directory + "/", "", ""))
    return base, stem, ext


def _suffix(url: str, base: str, stem: str, ext: str) -> int | None:
    """The page suffix of ``url`` when it is ``<base><stem>_<n>.<ext>`` (0 for the bare stem)."""
    parts = urlsplit(url)
    if parts.query:
        return None
    path = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    if not path.startswith(base):
        return None
    name = path[len(base) :]
    if name == f"{stem}.{ext}":
        return 0
    m = re.fullmatch(rf"{re.escape(stem)}_(\d{{1,3}})\.{re.escape(ext)}", name)
    return int(m.group(1)) if m else None


def find_pages(html: str, url: str) -> list[str]:
    """All page URLs of the article at ``url`` in reading order (page 1 first), or ``[url]``.

    Page links are same-directory links named like the article with a ``_N`` suffix (TRS:
    ``t2022_1.html`` is page 2) found anywhere on the page (the 分页 bar sits outside the body),
    or the pages a ``createPageHTML(count, current, "stem", "ext")`` call would draw.
    """
    found = _stem(url)
    if found is None:
        return [url]
    base, stem, ext = found
    numbers: dict[int, str] = {}
    for m in _TRS_CALL.finditer(html):
        count, _current, name, call_ext = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if name != stem or call_ext != ext:
            continue
        for n in range(min(count, MAX_PAGES)):
            numbers[n] = f"{base}{stem}.{ext}" if n == 0 else f"{base}{stem}_{n}.{ext}"
    sel = Selector(text=html)
    for href in sel.css("a::attr(href)").getall():
        href = (href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urljoin(url, href).split("#", 1)[0]
        suffix = _suffix(target, base, stem, ext)
        if suffix is not None:
            numbers.setdefault(suffix, target)
    if not any(n > 0 for n in numbers):
        return [url]
    numbers[0] = url if _suffix(url, base, stem, ext) == 0 else f"{base}{stem}.{ext}"
    return [numbers[n] for n in sorted(numbers)][:MAX_PAGES]


_BODY_SCOPES = (
    ".TRS_Editor",
    ".trs_editor_view",
    "#zoom",
    ".Custom_UnionStyle",
    ".article_component",
    ".article-content",
    ".pages_content",
    "#UCAP-CONTENT",
    ".xl_main",
    "#ivs_content",
)
_IMAGE_EXT = re.compile(r"\.(?:png|jpe?g|gif|bmp|tiff?|webp)$", re.I)
_MAX_SCAN_TEXT = 150  # characters of body text beside the images: more is a text article


_SCOPE_MARKS: tuple[str, ...] = (
    *("TRS_Editor", "trs_editor_view", 'id="zoom"', "id='zoom'", "Custom_UnionStyle"),
    *("article_component", "article-content", "pages_content", "UCAP-CONTENT"),
    *("xl_main", "ivs_content"),
)


def _may_have_pages(html: str, url: str) -> bool:
    """Cheap text test before any DOM parse: a page link of this article's stem, the TRS pager
    script, or an ``<img>`` soon after the article body starts."""
    found = _stem(url)
    if found is not None and f"{found[1]}_" in html:
        return True
    if "createPageHTML" in html:
        return True
    low = html.lower()
    for mark in _SCOPE_MARKS:
        at = html.find(mark)
        if at >= 0 and "<img" in low[at : at + 4000]:
            return True
    return False


def find_scans(html: str, url: str) -> list[str]:
    """The scanned page images of an article whose body is only images (图片版), else ``[]``.

    The body (TRS/Hanweb article container) must hold at least one large ``<img>`` (no
    width/height under 200 px: icons and QR codes are skipped), no table and almost no text.
    """
    sel = Selector(text=html)
    scope = next((sel.css(s)[0] for s in _BODY_SCOPES if sel.css(s)), None)
    if scope is None or scope.css("table tr"):
        return []
    text = "".join(
        scope.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    )
    if len(re.sub(r"\s+", "", text)) > _MAX_SCAN_TEXT:
        return []
    found: list[str] = []
    for img in scope.css("img"):
        src = (img.attrib.get("src") or img.attrib.get("oldsrc") or "").strip()
        if not src or src.startswith("data:"):
            continue
        sizes = [img.attrib.get("width", ""), img.attrib.get("height", "")]
        if any(v.isdigit() and int(v) < 200 for v in sizes):
            continue
        target = urljoin(url, src).split("#", 1)[0]
        if _IMAGE_EXT.search(urlsplit(target).path) and target not in found:
            found.append(target)
    return found[:MAX_PAGES]


@dataclass(frozen=True)
class ArticleGroup:
    """The recorded pages of one article: ``pages[0]`` is the article (page 1)."""

    article_url: str
    pages: tuple[str, ...]
    page_count: int


def _connect(data_dir: str | Path) -> sqlite3.Connection:
    path = Path(data_dir) / ARCHIVE_DIRNAME
    path.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path / INDEX_NAME, timeout=60)
    db.executescript(_SCHEMA)
    return db


def record_pages(data_dir: str | Path, pages: list[str]) -> None:
    """Record (replace) the page list of the article ``pages[0]`` in the archive index."""
    if len(pages) < 2:
        return
    key = canonical_url(pages[0])
    db = _connect(data_dir)
    try:
        with db:
            db.execute("DELETE FROM article_pages WHERE article_key=?", (key,))
            db.executemany(
                "INSERT INTO article_pages VALUES (?,?,?,?,?)",
                [(key, pages[0], n + 1, page, len(pages)) for n, page in enumerate(pages)],
            )
    finally:
        db.close()


def load_groups(data_dir: str | Path) -> dict[str, ArticleGroup]:
    """Every recorded article, keyed by the canonical URL of page 1."""
    index = Path(data_dir) / ARCHIVE_DIRNAME / INDEX_NAME
    if not index.exists():
        return {}
    db = _connect(data_dir)
    try:
        rows = db.execute(
            "SELECT article_key, article_url, page_no, page_url, page_count FROM article_pages "
            "ORDER BY article_key, page_no"
        ).fetchall()
    finally:
        db.close()
    pages: dict[str, list[str]] = {}
    meta: dict[str, tuple[str, int]] = {}
    for key, article_url, _no, page_url, count in rows:
        pages.setdefault(key, []).append(page_url)
        meta[key] = (article_url, count)
    return {
        key: ArticleGroup(meta[key][0], tuple(urls), meta[key][1]) for key, urls in pages.items()
    }


def page_requests(
    spider: Any, html: str, url: str, hints: dict[str, Any], article_url: str | None = None
) -> Iterator[Any]:
    """Requests for the continuation pages of the article just fetched (the spider's hook).

    ``url`` is the address the HTML came from (after redirects), ``article_url`` the URL it is
    archived under. Records the page list first, so a page that then fails to download leaves
    an article the flows report as incomplete instead of publishing page 1 alone.
    """
    import scrapy

    if not _may_have_pages(html, url):
        return  # most articles: no DOM parse at all (crawl speed)
    pages = find_pages(html, url)
    if len(pages) < 2:  # a scanned article: its page images are its pages
        pages = [url, *find_scans(html, url)]
    if len(pages) < 2:
        return
    pages[0] = article_url or pages[0]
    record_pages(spider.data_dir, pages)
    seen: set[str] = spider._seen_docs
    links = spider.summary.links
    for n, page in enumerate(pages[1:], start=2):
        links.found += 1  # every link accounted for: fetched, duplicate or an error
        key = canonical_url(page)
        if key in seen:
            links.duplicates += 1
            continue
        seen.add(key)
        meta: dict[str, Any] = {
            "xxgk_kind": PAGE_KIND,
            "xxgk_doc_kind": PAGE_KIND,
            "xxgk_hints": {**hints, "referer": url, "title": hints.get("title")},
            "xxgk_page_no": n,
        }
        if not spider.site.overrides.obey_robots:
            meta["dont_obey_robotstxt"] = True
        headers = dict(spider.site.overrides.headers)
        headers["Referer"] = url
        latest = spider.archive.latest(page)
        if latest is not None and (latest.etag or latest.last_modified) and spider.conditional:
            if latest.etag:
                headers["If-None-Match"] = latest.etag
            if latest.last_modified:
                headers["If-Modified-Since"] = latest.last_modified
            meta.update(handle_httpstatus_list=[304], xxgk_prior=latest)
        track = getattr(spider, "_track", None)  # link accounting: settles in the callbacks
        yield scrapy.Request(
            page,
            headers=headers,
            callback=spider.parse_document,
            errback=spider.on_error,
            meta=track(meta, page) if track is not None else meta,
            priority=6,
            dont_filter=True,  # deduplicated above; the scheduler must never drop it silently
        )


def attach_pages(
    captures: Iterable[dict[str, Any]], groups: dict[str, ArticleGroup], latest: Any
) -> list[dict[str, Any]]:
    """Add ``page_urls`` and ``page_uris`` (None for a page never archived) to article captures.

    ``latest`` is ``Archive.latest``. The capture's ``sha256`` becomes the hash over every
    page's hash, so a change on page 3 alone makes the article new for the ledger.
    """
    import hashlib

    out: list[dict[str, Any]] = []
    for capture in captures:
        group = groups.get(canonical_url(str(capture.get("url") or "")))
        if group is None:
            out.append(capture)
            continue
        uris: list[str | None] = [str(capture["archive_uri"])]
        shas = [str(capture.get("sha256") or "")]
        for page in group.pages[1:]:
            meta = latest(page)
            uris.append(None if meta is None else meta.archive_uri)
            shas.append("" if meta is None else meta.sha256)
        uris += [None] * (group.page_count - len(uris))
        joined = hashlib.sha256(" ".join(shas).encode()).hexdigest()
        out.append(
            capture
            | {
                "page_urls": [capture.get("url"), *group.pages[1:]],
                "page_uris": uris,
                "page1_sha256": capture.get("sha256"),
                "sha256": joined,
            }
        )
    return out
