"""The generic report spider: list pages → report pages → attachments, all archived."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler import article_pages
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
from crawler.script_lists import ApiSpec, api_page, find_endpoints, wants_next
from crawler.summary import LIMIT_REACHED, CaptureInfo, CrawlSummary
from crawler.urls import ATTACHMENT_EXTENSIONS, canonical_url, host_allowed, is_attachment_url

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
_MAYBE_ATTACHMENT = re.compile(
    r"\.(?:" + "|".join(sorted(ATTACHMENT_EXTENSIONS)) + r")\b|downfile", re.IGNORECASE
)
_META_DATE = ("PubDate", "pubdate", "firstpublishedtime", "publishdate")


_TIMED_OUT = "crawl_timeout: not fetched within the site's time bound"
_SHARED: dict[Path, Archive] = {}
"""Archives shared by the crawls of one process (a group of sites): one WARC writer, one index
connection, one orphan-recovery scan, instead of one per site."""


def _open_archive(data_dir: str | Path, settings: Any) -> Archive:
    return Archive(
        data_dir,
        commit_every=settings.getint("XXGK_ARCHIVE_COMMIT_EVERY", 8),
        commit_interval=settings.getfloat("XXGK_ARCHIVE_COMMIT_INTERVAL", 2.0),
        max_file_bytes=settings.getint("XXGK_ARCHIVE_MAX_FILE_BYTES", 1 << 30),
    )


@contextlib.contextmanager
def shared_archive(data_dir: str | Path, settings: Any) -> Iterator[Archive]:
    """While open, every spider of this process writing to ``data_dir`` uses this one archive.

    A spider that closes commits it (its captures are durable when its summary is printed); the
    archive itself is closed when the block ends.
    """
    key = Path(data_dir).resolve()
    archive = _open_archive(data_dir, settings)
    _SHARED[key] = archive
    try:
        yield archive
    finally:
        _SHARED.pop(key, None)
        archive.close()


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
        self._doc_requests = 0
        self._seen_lists: set[str] = set()
        self._limit_errors: dict[str, int] = {}  # bound -> index of its error record
        self._limit_counts: dict[str, int] = {}  # bound -> links it cut
        self._outstanding: dict[int, str] = {}  # link id -> URL, until callback or errback
        self._next_link = 0
        self._api_seen: set[str] = set()
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
        shared = _SHARED.get(Path(spider.data_dir).resolve())
        spider.archive = shared or _open_archive(spider.data_dir, s)
        spider.owns_archive = shared is None
        spider.site_timeout = s.getfloat("XXGK_SITE_TIMEOUT", 0.0)
        if spider.site_timeout > 0:
            crawler.signals.connect(spider._start_clock, signal=signals.spider_opened)
        spider.conditional = s.getbool("XXGK_CONDITIONAL", True)
        ov = spider.site.overrides
        if ov.page_limit is not None:  # the site's own bound wins, higher or lower
            spider.max_pages = ov.page_limit
        elif "max_pages" in ov.model_fields_set:
            spider.max_pages = ov.max_pages
        else:
            spider.max_pages = s.getint("XXGK_MAX_LIST_PAGES", 500)
        spider.max_documents = ov.max_documents or s.getint("XXGK_MAX_DOCUMENTS", 5000)
        spider.max_url_length = s.getint("URLLENGTH_LIMIT", 8192) or 1 << 30
        return spider

    archive: Archive
    owns_archive: bool = True
    site_timeout: float = 0.0
    timed_out: bool = False
    _clock: Any = None
    conditional: bool
    max_pages: int
    max_documents: int
    max_url_length: int

    # ---- the site's time bound ---------------------------------------------------------------
    def _start_clock(self) -> None:
        from twisted.internet import reactor

        loop: Any = reactor
        self._clock = loop.callLater(self.site_timeout, self._time_out)

    def _time_out(self) -> None:
        """The site used its time: drop what waits for a download slot, close the spider.

        Requests queued in the downloader would otherwise all be fetched before the close;
        each dropped one ends in ``on_error`` as ``not_completed``, and requests still in the
        scheduler are recorded the same way by ``closed``.
        """
        self.timed_out = True
        engine: Any = self.crawler.engine
        for slot in list(engine.downloader.slots.values()):
            while slot.queue:
                _request, waiting = slot.queue.popleft()
                waiting.errback(Failure(IgnoreRequest(_TIMED_OUT)))  # type: ignore[no-untyped-call]
        deferred_from_coro(engine.close_spider_async(reason="crawl_timeout"))

    # ---- link accounting -----------------------------------------------------------------
    def _limit(self, bound: str, url: str, message: str) -> None:
        """A bound was hit: one ``limit_reached`` record per bound, counting what it cut."""
        self.summary.links.errors += 1
        index = self._limit_errors.get(bound)
        if index is None:
            self._limit_errors[bound] = len(self.summary.errors)
            self.summary.add_error(LIMIT_REACHED, url, f"{bound}: {message}", bound=bound)
        self._limit_counts[bound] = self._limit_counts.get(bound, 0) + 1

    def _track(self, meta: dict[str, Any], url: str) -> dict[str, Any]:
        """Mark a request as carrying a found link; it settles in its callback or errback."""
        self._next_link += 1
        self._outstanding[self._next_link] = url
        meta["xxgk_link_id"] = self._next_link
        return meta

    def _settle(self, request: scrapy.Request | None, ok: bool) -> None:
        """The link of ``request`` ended: fetched (ok) or an error (with its error record)."""
        link_id = request.meta.get("xxgk_link_id") if request is not None else None
        if link_id is None or self._outstanding.pop(link_id, None) is None:
            return
        if ok:
            self.summary.links.fetched += 1
        else:
            self.summary.links.errors += 1

    def _too_long(self, url: str) -> bool:
        if len(url) <= self.max_url_length:
            return False
        self.summary.links.errors += 1
        self.summary.add_error(
            "url_too_long",
            url[:300] + "…",
            f"URL of {len(url)} characters exceeds URLLENGTH_LIMIT ({self.max_url_length}); "
            "not requested",
        )
        return True

    # ---- requests ------------------------------------------------------------------------
    def _meta(self, kind: str, **extra: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {"xxgk_kind": kind, **extra}
        if not self.site.overrides.obey_robots:
            meta["dont_obey_robotstxt"] = True
        return meta

    def _listing_request(
        self,
        url: str,
        method: str = "GET",
        body: str | None = None,
        referer: str | None = None,
        api: ApiSpec | None = None,
    ) -> scrapy.Request | None:
        """The request of one found list-page link, or None (duplicate, limit, too long)."""
        self.summary.links.found += 1
        key = f"{method} {canonical_url(url)} {body or ''}"
        if key in self._seen_lists or canonical_url(url) in self._seen_docs:
            self.summary.links.duplicates += 1
            return None
        self._seen_lists.add(key)
        if self._too_long(url):
            return None
        if self._list_pages >= self.max_pages:  # endless pagination or a link trap: say so
            self._limit(
                "page_limit", url, f"{self.max_pages} list pages fetched; this and later not"
            )
            return None
        self._list_pages += 1
        headers = dict(self.site.overrides.headers)
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer:
            headers["Referer"] = referer
        meta = self._meta("listing", xxgk_hints={"referer": referer})
        if api is not None:
            meta["xxgk_api"] = api
            headers.setdefault("X-Requested-With", "XMLHttpRequest")
        return scrapy.Request(
            url,
            method=method,
            body=body,
            headers=headers,
            callback=self.parse_api if api is not None else self.parse_listing,
            errback=self.on_error,
            meta=self._track(meta, url),
            dont_filter=True,  # deduplicated above; the scheduler must never drop it silently
        )

    def _api_request(self, spec: ApiSpec, referer: str | None) -> scrapy.Request | None:
        url, method, body = spec.request()
        return self._listing_request(url, method, body, referer, api=spec)

    async def start(self) -> AsyncIterator[Any]:
        """One request per start URL of the site, and the first page of each ``list_api``."""
        for url in self.site.start_urls:
            request = self._listing_request(url)
            if request is not None:
                yield request
        for api in self.site.overrides.list_api:
            request = self._api_request(api.spec(), self.site.start_urls[0])
            if request is not None:
                yield request

    # ---- list pages ----------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Report links, sub-columns and further pages of one list page."""
        self.summary.pages += 1
        if not isinstance(response, TextResponse):
            self._settle(response.request, ok=False)
            self.summary.add_error("not_a_list", response.url, "list page is not text")
            return
        self._settle(response.request, ok=True)
        ov = self.site.overrides
        page = parse_listing(
            response.text,
            response.url,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            list_selector=ov.list_selector,
            next_selector=ov.next_selector,
            json_page_param=ov.json_page_param,
        )
        page_urls = {more.url for more in page.pages}
        for link in page.links:
            if link.url not in page_urls:  # a 下一页 anchor is counted once, as a page
                yield from self._consider(link, response.url)
        for more in page.pages:
            if host_allowed(more.url, self.allowed_domains):
                request = self._listing_request(more.url, more.method, more.body, response.url)
                if request is not None:
                    yield request
            else:
                self.summary.links.found += 1
                self.summary.links.filter("offsite")
        if page.style == "html" and ov.discover_scripts and "<script" in response.text:
            for spec in find_endpoints(response.text, response.url):
                if spec.url in self._api_seen or not host_allowed(spec.url, self.allowed_domains):
                    continue
                self._api_seen.add(spec.url)
                self.summary.list_endpoints.append(f"{spec.method} {spec.url}")
                request = self._api_request(spec, response.url)
                if request is not None:
                    yield request

    def parse_api(self, response: Response) -> Iterator[scrapy.Request]:
        """One page of a script-loaded list: its report links, then the next page if due."""
        self.summary.pages += 1
        spec: ApiSpec = response.meta["xxgk_api"]
        text = response.text if isinstance(response, TextResponse) else ""
        page = api_page(text, response.url, spec)
        if not page.ok:
            self._settle(response.request, ok=False)
            self.summary.add_error(
                "not_a_list", response.url, f"list endpoint ({spec.source}) answered no JSON"
            )
            return
        self._settle(response.request, ok=True)
        referer = (response.meta.get("xxgk_hints") or {}).get("referer") or response.url
        for link in page.links:
            yield from self._consider(link, referer)
        if wants_next(spec, page):
            request = self._api_request(spec.next(), referer)
            if request is not None:
                yield request

    def _consider(self, link: ListedLink, referer: str) -> Iterator[scrapy.Request]:
        url = link.url
        if not host_allowed(url, self.allowed_domains):
            self._filtered("offsite")
        elif any(r.search(url) for r in self._deny_res):
            self._filtered("denied")
        elif is_report_title(link.text) or any(r.search(url) for r in self._link_res):
            yield from self._document(url, link.text, link.date, referer, "document")
        elif any(r.search(url) for r in self._follow_res) or self._is_subcolumn(link):
            request = self._listing_request(url, referer=referer)
            if request is not None:
                yield request
        else:
            self._filtered("not_a_report")

    def _filtered(self, reason: str) -> None:
        self.summary.links.found += 1
        self.summary.links.filter(reason)

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
        self.summary.links.found += 1
        key = canonical_url(url)
        if key in self._seen_docs or f"GET {key} " in self._seen_lists:  # a list is no document
            self.summary.links.duplicates += 1
            return
        self._seen_docs.add(key)
        base = inherited or {}
        year = base.get("year") or year_from_title(title or "")
        if self.years and year is not None and year not in self.years:
            self.summary.links.filter("other_year")
            return
        if self._too_long(url):
            return
        if self._doc_requests >= self.max_documents:
            self._limit(
                "max_documents", url, f"{self.max_documents} documents this run; this and later not"
            )
            return
        self._doc_requests += 1
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
                self.summary.links.fetched += 1  # from the archive: fetched by an earlier run
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
            meta=self._track(meta, url),
            priority=10 if kind == "attachment" else 5,
            dont_filter=True,  # deduplicated above; the scheduler must never drop it silently
        )

    def parse_document(self, response: Response) -> list[scrapy.Request] | None:
        """Record the archived report; on an HTML page, follow its attachments.

        Returns None when there is nothing to follow: Scrapy then skips its per-output
        machinery (CONCURRENT_ITEMS worker tasks per callback), which dominated CPU time.
        """
        hints: dict[str, Any] = response.meta.get("xxgk_hints") or {}
        kind = response.meta.get("xxgk_doc_kind", "document")
        if response.status == 304:
            self._settle(response.request, ok=True)
            prior: CaptureMeta = response.meta["xxgk_prior"]
            return list(self._reuse(prior, hints, kind)) or None
        result: WriteResult | None = response.meta.get("xxgk_capture")
        if result is None:
            self._settle(response.request, ok=False)
            message = response.meta.get("xxgk_archive_error", "response was not archived")
            self.summary.add_error("archive_error", response.url, message)
            return None
        self._settle(response.request, ok=True)
        if "spooled" in response.flags:
            self.summary.spooled += 1
        self._record(result.meta, hints, kind, new=result.changed)
        html = self._html_of(response, result)
        if html is not None:
            found = list(self._attachments(html, response.url, hints, result.meta.url, kind))
            if kind == "document":  # a multi-page article: its own pages (crawler/article_pages)
                found += article_pages.page_requests(
                    self, html, response.url, hints, result.meta.url
                )
            return found or None
        return None

    def _html_of(self, response: Response, result: WriteResult) -> str | None:
        """The text of an HTML document (read back from the archive if it was spooled)."""
        if isinstance(response, HtmlResponse) and response.body:
            return response.text
        ctype = (result.meta.content_type or "").lower()
        if "spooled" in response.flags and "html" in ctype:
            body = self.archive.read(result.meta.archive_uri)
            return HtmlResponse(url=response.url, body=body, headers=response.headers).text
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
            yield from self._attachments(resp.text, resp.url, hints, meta.url, kind)
            if kind == "document":
                yield from article_pages.page_requests(self, resp.text, resp.url, hints, meta.url)

    def _attachments(
        self, text: str, base_url: str, hints: dict[str, Any], referer: str, kind: str
    ) -> Iterator[scrapy.Request]:
        """Attachment links of a document's body; the links found are those to attachments."""
        if not _MAYBE_ATTACHMENT.search(text):  # no attachment link at all: skip the DOM
            return
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
            if not is_attachment_url(link.url):
                continue  # a page link (navigation, related news): not an attachment candidate
            if not host_allowed(link.url, self.allowed_domains):
                self._filtered("offsite")
            elif is_noise_title(link.text):
                self._filtered("noise")
            elif kind == "attachment":  # attachment depth 1: an attachment's links stay unfetched
                self.summary.links.found += 1
                self._limit("attachment_depth", link.url, f"link of attachment {base_url}")
            else:
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
            if text == _TIMED_OUT:
                kind = "not_completed"
            elif "robots" in low:
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
        self._settle(request, ok=False)
        self.summary.add_error(kind, url, message)

    def closed(self, reason: str) -> None:
        """Flush the archive; finish the summary (no link left unaccounted)."""
        if self.owns_archive:
            self.archive.close()
        else:  # shared by the group: commit, so this site's captures are durable now
            self.archive.commit()
        if self._clock is not None and self._clock.active():
            self._clock.cancel()
        if reason == "crawl_timeout":  # a bound like the others: what was archived stays
            self.summary.add_error(
                LIMIT_REACHED,
                "",
                f"crawl_timeout: crawl did not finish within {self.site_timeout:.0f}s "
                "(requests not yet fetched are recorded as not_completed)",
                bound="crawl_timeout",
            )
        for bound, index in self._limit_errors.items():
            cut = self._limit_counts.get(bound, 0)
            self.summary.errors[index].message += f" ({cut} link(s) not fetched in all)"
        for url in self._outstanding.values():  # dropped by the engine without a callback
            self.summary.links.errors += 1
            self.summary.add_error("not_completed", url, f"request never completed ({reason})")
        self._outstanding.clear()
        self.summary.finish_reason = reason
        self.summary.elapsed_s = round(time.monotonic() - self._started, 3)
