"""Plain-Python steps the flows run: crawl a site, parse a batch of captures, publish spools.

No Prefect here (the flows wrap these in tasks), no parsing or storage logic either: each step
calls the package that owns the work and turns failures into error records.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from crawler.archive import Archive
from crawler.article_pages import attach_pages, load_groups
from crawler.registry import Site
from crawler.runner import run_crawl, run_group
from crawler.summary import CrawlSummary
from crawler.urls import is_attachment_url
from flows.ledger import capture_key
from parsing import ParseError, RawDocument, Report
from parsing.errors import ArticleIncompleteError
from parsing.published import html_page_date
from warehouse import Spooled, publish

log = logging.getLogger("xxgk")


@dataclass
class BatchResult:
    """Counts and error records of one parse batch; reports are in the spool file."""

    spool: str
    parsed: int = 0
    by_site: dict[str, Counter[str]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # captures published or recorded as errors; a report of a year outside the run is not
    # handled, so a later nightly run still publishes it
    handled: list[str] = field(default_factory=list)

    def bump(self, site: str, key: str, n: int = 1) -> None:
        """Add ``n`` to a per-site counter."""
        self.by_site.setdefault(site, Counter())[key] += n


def crawl_site(
    site: str,
    sites_file: Path,
    data_dir: Path,
    years: list[int] | None,
    timeout: float,
    on_line: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Crawl one site in its own process; returns the crawl summary as a dict.

    With ``on_line`` the crawl logs at INFO (Scrapy's page counts every 10 s) and each line is
    handed to it as it is printed.
    """
    settings = {"LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 10.0} if on_line else None
    summary: CrawlSummary = run_crawl(
        site,
        sites_file=sites_file,
        data_dir=data_dir,
        years=years,
        timeout=timeout,
        settings=settings,
        on_line=on_line,
    )
    crashes = [e for e in summary.errors if e.kind == "crash"]
    if crashes:  # raise so the flow's task retries apply; what was archived stays archived
        raise CrawlFailedError(f"crawl of {site} crashed: {crashes[0].message}")
    return summary.model_dump(mode="json")


def crawl_groups(sites: list[str], concurrency: int, group_size: int) -> list[list[str]]:
    """Sites split into crawl groups (one process each): at least ``concurrency`` groups so
    every crawl slot is busy, at most ``group_size`` sites each, sizes differing by one at most."""
    if not sites:
        return []
    n = max(min(max(1, concurrency), len(sites)), -(-len(sites) // max(1, group_size)))
    size, extra = divmod(len(sites), n)
    groups, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        groups.append(sites[start:end])
        start = end
    return groups


def crawl_group(
    sites: list[str],
    sites_file: Path,
    data_dir: Path,
    years: list[int] | None,
    timeout: float,
    on_line: Callable[[str | None, str], None] | None = None,
    retries: int = 2,
    retry_delay: float = 2.0,
) -> dict[str, dict[str, Any]]:
    """Crawl a group of sites in one process; one summary dict per site, in ``sites`` order.

    ``timeout`` bounds each site. Sites whose summary never came back (the process crashed) are
    crawled again, up to ``retries`` times, the last time each in its own process so one site
    that kills its process cannot take the others down; a site that still has no summary keeps
    the ``crash`` error record. With ``on_line`` the crawl logs at INFO and each line is handed
    over with the site it names.
    """
    settings = (
        {"LOG_LEVEL": "INFO", "LOGSTATS_INTERVAL": 10.0, "XXGK_LOG_BOILERPLATE": False}
        if on_line
        else None
    )
    out: dict[str, dict[str, Any]] = {}
    pending = list(dict.fromkeys(sites))
    for attempt in range(retries + 1):
        if attempt == retries and attempt > 0:  # last try: one process per site
            res: dict[str, CrawlSummary] = {}
            for site in pending:
                res |= run_group([site], sites_file, data_dir, years, settings, timeout, on_line)
        else:
            res = run_group(pending, sites_file, data_dir, years, settings, timeout, on_line)
        crashed = [s for s, summary in res.items() if _crashed(summary)]
        for site, summary in res.items():
            if site not in crashed or attempt == retries:
                out[site] = summary.model_dump(mode="json")
        pending = crashed
        if not pending:
            break
        log.warning(
            "crawl: %d site(s) without a summary (%s), crawling them again",
            len(pending),
            ", ".join(pending[:5]),
        )
        time.sleep(retry_delay)
    return {site: out[site] for site in dict.fromkeys(sites)}


def _crashed(summary: CrawlSummary) -> bool:
    return any(e.kind == "crash" for e in summary.errors)


def crash_message(summary: dict[str, Any]) -> str | None:
    """Why a site's crawl process died before it printed the site's summary (None: it did not)."""
    return next((e["message"] for e in summary.get("errors", []) if e["kind"] == "crash"), None)


class CrawlFailedError(RuntimeError):
    """The crawl subprocess died or printed no summary."""


def archived_captures(
    data_dir: Path,
    sites: list[str] | None,
    years: list[int] | None,
    skip: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Latest report captures in the archive for these sites (all if None).

    Captures whose link gave no year are included whatever ``years`` says; the parsed report's
    year decides later. Captures whose ledger key is in ``skip`` (processed by an earlier run)
    are left out, and so is the work for them (reading an attachment's article page for its
    date): a nightly run costs what changed, not what is archived.
    """
    archive = Archive(data_dir)
    try:
        metas = list(archive.iter_captures(sites=sites))
        # Article pages whose report is attached: the page itself is not the report.
        with_attachment = {m.referer for m in metas if m.referer and _is_attachment(m.to_dict())}
        article_dates = _article_dates(archive, metas, skip or set())
        captures = [
            m.to_dict()
            | {"archive_uri": m.archive_uri, "has_attachment": m.url in with_attachment}
            | article_dates.get(m.url, {})
            for m in metas
            if years is None or m.year is None or m.year in years
        ]
        # multi-page articles: page 1 carries the archive addresses of all its pages
        captures = attach_pages(captures, load_groups(data_dir), archive.latest)
        # after attach_pages: an article's key hashes all its pages (a change on page 3 is new)
        return [c for c in captures if capture_key(c) not in skip] if skip else captures
    finally:
        archive.close()


def write_batch_file(captures: list[dict[str, Any]], path: Path) -> Path:
    """Write a batch of capture records for a parse task (JSON); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(captures, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def read_batch_file(path: Path) -> list[dict[str, Any]]:
    """The capture records ``write_batch_file`` wrote."""
    captures: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return captures


def _article_dates(archive: Archive, metas: list[Any], skip: set[str]) -> dict[str, dict[str, str]]:
    """An attachment's date is its article page's own (meta, 索引号 table, 发布时间), when the
    page is archived and states one; otherwise the attachment keeps the list date. Attachments
    whose key is in ``skip`` are not looked at."""
    by_url = {m.url: m for m in metas}
    seen: dict[str, date | None] = {}
    out: dict[str, dict[str, str]] = {}
    for m in metas:
        if skip and capture_key({"sha256": m.sha256, "url": m.url}) in skip:
            continue
        page = by_url.get(m.referer) if m.referer else None
        if page is None or not _is_attachment(m.to_dict()):
            continue
        if page.url not in seen:
            try:
                seen[page.url] = html_page_date(archive.read(page.archive_uri))
            except Exception:  # noqa: BLE001 - unreadable page: the list date stays, as recorded
                log.warning("article page %s unreadable for its date", page.url, exc_info=True)
                seen[page.url] = None
        found = seen[page.url]
        if found is not None:
            out[m.url] = {
                "published_date": found.isoformat(),
                "published_date_source": "article_page",
            }
    return out


def _is_attachment(capture: dict[str, Any]) -> bool:
    """The crawler's attachment rule (URL or file name), or a capture that is not a page."""
    names = (str(capture.get("url") or ""), str(capture.get("filename") or ""))
    ctype = str(capture.get("content_type") or "").lower()
    return any(is_attachment_url(n) for n in names if n) or not ("html" in ctype or "text" in ctype)


def _raw(data: dict[str, Any], content: bytes, site: Site | None) -> RawDocument:
    """A RawDocument from a capture record (crawl summary or archive index row)."""
    published = None
    if data.get("published_date"):
        try:
            published = date.fromisoformat(str(data["published_date"])[:10])
        except ValueError:
            published = None
    fetched = None
    if data.get("fetched_at"):
        try:
            fetched = datetime.fromisoformat(str(data["fetched_at"]))
        except ValueError:
            fetched = None
    if fetched is not None and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return RawDocument(
        content=content,
        media_type=data.get("content_type"),
        url=data.get("final_url") or data.get("url"),
        filename=data.get("filename"),
        site=data.get("site") or (site.name if site else "local"),
        publisher=data.get("publisher") or (site.publisher if site else None),
        region_code=site.region_code if site else None,
        title_hint=data.get("title"),
        year_hint=data.get("year"),
        published_date=published,
        published_date_source=data.get("published_date_source") if published else None,
        fetched_at=fetched,
        archive_uri=data.get("archive_uri"),
    )


def _article_raw(data: dict[str, Any], archive: Archive, site: Site | None) -> RawDocument:
    """Page 1 of a multi-page article plus its continuation pages, read from the archive.

    A page never archived (its download failed) fails the whole article: a report is never
    published from some of its pages.
    """
    uris: list[str | None] = list(data["page_uris"])
    urls: list[str] = [str(u) for u in data.get("page_urls") or []]
    missing = [urls[i] if i < len(urls) else f"page {i + 1}" for i, u in enumerate(uris) if not u]
    if missing:
        raise ArticleIncompleteError(
            f"multi-page article: {len(missing)} of {len(uris)} pages not archived: "
            + ", ".join(missing[:5]),
            url=str(data.get("url") or ""),
            sha256=str(data.get("sha256") or ""),
        )
    contents = [archive.read(str(u)) for u in uris]
    first = _raw(data | {"sha256": data.get("page1_sha256")}, contents[0], site)
    return first.model_copy(update={"pages": tuple(contents[1:]), "page_urls": tuple(urls)})


def parse_batch(
    captures: list[dict[str, Any]],
    data_dir: Path,
    sites: dict[str, Site],
    spool: Path,
    years: list[int] | None = None,
) -> BatchResult:
    """Parse archived captures; write reports as JSON lines to ``spool``; record every failure.

    Documents are parsed in the isolated worker pool (``flows.parse_pool``): a document that
    breaches its time, memory or output limit becomes a ``timeout``/``too_large`` error record
    and the batch goes on. Results and their order are those of a serial run. The batch's
    DOC/WPS files are converted first by one LibreOffice process (``parsing.pool.preconvert``).
    """
    from flows.parse_pool import shared_pool
    from parsing.pool import preconvert

    result = BatchResult(spool=str(spool))
    archive = Archive(data_dir)
    spool.parent.mkdir(parents=True, exist_ok=True)
    out = spool.open("w", encoding="utf-8")
    unread: dict[int, Exception] = {}  # capture index -> archive read failure / missing pages
    sent: deque[int] = deque()  # capture indexes in the order their documents went to the pool

    def documents() -> Iterator[RawDocument]:
        for index, data in enumerate(captures):
            site = sites.get(str(data.get("site") or "local"))
            try:
                if data.get("page_uris"):
                    raw = _article_raw(data, archive, site)
                else:
                    raw = _raw(data, archive.read(str(data["archive_uri"])), site)
            except Exception as exc:  # noqa: BLE001 - archive read failures are recorded
                unread[index] = exc
                continue
            sent.append(index)
            yield raw

    def archive_errors(before: int) -> None:
        for index in sorted(i for i in unread if i < before):
            exc = unread.pop(index)
            data = captures[index]
            if isinstance(exc, ParseError):  # an article with pages missing
                _record(result, out, data, exc, years)
                continue
            site_name = str(data.get("site") or "local")
            result.handled.append(capture_key(data))
            result.bump(site_name, "errors")
            result.errors.append(
                {"site": site_name, "url": data.get("url"), "sha256": data.get("sha256")}
                | {"stage": "archive", "kind": type(exc).__name__, "message": str(exc)}
            )

    def office_candidates() -> Iterator[RawDocument]:
        for data in captures:  # attachments only: DOC/WPS are never article pages
            if _is_attachment(data):
                try:
                    content = archive.read(str(data["archive_uri"]))
                except Exception:  # noqa: BLE001, S112 - recorded in the parse pass below
                    continue
                yield _raw(data, content, None)

    try:
        with shared_pool() as pool:
            converted = preconvert(office_candidates())
            for outcome in pool.map(documents(), converted):
                index = sent.popleft()
                archive_errors(index)
                _record(result, out, captures[index], outcome, years)
        archive_errors(len(captures))
    finally:
        out.close()
        archive.close()
    return result


def _record(
    result: BatchResult,
    out: IO[str],
    data: dict[str, Any],
    outcome: Report | ParseError,
    years: list[int] | None,
) -> None:
    """Count one parsed document, or record its error; write the report to the spool."""
    site_name = str(data.get("site") or "local")
    if isinstance(outcome, ParseError):
        exc = outcome
        record = {"site": site_name, "url": data.get("url"), "sha256": data.get("sha256")}
        result.handled.append(capture_key(data))
        if exc.kind == "not_a_report" and data.get("has_attachment"):
            result.bump(site_name, "article_pages")  # the attachment is the report
            return
        result.bump(site_name, "errors")
        result.errors.append(record | {"stage": "parse", **exc.to_record()})
        return
    report = outcome
    if years is not None and report.year not in years:
        result.bump(site_name, "other_year")
        return
    result.handled.append(capture_key(data))
    out.write(report.model_dump_json() + "\n")
    result.parsed += 1
    result.bump(site_name, "parsed")
    result.bump(site_name, report.validation_status)
    if report.spam_verdict == "quarantine":
        result.bump(site_name, "quarantined")
    if report.spam_detected:
        result.bump(site_name, "spam_documents")
        result.bump(site_name, "spam_chars", report.spam_chars_removed)


def _spooled(spools: list[str], ids: list[str]) -> Iterator[Spooled]:
    """The reports of these spool files with their lines (``model_dump_json()``, hashed by the
    publish as they are); their ids are appended to ``ids``."""
    for path in spools:
        with Path(path).open("rb") as fh:
            for line in fh:
                if line.strip():
                    item = Spooled.from_line(line)
                    ids.append(item.report.report_id)
                    yield item


def publish_spools(spools: list[str], warehouse_root: str) -> dict[str, Any]:
    """Publish the reports of these spool files in one warehouse transaction."""
    ids: list[str] = []
    stream = _spooled(spools, ids)
    first = next(stream, None)
    if first is None:
        return {"reports": 0, "rows_written": {}}
    # streamed: the publish converts chunk by chunk, so only a chunk of models is held at once
    res = publish(itertools.chain([first], stream), warehouse_root)
    return {
        "reports": res.reports,
        "rows_written": dict(res.rows_written),
        "run_id": res.run_id,
        "files": len(res.files_written),
        "report_ids": sorted(set(ids)),
    }
