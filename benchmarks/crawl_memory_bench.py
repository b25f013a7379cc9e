"""Peak RSS of one crawl process receiving one large report body (default 150 MB).

A local server streams the body in 64 KB writes (it never holds it); the crawl process is our
real crawler (``python -m crawler crawl``: listing, spooling handler, WARC archive, index).
Modes, run interleaved, medians of ``--repeat``:

- ``spool``:    DOWNLOAD_MAXSIZE raised to 200 MB so the body is received whole, streamed to disk
                (the default handler, XXGK_SPOOL_BYTES 4 MB);
- ``memory``:   the same with XXGK_SPOOL_BYTES=0 (Scrapy's in-memory body: the old behaviour);
- ``default``:  the shipped settings: the body passes the 64 MB cap and is refused (too_large).

Peak RSS is the child's ``ru_maxrss`` from ``os.wait4`` (the crawl process alone, not the
server). Target: spool mode under 300 MB. The Python + Scrapy + Twisted baseline of a crawl
process (about 70-90 MB) is part of every figure.

Run: .venv/bin/python benchmarks/crawl_memory_bench.py [--mb 150] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHUNK = b"%PDF" + bytes(range(256)) * 255 + b"0" * 1020  # 65,284 bytes of non-repeating-ish data


def serve(size: int) -> ThreadingHTTPServer:
    """A list page and one report of ``size`` bytes, streamed."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                body = b"User-agent: *\nDisallow:\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/nb/index.html":
                body = (
                    "<html><head><meta charset='utf-8'></head><body><ul><li>"
                    "<a href='/nb/big.pdf'>本县2022年政府信息公开工作年度报告</a></li></ul>"
                    "</body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/nb/big.pdf":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                sent = 0
                try:
                    while sent < size:
                        part = CHUNK[: size - sent]
                        self.wfile.write(part)
                        sent += len(part)
                except OSError:
                    pass  # the crawler gave up at its cap
            else:
                self.send_error(404)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def crawl(base: str, settings: dict[str, object]) -> tuple[float, float, dict[str, object]]:
    """(peak RSS MB, wall s, summary) of one crawl subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        sites = t / "sites.toml"
        sites.write_text(
            f'[[site]]\nname = "mem"\npublisher = "本县人民政府"\n'
            f'start_urls = ["{base}/nb/index.html"]\nallowed_domains = ["127.0.0.1"]\n',
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "crawler", "crawl", "--site", "mem"]
        cmd += ["--sites-file", str(sites), "--data-dir", str(t / "data")]
        base_settings = {
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_TIMEOUT": 600,
        }
        for k, v in {**base_settings, **settings}.items():
            cmd += ["--setting", f"{k}={json.dumps(v)}"]
        out = t / "out.json"
        t0 = time.perf_counter()
        with out.open("w") as fh:
            proc = subprocess.Popen(cmd, cwd=REPO, stdout=fh, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        summary = json.loads(out.read_text().strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, wall, summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=150, help="body size in MB")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    size = args.mb * 1024 * 1024
    httpd = serve(size)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    modes: dict[str, dict[str, object]] = {
        "spool": {"DOWNLOAD_MAXSIZE": 200 * 1024 * 1024},
        "memory": {"DOWNLOAD_MAXSIZE": 200 * 1024 * 1024, "XXGK_SPOOL_BYTES": 0},
        "default": {},
    }
    results: dict[str, list[tuple[float, float, dict[str, object]]]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for mode, settings in modes.items():  # interleaved
            results[mode].append(crawl(base, settings))
    httpd.shutdown()
    print(f"one report body of {args.mb} MB ({size:,} bytes) streamed by a local server")
    for mode, runs in results.items():
        rss = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        summary = runs[-1][2]
        errors = [e["kind"] for e in summary["errors"]]  # type: ignore[union-attr,index]
        print(
            f"{mode:8} peak RSS {rss:7.0f} MB  wall {wall:6.1f}s  new={summary['new']} "
            f"spooled={summary.get('spooled')} errors={errors}  (runs: {[round(r[0]) for r in runs]})"
        )
    print("target: spool mode < 300 MB peak RSS (includes the ~80 MB Python/Scrapy baseline)")


if __name__ == "__main__":
    main()
