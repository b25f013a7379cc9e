"""Soak: one real nightly run (``xxgk run``) against 200 local sites with injected faults.

A threaded server on 127.0.0.1 serves N sites (a list page and 3 reports each, 2019–2021,
generated with ``flows.demo_content.report_page``). Each report URL is assigned a fault from a
hash of its path: ``--error-rate`` answer 503 for ever, ``--stall-rate`` send half a body and
stall, and ``--transient-rate`` of all requests fail once with a 500 (a retry must recover).
Every report that is not permanently broken is "reachable" and must be archived and published.

Run: .venv/bin/python benchmarks/soak.py [--sites 200] [--workers 8] [--keep DIR]
Prints documents archived/published vs expected, errors by kind, wall time, peak memory (the
``xxgk`` process and its whole process tree) and the memory profile over the run. Exit 1 when a
reachable report is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from flows.demo_content import DemoReport, report_page  # noqa: E402

YEARS = (2019, 2020, 2021)


def _frac(path: str, salt: str) -> float:
    return int(hashlib.sha256((salt + path).encode()).hexdigest()[:8], 16) / 2**32


def fault_of(path: str, error_rate: float, stall_rate: float) -> str:
    """``error``, ``stall`` or ``ok`` for a report path (deterministic)."""
    x = _frac(path, "fault")
    if x < error_rate:
        return "error"
    return "stall" if x < error_rate + stall_rate else "ok"


@cache
def report_body(site: int, year: int) -> bytes:
    rep = DemoReport(
        f"浸泡{site:03d}县人民政府",
        year,
        "2019" if year < 2021 else "2021",
        [site % 7, 1, 0, year % 3, 0, 1],
    )
    return report_page(rep, site_title="浸泡县", date=f"{year + 1}-02-01").encode()


class Soak:
    """The server state: fault rates, first-seen paths, counters."""

    def __init__(self, sites: int, error: float, stall: float, transient: float) -> None:
        self.sites, self.error, self.stall, self.transient = sites, error, stall, transient
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.served: Counter[str] = Counter()

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        with self.lock:
            first = path not in self.seen
            self.seen.add(path)
        parts = path.strip("/").split("/")
        if first and _frac(path, "transient") < self.transient:
            return self.send(h, 500, b"busy", "transient")
        if len(parts) != 2 or not parts[0].startswith("s"):
            return self.send(h, 404, b"not found", "404")
        site = int(parts[0][1:])
        if parts[1] == "index.html":
            items = "".join(
                f"<li><a href='r{y}.html'>浸泡{site:03d}县人民政府{y}年政府信息公开工作年度报告</a>"
                f"<span>{y + 1}-02-01</span></li>"
                for y in YEARS
            )
            return self.send(h, 200, f"<html><body><ul>{items}</ul></body></html>".encode(), "list")
        year = int(parts[1][1:5])
        fault = fault_of(path, self.error, self.stall)
        if fault == "error":
            return self.send(h, 503, b"Service Unavailable", "error")
        if fault == "stall":
            h.send_response(200)
            h.send_header("Content-Length", "90000")
            h.end_headers()
            h.wfile.write(b"<html><body>" + b" " * 500)
            h.wfile.flush()
            with self.lock:
                self.served["stall"] += 1
            self.stop.wait(120)
            return None
        return self.send(h, 200, report_body(site, year), "report")

    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, what: str) -> None:
        with self.lock:
            self.served[what] += 1
        h.send_response(status)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def expected(self) -> set[str]:
        """Paths of the reachable reports."""
        return {
            f"/s{i}/r{y}.html"
            for i in range(self.sites)
            for y in YEARS
            if fault_of(f"/s{i}/r{y}.html", self.error, self.stall) == "ok"
        }


def serve(soak: Soak) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            soak.handle(self)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    httpd = Quiet(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def sites_toml(base: str, n: int) -> str:
    return "".join(
        f'[[site]]\nname = "soak{i:03d}"\npublisher = "浸泡{i:03d}县人民政府"\n'
        f'start_urls = ["{base}/s{i}/index.html"]\nallowed_domains = ["127.0.0.1"]\n\n'
        for i in range(n)
    )


def tree_rss(proc: psutil.Process) -> tuple[int, int]:
    """(RSS of the process, RSS of the process and all its descendants)."""
    try:
        own = proc.memory_info().rss
        total = own
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return own, total
    except psutil.Error:
        return 0, 0


def results(data: Path, base: str) -> tuple[set[str], set[str], Counter[str]]:
    """(archived report paths, published report paths, errors by stage:kind)."""
    db = sqlite3.connect(data / "archive" / "index.sqlite")
    archived = {
        u.removeprefix(base)
        for (u,) in db.execute("SELECT DISTINCT url FROM captures WHERE kind = 'report'")
    }
    db.close()
    import duckdb

    rel = duckdb.sql(
        f"SELECT source_url FROM read_parquet('{data}/warehouse/reports/*/*.parquet', "
        "hive_partitioning = true)"
    )
    published = {u.removeprefix(base) for (u,) in (rel.fetchall() if rel is not None else [])}
    kinds: Counter[str] = Counter()
    for path in (data / "errors").glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            rec = json.loads(line)
            kinds[f"{rec.get('stage')}:{rec.get('kind')}"] += 1
    return archived, published, kinds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--error-rate", type=float, default=0.05)
    ap.add_argument("--stall-rate", type=float, default=0.01)
    ap.add_argument("--transient-rate", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=8, help="crawl/parse task threads (Prefect)")
    ap.add_argument("--stall-timeout", type=float, default=5.0, help="DOWNLOAD_TIMEOUT, s")
    ap.add_argument("--keep", type=Path, default=None, help="data dir to keep (default: tmp)")
    args = ap.parse_args()

    soak = Soak(args.sites, args.error_rate, args.stall_rate, args.transient_rate)
    httpd = serve(soak)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="xxgk-soak-")
    root = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    data = root / "data"
    sites = root / "sites.toml"
    root.mkdir(parents=True, exist_ok=True)
    sites.write_text(sites_toml(base, args.sites), encoding="utf-8")
    crawl = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": args.stall_timeout,
        "RETRY_TIMES": 2,
        "XXGK_RETRY_BACKOFF_BASE": 0.2,
        "LOG_LEVEL": "ERROR",
    }
    env = {
        **os.environ,
        "XXGK_CRAWL_SETTINGS": json.dumps(crawl),
        "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": str(args.workers),
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    cmd = [str(REPO / ".venv" / "bin" / "xxgk"), "run", "--data-dir", str(data)]
    cmd += ["--sites-file", str(sites)]
    started = time.monotonic()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int, int]] = []
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    while proc.poll() is None:
        own, total = tree_rss(ps)
        if own:
            samples.append((time.monotonic() - started, own, total))
        time.sleep(0.5)
    reader.join(10)
    wall = time.monotonic() - started
    soak.stop.set()
    httpd.shutdown()

    expected = soak.expected()
    archived, published, kinds = results(data, base)
    mb = 1 << 20
    print(f"xxgk run exit {proc.returncode}; {args.sites} sites, {args.sites * 3} reports served")
    print(f"reachable reports expected : {len(expected)}")
    print(
        f"archived                   : {len(archived & expected)} (+{len(archived - expected)} other)"
    )
    print(f"published                  : {len(published & expected)}")
    missing = sorted(expected - (archived & published))
    print(f"missing                    : {len(missing)} {missing[:10]}")
    print(f"server answered            : {dict(soak.served)}")
    print("errors by kind             : " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(f"wall time                  : {wall:.1f} s")
    if samples:
        peak_own = max(s[1] for s in samples) / mb
        peak_tree = max(s[2] for s in samples) / mb
        print(
            f"peak RSS                   : xxgk {peak_own:.0f} MB, with children {peak_tree:.0f} MB"
        )
        profile = [
            samples[min(len(samples) - 1, int(len(samples) * q))]
            for q in (0.1, 0.25, 0.5, 0.75, 0.99)
        ]
        print(
            "xxgk RSS over the run      : "
            + ", ".join(f"{t:.0f}s {o / mb:.0f} MB" for t, o, _ in profile)
        )
    if proc.returncode not in (0, 3):  # 3: a site needs attention (injected faults)
        print((b"".join(out)).decode(errors="replace")[-3000:])
    if tmp is not None:
        tmp.cleanup()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
