"""Launch one crawl in a subprocess (``python -m crawler crawl``) and parse its JSON summary."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.summary import CrawlSummary

logger = logging.getLogger(__name__)


def build_command(
    site: str,
    sites_file: str | Path | None,
    data_dir: str | Path,
    years: Iterable[int] | str | None = None,
    settings: Mapping[str, Any] | None = None,
    python: str | None = None,
) -> list[str]:
    """The argv of one crawl subprocess."""
    cmd = [python or sys.executable, "-m", "crawler", "crawl", "--site", site]
    cmd += ["--data-dir", str(data_dir)]
    if sites_file:
        cmd += ["--sites-file", str(sites_file)]
    if years:
        spec = years if isinstance(years, str) else ",".join(str(y) for y in sorted(set(years)))
        cmd += ["--years", spec]
    for key, value in (settings or {}).items():
        cmd += ["--setting", f"{key}={json.dumps(value)}"]
    return cmd


_SECRET_PREFIXES = ("AWS_", "PREFECT_API_KEY", "AZURE_", "GOOGLE_APPLICATION", "GCS_")
_SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "API_KEY")


def _is_secret(name: str) -> bool:
    """Credentials a crawl never needs (S3 keys, Prefect API key …) are not passed to it."""
    upper = name.upper()
    return upper.startswith(_SECRET_PREFIXES) or any(w in upper for w in _SECRET_WORDS)


def run_crawl(
    site: str,
    sites_file: str | Path | None,
    data_dir: str | Path,
    years: Iterable[int] | str | None = None,
    settings: Mapping[str, Any] | None = None,
    timeout: float = 3600.0,
) -> CrawlSummary:
    """Run one site crawl in its own process; never raises for crawl failures.

    A timeout, a crash or unparsable output yields a summary whose ``errors`` say so (what was
    archived before stays in the archive and is skipped by the next run).
    """
    cmd = build_command(site, sites_file, data_dir, years, settings)
    env = {k: v for k, v in os.environ.items() if not _is_secret(k)}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        summary = CrawlSummary(site=site)
        summary.add_error(  # a bound like the others: what was archived stays, the rest is missing
            "limit_reached",
            "",
            f"crawl_timeout: crawl did not finish within {timeout:.0f}s",
            bound="crawl_timeout",
        )
        logger.warning("crawl of %s timed out: %s", site, str(exc.stderr or "")[-2000:])
        return summary
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.stderr:
        logger.debug("crawl %s stderr:\n%s", site, proc.stderr[-5000:])
    if lines:
        try:
            return CrawlSummary.model_validate_json(lines[-1])
        except ValueError as exc:
            message = f"unparsable summary: {exc}"
    else:
        message = f"no summary (exit {proc.returncode}): {proc.stderr.strip()[-1000:]}"
    summary = CrawlSummary(site=site)
    summary.add_error("crash", "", message)
    return summary
