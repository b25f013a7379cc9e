"""Downloader middlewares: WARC archiving, off-site redirect guard, Crawl-delay, retry back-off."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.archive import Archive
from crawler.spool import SPOOL_META
from crawler.urls import canonical_url, filename_from_headers, host_allowed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class OffsiteRedirect(IgnoreRequest):
    """A redirect to a host outside the site's allowed domains (not followed, reported)."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL of the same chain (the dupefilter would drop it silently)."""


class _ArchivingSpider(Protocol):
    archive: Archive
    allowed_domains: list[str]
    site_name: str


def _headers(headers: Any) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        for value in values:
            out.append((key.decode("latin-1"), value.decode("latin-1")))
    return out


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class ArchiveMiddleware:
    """Write every successful capture of a list page or report document to the WARC archive.

    Placed at 585: it sees responses after redirects and decompression, so the stored body is
    what the parser gets; the headers are the ones received (kept by ``RawHeadersMiddleware``),
    the decoding stated as ``X-Archive-Orig-*`` (see ``crawler.archive``). A spooled body
    (``crawler.spool``) is streamed from its file, which is then deleted. robots.txt answers are
    archived as plain records. The result (``WriteResult``) is left in
    ``request.meta["xxgk_capture"]``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveMiddleware:
        """Scrapy factory hook."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Archive 2xx responses of requests tagged with ``xxgk_kind``."""
        kind = request.meta.get("xxgk_kind")
        spider: _ArchivingSpider | None = self.crawler.spider  # type: ignore[assignment]
        if spider is None or "cached" in response.flags:
            return response
        if not kind and urlsplit(request.url).path == "/robots.txt":
            _archive_plain(spider, request, response)
            return response
        if not kind or not 200 <= response.status < 300:
            return response
        spool = request.meta.pop(SPOOL_META, None)
        hints = dict(request.meta.get("xxgk_hints") or {})
        redirects = request.meta.get("redirect_urls") or []
        url = redirects[0] if redirects else request.url
        try:
            result = spider.archive.write_capture(
                url=url,
                final_url=response.url,
                body=response.body,
                body_path=spool,
                status=response.status,
                response_headers=_received_headers(request, response),
                request_headers=_headers(request.headers),
                method=request.method,
                request_body=request.body,
                site=spider.site_name,
                kind=kind,
                content_type=_header(response, "Content-Type"),
                etag=_header(response, "ETag"),
                last_modified=_header(response, "Last-Modified"),
                filename=filename_from_headers(_header(response, "Content-Disposition"), url),
                **hints,
            )
        except OSError as exc:  # disk full, permissions: report, do not crash the crawl
            logger.error("archive write failed for %s: %s", url, exc)
            request.meta["xxgk_archive_error"] = str(exc)
            return response
        finally:
            if spool:
                Path(spool).unlink(missing_ok=True)
        request.meta["xxgk_capture"] = result
        return response


def _received_headers(request: Request, response: Response) -> list[tuple[str, str]]:
    raw = request.meta.get(RAW_HEADERS_META)
    return list(raw) if raw is not None else _headers(response.headers)


def _archive_plain(spider: _ArchivingSpider, request: Request, response: Response) -> None:
    """A response that is no capture (3xx hop, robots.txt) as its own WARC record."""
    try:
        spider.archive.write_plain_record(
            url=request.url,
            status=response.status,
            body=response.body,
            response_headers=_received_headers(request, response),
            request_headers=_headers(request.headers),
            method=request.method,
        )
    except OSError as exc:
        logger.error("archive write failed for %s: %s", request.url, exc)


RAW_HEADERS_META = "xxgk_raw_headers"


class RawHeadersMiddleware:
    """Keep the response headers as received (before decompression rewrites them); at 595."""

    def process_response(self, request: Request, response: Response) -> Response:
        """Remember the received headers in ``request.meta``."""
        request.meta[RAW_HEADERS_META] = _headers(response.headers)
        return response


class RedirectArchiveMiddleware:
    """Archive each 3xx hop of a tracked request as its own WARC response record; at 615.

    It runs before the off-site and loop guards (610) and Scrapy's redirect (600), so refused
    hops are archived too; the capture at the end of the chain is archived by ArchiveMiddleware.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectArchiveMiddleware:
        """Scrapy factory hook."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Write the 3xx response (headers as received) to the archive."""
        spider: _ArchivingSpider | None = self.crawler.spider  # type: ignore[assignment]
        if 300 <= response.status < 400 and request.meta.get("xxgk_kind") and spider is not None:
            request.meta[RAW_HEADERS_META] = _headers(response.headers)
            _archive_plain(spider, request, response)
            request.meta.pop(RAW_HEADERS_META, None)
        return response


class OffsiteRedirectMiddleware:
    """Refuse redirects that leave the allowed domains or loop (raised to the request's errback).

    A loop must be caught here: the redirected request would go through the scheduler's
    dupefilter, which drops a URL already requested without calling any errback.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        """Scrapy factory hook."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Raise OffsiteRedirect for a 3xx whose Location is off-site."""
        location = _header(response, "Location")
        spider = self.crawler.spider
        domains = getattr(spider, "allowed_domains", None)
        if 300 <= response.status < 400 and location and domains:
            target = urljoin(request.url, location)
            if not host_allowed(target, list(domains)):
                raise OffsiteRedirect(f"redirect to {target} outside {', '.join(domains)}")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location)
            chain = [*(request.meta.get("redirect_urls") or []), request.url]
            if canonical_url(target) in {canonical_url(u) for u in chain}:
                raise RedirectLoop(f"redirect loop: {' → '.join(chain)} → {target}")
        return response


class CrawlDelayMiddleware:
    """Apply robots.txt ``Crawl-delay`` (which Scrapy ignores) to the host's download slot."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("XXGK_CRAWL_DELAY_MAX", 30.0)
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        """Scrapy factory hook."""
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Remember the Crawl-delay of the host whose robots.txt was parsed."""
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a broken robots.txt must not break the crawl
            delay = None
        if delay:
            host = urlsplit(request.url).hostname or ""
            self.delays[host] = min(float(delay), self.max_delay)
            logger.info("robots.txt Crawl-delay %.2fs for %s", self.delays[host], host)

    def process_request(self, request: Request) -> None:
        """Raise the slot delay of the request's host to its Crawl-delay (no jitter below it)."""
        host = urlsplit(request.url).hostname or ""
        delay = self.delays.get(host)
        if not delay or self.crawler.engine is None:
            return
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or host
        downloader.per_slot_settings.setdefault(key, {}).update({"delay": delay, "jitter": 0.0})
        slot = downloader.slots.get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay
            slot.jitter = 0.0


class BackoffMiddleware:
    """Exponential back-off before each retry (Scrapy retries immediately)."""

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        """Scrapy factory hook."""
        s = crawler.settings
        return cls(s.getfloat("XXGK_RETRY_BACKOFF_BASE", 2.0), s.getfloat("XXGK_RETRY_BACKOFF_MAX"))

    async def process_request(self, request: Request) -> None:
        """Sleep ``base * 2**(n-1)`` seconds before the n-th retry."""
        tries = int(request.meta.get("retry_times", 0))
        if tries and self.base > 0:
            await asyncio.sleep(min(self.base * 2 ** (tries - 1), self.cap))
