"""``python -m crawler crawl --site A [--site B ...] --data-dir D [...]``: one JSON line per site.

Several ``--site`` run in one process (one reactor, one Scrapy crawler per site, at most
``XXGK_SITES_AT_ONCE`` at a time): per-site bounds, state, summary and politeness are those of a
crawl of that site alone, and each site's summary line is printed as soon as its crawl ends. The
process start (Python, Scrapy, Twisted imports: ~1.8 s CPU) is paid once per group, not per site.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from crawler.summary import CrawlSummary

EXIT_OK, EXIT_CONFIG, EXIT_FAILED = 0, 2, 3


def _parse_setting(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected K=V, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


SETTINGS_ENV = "XXGK_CRAWL_SETTINGS"
"""Optional JSON object of Scrapy settings applied to every crawl (``--setting`` wins)."""


def _env_settings() -> dict[str, Any]:
    raw = os.environ.get(SETTINGS_ENV, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{SETTINGS_ENV} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError(f"{SETTINGS_ENV} must be a JSON object")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    crawl = sub.add_parser("crawl", help="crawl one or more sites of the registry")
    crawl.add_argument("--site", required=True, action="append", help="repeat for a group")
    crawl.add_argument(
        "--site-timeout", type=float, default=0.0, help="seconds per site crawl (0: no bound)"
    )
    crawl.add_argument("--sites-file", default=None)
    crawl.add_argument("--data-dir", required=True)
    crawl.add_argument("--years", default=None, help="e.g. 2019-2023 or 2020,2022")
    crawl.add_argument("--setting", "-s", action="append", default=[], type=_parse_setting)
    crawl.add_argument("--verbose", "-v", action="count", default=0)
    return parser


STATE_DIR = ("state", "crawls")
"""``<data-dir>/state/crawls/<site>.json``: the last crawl's status, bounds hit and link counts."""


def write_state(data_dir: Path, summary: CrawlSummary) -> None:
    """Keep the last crawl's status per site (``xxgk status`` shows incomplete sites)."""
    from datetime import UTC, datetime

    state = {
        "site": summary.site,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": summary.status,
        "limits": [
            {"bound": e.bound, "url": e.url, "message": e.message}
            for e in summary.errors
            if e.kind == "limit_reached"
        ],
        "links": summary.links.model_dump(),
        "errors": len(summary.errors),
    }
    folder = data_dir.joinpath(*STATE_DIR)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{summary.site}.json.tmp"
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(folder / f"{summary.site}.json")
    except OSError as exc:  # the summary line still says it all
        logging.getLogger("crawler").warning("could not write crawl state: %s", exc)


def run(
    argv: Sequence[str] | None = None, emit: Callable[[CrawlSummary], None] | None = None
) -> tuple[int, list[CrawlSummary]]:
    """Run the command; return the exit code and one summary per site (in ``--site`` order).

    ``emit`` receives each site's summary as soon as its crawl ends (and its state is written).
    """
    args = build_parser().parse_args(argv)
    from scrapy.crawler import Crawler, CrawlerProcess
    from scrapy.settings import Settings

    from crawler.registry import RegistryError, get_site
    from crawler.spiders.reports import ReportSpider, parse_years, shared_archive

    def done(summary: CrawlSummary) -> CrawlSummary:
        if emit is not None:
            emit(summary)
        return summary

    names: list[str] = list(dict.fromkeys(args.site))  # a site named twice is crawled once
    results: dict[str, CrawlSummary] = {}
    try:
        parse_years(args.years)
        env_settings = _env_settings()
    except ValueError as exc:
        for name in names:
            results[name] = CrawlSummary(site=name)
            results[name].add_error("config", "", str(exc))
            done(results[name])
        return EXIT_CONFIG, [results[n] for n in names]
    valid: list[str] = []
    for name in names:
        try:
            get_site(name, args.sites_file)
            valid.append(name)
        except (RegistryError, ValueError) as exc:
            results[name] = CrawlSummary(site=name)
            results[name].add_error("config", "", str(exc))
            done(results[name])
    if not valid:
        return EXIT_CONFIG, [results[n] for n in names]
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if args.verbose:
        settings.set("LOG_LEVEL", "INFO" if args.verbose == 1 else "DEBUG", priority="cmdline")
    for key, value in env_settings.items():
        settings.set(key, value, priority="cmdline")
    for key, value in args.setting:
        settings.set(key, value, priority="cmdline")
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    if not settings.get("XXGK_SPOOL_DIR"):  # report bodies stream here (crawler.spool)
        settings.set("XXGK_SPOOL_DIR", str(Path(args.data_dir) / "spool-crawl"), priority="cmdline")
    if args.site_timeout > 0:  # per site: the spider ends itself with a crawl_timeout record
        settings.set("XXGK_SITE_TIMEOUT", args.site_timeout, priority="cmdline")
    _tag_log_records()
    process = CrawlerProcess(settings)
    if not settings.getbool("XXGK_LOG_BOILERPLATE", True):  # ~90 lines per site otherwise
        for name in _BOILERPLATE:
            logging.getLogger(name).setLevel(logging.WARNING)
    from twisted.internet import defer
    from twisted.python.failure import Failure

    at_once = max(1, settings.getint("XXGK_SITES_AT_ONCE", 8))
    gate = defer.DeferredSemaphore(at_once)
    crawlers: dict[str, Crawler] = {}

    def finish(outcome: object, name: str) -> None:
        spider = crawlers[name].spider
        started = isinstance(spider, ReportSpider)
        summary = spider.summary if isinstance(spider, ReportSpider) else CrawlSummary(site=name)
        if isinstance(outcome, Failure):
            logging.getLogger("crawler").error("crawl of %s failed: %s", name, outcome.value)
            summary.add_error(
                "crawl_failed", "", f"{type(outcome.value).__name__}: {outcome.value}"
            )
        elif not started:
            summary.add_error("crawl_failed", "", "the spider did not start (see stderr)")
        if started:
            write_state(Path(args.data_dir), summary)
            _log_outcome(spider, summary)
        results[name] = done(summary)

    def stop_all(_: object) -> None:
        from twisted.internet import reactor  # installed by now (Scrapy's choice)

        loop: Any = reactor
        loop.callLater(0, _stop, loop)

    def crawl_one(name: str) -> defer.Deferred[None]:
        d: defer.Deferred[None] = process.crawl(
            crawlers[name],
            site=name,
            data_dir=args.data_dir,
            sites_file=args.sites_file,
            years=args.years,
        )
        d.addBoth(finish, name)
        return d

    for name in valid:  # the first one installs the reactor Scrapy is configured with
        crawlers[name] = process.create_crawler(ReportSpider)
    with shared_archive(args.data_dir, settings):  # one WARC writer for the group
        runs = [gate.run(crawl_one, name) for name in valid]
        everything = defer.DeferredList(runs, consumeErrors=True)
        everything.addBoth(stop_all)
        process.start(stop_after_crawl=False)
    for name in valid:  # the reactor stopped early (a signal): the rest is recorded, not lost
        if name not in results:
            results[name] = CrawlSummary(site=name)
            results[name].add_error("crawl_failed", "", "the crawl was interrupted")
            done(results[name])
    failed = [n for n in valid if any(e.kind == "crawl_failed" for e in results[n].errors)]
    return (EXIT_FAILED if len(failed) == len(valid) else EXIT_OK), [results[n] for n in names]


def _log_outcome(spider: Any, summary: CrawlSummary) -> None:
    """One INFO line per site when its crawl ends (and its first error records)."""
    errors = "; ".join(f"{e.kind} {e.message} {e.url}".strip() for e in summary.errors[:3])
    more = f" (+{len(summary.errors) - 3} more)" if len(summary.errors) > 3 else ""
    logging.getLogger("crawler").info(
        "crawl %s: %d list pages, %d documents (%d new), %d error record(s)%s%s",
        summary.finish_reason or "ended",
        summary.pages,
        summary.documents_found,
        summary.new,
        len(summary.errors),
        f": {errors}" if errors else "",
        more,
        extra={"spider": spider},
    )


_BOILERPLATE = ("scrapy.addons", "scrapy.middleware", "scrapy.crawler", "scrapy.statscollectors")
"""Loggers of each crawler's start-up lists and stats dump (the summary line says what matters)."""


def _stop(reactor: Any) -> None:
    with contextlib.suppress(RuntimeError):  # already stopping
        reactor.stop()


def _tag_log_records() -> None:
    """Prefix each log message that names its spider with ``[site] `` (a group's log is shared)."""
    base = logging.getLogRecordFactory()
    if getattr(base, "xxgk_tagged", False):
        return

    class _SiteRecord(logging.LogRecord):
        def getMessage(self) -> str:  # noqa: N802 - logging's name
            message = super().getMessage()
            site = getattr(self.__dict__.get("spider"), "site_name", None)
            return f"[{site}] {message}" if site else message

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        if base is logging.LogRecord:
            return _SiteRecord(*args, **kwargs)
        record = base(*args, **kwargs)
        record.__class__ = _SiteRecord
        return record

    factory.xxgk_tagged = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: print one JSON line per site on stdout, each as soon as its crawl ends."""

    def emit(summary: CrawlSummary) -> None:
        sys.stdout.write(summary.model_dump_json() + "\n")
        sys.stdout.flush()

    try:
        code, _ = run(argv, emit)
    except SystemExit:
        raise
    except Exception as exc:  # last resort: still one JSON line (sites without one: a crash)
        logging.getLogger("crawler").exception("crawl crashed")
        summary = CrawlSummary(site="?")
        summary.add_error("crash", "", f"{type(exc).__name__}: {exc}")
        emit(summary)
        code = EXIT_FAILED
    return code


if __name__ == "__main__":
    sys.exit(main())
