"""Launch crawls in a subprocess (``python -m crawler crawl``) and parse their JSON summaries.

``run_group`` crawls several sites in one process (the interpreter, Scrapy and Twisted start
once per group instead of once per site); ``run_crawl`` is the one-site case.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler.summary import CrawlSummary

logger = logging.getLogger(__name__)


def build_command(
    site: str | Sequence[str],
    sites_file: str | Path | None,
    data_dir: str | Path,
    years: Iterable[int] | str | None = None,
    settings: Mapping[str, Any] | None = None,
    python: str | None = None,
    site_timeout: float = 0.0,
) -> list[str]:
    """The argv of one crawl subprocess (one site, or a group: one ``--site`` each)."""
    cmd = [python or sys.executable, "-m", "crawler", "crawl"]
    for name in [site] if isinstance(site, str) else site:
        cmd += ["--site", name]
    cmd += ["--data-dir", str(data_dir)]
    if sites_file:
        cmd += ["--sites-file", str(sites_file)]
    if years:
        spec = years if isinstance(years, str) else ",".join(str(y) for y in sorted(set(years)))
        cmd += ["--years", spec]
    if site_timeout > 0:
        cmd += ["--site-timeout", f"{site_timeout:g}"]
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
    line_cb = (lambda _site, line: on_line(line)) if on_line else None
    return run_group([site], sites_file, data_dir, years, settings, timeout, line_cb)[site]


SITES_AT_ONCE = 8
"""Default crawls running at once inside one group process (Scrapy setting XXGK_SITES_AT_ONCE)."""
_TAGGED = re.compile(r"^\S+ \S+ \[[^\]]*\] \w+: \[([^\]]+)\] ")


def run_group(
    sites: Sequence[str],
    sites_file: str | Path | None,
    data_dir: str | Path,
    years: Iterable[int] | str | None = None,
    settings: Mapping[str, Any] | None = None,
    timeout: float = 3600.0,
    on_line: Callable[[str | None, str], None] | None = None,
) -> dict[str, CrawlSummary]:
    """Crawl a group of sites in one process; one summary per site, never raises.

    ``timeout`` bounds each site's crawl (it ends as ``limit_reached``/``crawl_timeout`` with
    what it archived); the process as a whole is killed after enough time for every site to
    use its bound. A site whose summary never came back (the process crashed, was killed, or
    printed garbage) gets a summary with a ``crash`` (or ``crawl_timeout``) error. ``on_line``
    gets each log line with the site it names (None for lines of the group as a whole).
    """
    names = list(dict.fromkeys(sites))
    if not names:
        return {}
    at_once = int((settings or {}).get("XXGK_SITES_AT_ONCE", SITES_AT_ONCE)) or 1
    waves = -(-len(names) // max(1, at_once))
    hard = timeout * waves + 60.0 if timeout > 0 else None
    cmd = build_command(names, sites_file, data_dir, years, settings, site_timeout=timeout)
    env = {k: v for k, v in os.environ.items() if not _is_secret(k)}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    one = names[0] if len(names) == 1 else None

    def site_of(line: str) -> str | None:
        if one is not None:
            return one
        m = _TAGGED.match(line)
        return m.group(1) if m and m.group(1) in wanted else None

    wanted = set(names)
    found: dict[str, CrawlSummary] = {}
    problems: list[str] = []

    def take(line: str) -> None:
        if not line.startswith("{"):
            return
        try:
            summary = CrawlSummary.model_validate_json(line)
        except ValueError as exc:
            problems.append(f"unparsable summary: {exc}")
            return
        if summary.site in wanted:
            found[summary.site] = summary
        else:  # the crawler's last-resort line ("?"): why the rest never came
            problems.extend(e.message for e in summary.errors)

    stderr_cb = (lambda line: on_line(site_of(line), line)) if on_line else None
    timed_out, code, tail = _run_streaming(cmd, env, hard, take, stderr_cb)
    if tail:
        logger.debug("crawl %s stderr:\n%s", ",".join(names[:5]), tail[-5000:])
    for name in names:
        if name in found:
            continue
        summary = CrawlSummary(site=name)
        if timed_out:  # a bound like the others: what was archived stays, the rest is missing
            summary.add_error(
                "limit_reached",
                "",
                f"crawl_timeout: crawl did not finish within {timeout:.0f}s",
                bound="crawl_timeout",
            )
            logger.warning("crawl of %s timed out: %s", name, tail[-2000:])
        else:
            why = "; ".join(problems[-2:]) or tail.strip()[-1000:]
            summary.add_error("crash", "", f"no summary (exit {code}): {why}")
        found[name] = summary
    return {name: found[name] for name in names}


def _run_streaming(
    cmd: list[str],
    env: dict[str, str],
    timeout: float | None,
    on_stdout: Callable[[str], None],
    on_stderr: Callable[[str], None] | None,
) -> tuple[bool, int, str]:
    """Run ``cmd``; hand each stdout line and each stderr line over as they arrive (stdout in a
    reader thread). Returns (killed by the timeout, exit code, the stderr tail)."""
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, errors="replace"
    )

    def read_stdout() -> None:
        for line in proc.stdout or ():
            try:
                on_stdout(line.strip())
            except Exception:  # noqa: BLE001 - one bad line never loses the others
                logger.debug("summary line failed", exc_info=True)

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer is not None:
        timer.start()
    tail: deque[str] = deque(maxlen=200)
    try:
        for line in proc.stderr or ():
            tail.append(line)
            if on_stderr is None:
                continue
            try:
                on_stderr(line.rstrip("\n"))
            except Exception:  # noqa: BLE001 - a logging problem never stops a crawl
                logger.debug("on_line failed", exc_info=True)
        proc.wait()
    finally:
        expired = timer is not None and not timer.is_alive()
        if timer is not None:
            timer.cancel()
        reader.join()
    timed_out = expired and proc.returncode is not None and proc.returncode < 0
    return timed_out, proc.returncode, "".join(tail)
