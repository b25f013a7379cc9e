"""``python -m crawler crawl --site NAME --data-dir D [...]``: one crawl, one JSON summary line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
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
    crawl = sub.add_parser("crawl", help="crawl one site of the registry")
    crawl.add_argument("--site", required=True)
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


def run(argv: Sequence[str] | None = None) -> tuple[int, CrawlSummary]:
    """Run the command; return the exit code and the summary (not printed)."""
    args = build_parser().parse_args(argv)
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.registry import RegistryError, get_site
    from crawler.spiders.reports import ReportSpider, parse_years

    summary = CrawlSummary(site=args.site)
    try:
        get_site(args.site, args.sites_file)
        parse_years(args.years)
        env_settings = _env_settings()
    except (RegistryError, ValueError) as exc:
        summary.add_error("config", "", str(exc))
        return EXIT_CONFIG, summary
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
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ReportSpider)
    process.crawl(
        crawler,
        site=args.site,
        data_dir=args.data_dir,
        sites_file=args.sites_file,
        years=args.years,
    )
    process.start()
    spider = crawler.spider
    if isinstance(spider, ReportSpider):
        summary = spider.summary
        write_state(Path(args.data_dir), summary)
    else:
        summary.add_error("crawl_failed", "", "the spider did not start (see stderr)")
        return EXIT_FAILED, summary
    return EXIT_OK, summary


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: print exactly one JSON line on stdout."""
    try:
        code, summary = run(argv)
    except SystemExit:
        raise
    except Exception as exc:  # last resort: still one JSON line
        logging.getLogger("crawler").exception("crawl crashed")
        summary = CrawlSummary(site="?")
        summary.add_error("crash", "", f"{type(exc).__name__}: {exc}")
        code = EXIT_FAILED
    sys.stdout.write(summary.model_dump_json() + "\n")
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
