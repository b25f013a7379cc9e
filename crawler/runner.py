"""Launch one crawl in a subprocess (``python -m crawler crawl``) and parse its JSON summary."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
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
    on_line: Callable[[str], None] | None = None,
) -> CrawlSummary:
    """Run one site crawl in its own process; never raises for crawl failures.

    A timeout, a crash or unparsable output yields a summary whose ``errors`` say so (what was
    archived before stays in the archive and is skipped by the next run). ``on_line`` receives
    each stderr (log) line of the crawl as it is printed, in the calling thread.
    """
    cmd = build_command(site, sites_file, data_dir, years, settings)
    env = {k: v for k, v in os.environ.items() if not _is_secret(k)}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        proc = (
            _run_streaming(cmd, env, timeout, on_line)
            if on_line
            else subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        )
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


def _run_streaming(
    cmd: list[str], env: dict[str, str], timeout: float, on_line: Callable[[str], None]
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` that hands each stderr line to ``on_line`` as it arrives."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, errors="replace"
    )
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else ""))
    reader.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    tail: list[str] = []
    try:
        for line in proc.stderr or ():
            tail = [*tail[-200:], line]
            try:
                on_line(line.rstrip("\n"))
            except Exception:  # noqa: BLE001 - a logging problem never stops a crawl
                logger.debug("on_line failed", exc_info=True)
        proc.wait()
    finally:
        expired = not timer.is_alive()
        timer.cancel()
        reader.join()
    if expired and proc.returncode and proc.returncode < 0:
        raise subprocess.TimeoutExpired(cmd, timeout, stderr="".join(tail))
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(out), "".join(tail))
