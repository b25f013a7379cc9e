"""The generic report spider: list pages → report pages → attachments, all archived."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.archive import Archive, CaptureMeta, WriteResult
from crawler.listing import ListedLink, find_date, html_links, parse_listing
from crawler.middlewares import OffsiteRedirect, RedirectLoop
from crawler.recognize import (
    is_noise_title,
    is_report_title,
    publisher_from_title,
    year_from_title,
)
from crawler.registry import Site, get_site
from crawler.summary import CaptureInfo, CrawlSummary
from crawler.urls import canonical_url, host_allowed, is_attachment_url

logger = logging.getLogger(__name__)
_BODY_SCOPES = (
    ".TRS_Editor",
    ".trs_editor_view",
    "#zoom",
    ".article_component",
    ".article-content",
    ".xl_main",
    "#ivs_content",
)
_META_DATE = ("PubDate", "pubdate", "firstpublishedtime", "publishdate")


def parse_years(spec: str | None) -> set[int] | None:
    """``"2019-2023"`` or ``"2019,2021"`` → set of years; None/empty → no filter."""
    if not spec:
        return None
    years: set[int] = set()
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        years.update(range(int(lo), int(hi or lo) + 1))
    return years


class ReportSpider(scrapy.Spider):
    """Crawl one registry site; archive list pages and report documents; build a summary."""

    name = "reports"

    def __init__(
        self,
        site: str,
        data_dir: str,
        sites_file: str | None = None,
        years: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.site: Site = get_site(site, sites_file)
        self.site_name = self.site.name
        self.allowed_domains = list(self.site.allowed_domains)
        self.data_dir = data_dir
        self.years = parse_years(years)
        self.summary = CrawlSummary(site=self.site.name)
        self._seen_docs: set[str] = set()
        self._seen_captures: set[str] = set()
        self._started = time.monotonic()
        self._list_pages = 0
        self._page_limit_hit = False
        ov = self.site.overrides
        self._link_res = [re.compile(p) for p in ov.link_patterns]
        self._deny_res = [re.compile(p) for p in ov.deny_patterns]
        self._follow_res = [re.compile(p) for p in ov.follow_patterns]
        self._start_dirs = [u.rsplit("/", 1)[0] + "/" for u in self.site.start_urls]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReportSpider:
        """Build the spider and open its archive with the run's settings."""
        spider: ReportSpider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.archive = Archive(
            spider.data_dir,
            commit_every=s.getint("XXGK_ARCHIVE_COMMIT_EVERY", 8),
            commit_interval=s.getfloat("XXGK_ARCHIVE_COMMIT_INTERVAL", 2.0),
            max_file_bytes=s.getint("XXGK_ARCHIVE_MAX_FILE_BYTES", 1 << 30),
        )
        spider.conditional = s.getbool("XXGK_CONDITIONAL", True)
        spider.max_pages = min(
            s.getint("XXGK_MAX_LIST_PAGES", 500), spider.site.overrides.max_pages
        )
        return spider

    archive: Archive
    conditional: bool
    max_pages: int

    # ---- requests ------------------------------------------------------------------------
    def _meta(self, kind: str, **extra: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {"xxgk_kind": kind, **extra}
        if not self.site.overrides.obey_robots:
            meta["dont_obey_robotstxt"] = True
        return meta

    def _listing_request(
        self, url: str, method: str = "GET", body: str | None = None, referer: str | None = None
    ) -> scrapy.Request | None:
        if self._list_pages >= self.max_pages:
            if not self._page_limit_hit:  # endless pagination or a link trap: say so, once
                self._page_limit_hit = True
                self.summary.add_error(
                    "page_limit", url, f"list page limit ({self.max_pages}) reached; not fetched"
                )
            return None
        self._list_pages += 1
        headers = dict(self.site.overrides.headers)
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer:
            headers["Referer"] = referer
        return scrapy.Request(
            url,
            method=method,
            body=body,
            headers=headers,
            callback=self.parse_listing,
            errback=self.on_error,
            meta=self._meta("listing", xxgk_hints={"referer": referer}),
        )

    async def start(self) -> AsyncIterator[Any]:
        """One request per start URL of the site."""
        for url in self.site.start_urls:
            request = self._listing_request(url)
            if request is not None:
                yield request

    # ---- list pages ----------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Report links, sub-columns and further pages of one list page."""
        self.summary.pages += 1
        if not isinstance(response, TextResponse):
            self.summary.add_error("not_a_list", response.url, "list page is not text")
            return
        ov = self.site.overrides
        page = parse_listing(
            response.text,
            response.url,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            list_selector=ov.list_selector,
            next_selector=ov.next_selector,
            json_page_param=ov.json_page_param,
        )
        for link in page.links:
            yield from self._consider(link, response.url)
        for more in page.pages:
            if host_allowed(more.url, self.allowed_domains):
                request = self._listing_request(more.url, more.method, more.body, response.url)
                if request is not None:
                    yield request

    def _consider(self, link: ListedLink, referer: str) -> Iterator[scrapy.Request]:
        url = link.url
        if not host_allowed(url, self.allowed_domains) or any(
            r.search(url) for r in self._deny_res
        ):
            return
        if is_report_title(link.text) or any(r.search(url) for r in self._link_res):
            yield from self._document(url, link.text, link.date, referer, "document")
        elif any(r.search(url) for r in self._follow_res) or self._is_subcolumn(link):
            request = self._listing_request(url, referer=referer)
            if request is not None:
                yield request

    def _is_subcolumn(self, link: ListedLink) -> bool:
        """A sub-column of the 年报 column (部门年报, 乡镇年报…): no year, under a start URL."""
        text = link.text
        return (
            any(w in text for w in ("年报", "年度报告"))
            and year_from_title(text) is None
            and not is_attachment_url(link.url)
            and not is_noise_title(text)
            and any(link.url.startswith(d) for d in self._start_dirs)
        )

    # ---- documents -----------------------------------------------------------------------
    def _document(
        self,
        url: str,
        title: str | None,
        date: str | None,
        referer: str,
        kind: str,
        inherited: dict[str, Any] | None = None,
    ) -> Iterator[scrapy.Request]:
        key = canonical_url(url)
        if key in self._seen_docs:
            return
        self._seen_docs.add(key)
        base = inherited or {}
        year = base.get("year") or year_from_title(title or "")
        if self.years and year is not None and year not in self.years:
            return
        hints = {
            "title": title or base.get("title"),
            "year": year,
            "publisher": base.get("publisher")
            or publisher_from_title(title or "", self.site.publisher),
            "published_date": date or base.get("published_date"),
            "published_date_source": "list" if date else base.get("published_date_source"),
            "referer": referer,
        }
        self.summary.documents_found += 1
        latest = self.archive.latest(url)
        headers = dict(self.site.overrides.headers)
        meta = self._meta("report", xxgk_hints=hints, xxgk_doc_kind=kind)
        if latest is not None:
            if not self.conditional or not (latest.etag or latest.last_modified):
                yield from self._reuse(latest, hints, kind)
                return
            if latest.etag:
                headers["If-None-Match"] = latest.etag
            if latest.last_modified:
                headers["If-Modified-Since"] = latest.last_modified
            meta.update(handle_httpstatus_list=[304], xxgk_prior=latest)
        headers["Referer"] = referer
        yield scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_document,
            errback=self.on_error,
            meta=meta,
            priority=10 if kind == "attachment" else 5,
        )

    def parse_document(self, response: Response) -> list[scrapy.Request] | None:
        """Record the archived report; on an HTML page, follow its attachments.

        Returns None when there is nothing to follow: Scrapy then skips its per-output
        machinery (CONCURRENT_ITEMS worker tasks per callback), which dominated CPU time.
        """
        hints: dict[str, Any] = response.meta.get("xxgk_hints") or {}
        kind = response.meta.get("xxgk_doc_kind", "document")
        if response.status == 304:
            prior: CaptureMeta = response.meta["xxgk_prior"]
            return list(self._reuse(prior, hints, kind)) or None
        result: WriteResult | None = response.meta.get("xxgk_capture")
        if result is None:
            message = response.meta.get("xxgk_archive_error", "response was not archived")
            self.summary.add_error("archive_error", response.url, message)
            return None
        self._record(result.meta, hints, kind, new=result.changed)
        if isinstance(response, HtmlResponse):
            found = list(self._attachments(response.text, response.url, hints, result.meta.url))
            return found or None
        return None

    def _reuse(
        self, meta: CaptureMeta, hints: dict[str, Any], kind: str
    ) -> Iterator[scrapy.Request]:
        """An archived, unchanged document: report it and rediscover attachments offline."""
        self._record(meta, hints, kind, new=False)
        ctype = meta.content_type or ""
        if "html" in ctype.lower() or (meta.filename or "").lower().endswith((".html", ".htm")):
            try:
                body = self.archive.read(meta.archive_uri)
            except Exception as exc:
                self.summary.add_error("archive_error", meta.url, str(exc))
                return
            resp = HtmlResponse(
                url=meta.final_url or meta.url,
                body=body,
                headers={"Content-Type": ctype} if ctype else None,
            )
            yield from self._attachments(resp.text, resp.url, hints, meta.url)

    def _attachments(
        self, text: str, base_url: str, hints: dict[str, Any], referer: str
    ) -> Iterator[scrapy.Request]:
        sel = Selector(text=text)
        for name in _META_DATE:  # the article page's own date beats the list date
            value = sel.css(f'meta[name="{name}"]::attr(content)').get()
            if value and find_date(value):
                hints = {**hints, "published_date": find_date(value)}
                hints["published_date_source"] = "article_page"
                break
        if not hints.get("title"):
            hints = {**hints, "title": sel.css('meta[name="ArticleTitle"]::attr(content)').get()}
        scope = next((s for s in _BODY_SCOPES if sel.css(s)), None)
        for link in html_links(sel, base_url, scope):
            if not is_attachment_url(link.url) or not host_allowed(link.url, self.allowed_domains):
                continue
            if is_noise_title(link.text):
                continue
            title = link.text if is_report_title(link.text) else hints.get("title")
            yield from self._document(link.url, title, None, referer, "attachment", hints)

    def _record(self, meta: CaptureMeta, hints: dict[str, Any], kind: str, new: bool) -> None:
        key = canonical_url(meta.url)
        if key in self._seen_captures:
            return
        self._seen_captures.add(key)
        if new:
            self.summary.new += 1
        else:
            self.summary.unchanged += 1
        self.summary.captures.append(
            CaptureInfo(
                url=meta.url,
                sha256=meta.sha256,
                archive_uri=meta.archive_uri,
                title=hints.get("title") or meta.title,
                year=hints.get("year") or meta.year,
                publisher=hints.get("publisher") or meta.publisher,
                published_date=hints.get("published_date") or meta.published_date,
                published_date_source=hints.get("published_date_source"),
                content_type=meta.content_type,
                new=new,
                final_url=meta.final_url,
                filename=meta.filename,
                kind=kind,
                referer=hints.get("referer") or meta.referer,
                fetched_at=meta.fetched_at,
            )
        )

    # ---- errors and close ----------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        """Turn a failed request into an error record."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        redirects = request.meta.get("redirect_urls") if request is not None else None
        if redirects:  # report the URL the list linked to, not the last hop
            url = redirects[0]
        exc = failure.value
        if isinstance(exc, HttpError):
            kind, message = "http_error", f"HTTP {exc.response.status}"
        elif isinstance(exc, OffsiteRedirect):
            kind, message = "offsite_redirect", str(exc)
        elif isinstance(exc, RedirectLoop):
            kind, message = "redirect_loop", str(exc)
        elif isinstance(exc, IgnoreRequest):
            text = str(exc)
            low = text.lower()
            if "robots" in low:
                kind = "robots_forbidden"
            elif "maxsize" in low:  # a decompression bomb, cut at DOWNLOAD_MAXSIZE
                kind = "too_large"
            elif "redirect" in low:  # REDIRECT_MAX_TIMES: an endless chain or a loop
                kind = "too_many_redirects"
            else:
                kind = "ignored"
            message = text
        elif "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower():
            kind, message = "timeout", str(exc) or type(exc).__name__
        else:
            text = str(exc) or type(exc).__name__
            low = text.lower()
            too_large = "maxsize" in low or "max size" in low
            # a close-delimited body over DOWNLOAD_MAXSIZE is cancelled without a message
            too_large = too_large or type(exc).__name__ == "DownloadCancelledError"
            kind = "too_large" if too_large else "download_error"
            message = f"{type(exc).__name__}: {text}"
        if request is not None and request.url != url:
            message += f" (last hop {request.url})"
        self.summary.add_error(kind, url, message)

    def closed(self, reason: str) -> None:
        """Flush the archive; finish the summary."""
        self.archive.close()
        self.summary.finish_reason = reason
        self.summary.elapsed_s = round(time.monotonic() - self._started, 3)
