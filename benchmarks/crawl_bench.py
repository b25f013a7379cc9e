"""Crawl throughput: our full crawler (listing + recognition + WARC archive + index) against a
bare Scrapy spider fetching the same URLs, on a generated local TRS-style site.

Run: .venv/bin/python benchmarks/crawl_bench.py [--reports 2000] [--per-page 20]
Prints pages/s of both and the ratio (target: ours within 1.1x of bare, issue 13).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CPU: list[tuple[float, float]] = []  # (ours, bare) CPU seconds per interleaved run
SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "XXGK_RETRY_BACKOFF_BASE": 0,
    "LOG_LEVEL": "ERROR",
}


def build_site(n_reports: int, per_page: int) -> dict[str, bytes]:
    pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nDisallow: /private/\n"}
    n_pages = (n_reports + per_page - 1) // per_page
    filler = (
        "<p class='MsoNormal'><span>本报告根据《中华人民共和国政府信息公开条例》编制。</span></p>"
        * 40
    )
    for p in range(n_pages):
        items = []
        for k in range(per_page):
            i = p * per_page + k
            if i >= n_reports:
                break
            items.append(
                f'<li><a href="./{2000 + i % 24}01/t{i:08d}.html" title="第{i}镇{2000 + i % 24}年政府信息公开工作年度报告">第{i}镇…</a><span>2022-01-01</span></li>'
            )
            items.append(f'<li><a href="./jd/{i}.html">关于第{i}镇年度报告的解读</a></li>')
        script = f'<script>createPageHTML({n_pages}, {p}, "index", "html");</script>'
        name = "index.html" if p == 0 else f"index_{p}.html"
        pages[f"/nb/{name}"] = (
            f"<html><head><meta charset='utf-8'></head><body><ul>{''.join(items)}</ul>{script}</body></html>".encode()
        )
    for i in range(n_reports):
        body = f"<html><head><meta charset='utf-8'><meta name='PubDate' content='2022-01-01'></head><body><div class='TRS_Editor'><h1>report {i}</h1>{filler}<table><tr><td>{i}</td></tr></table></div></body></html>"
        pages[f"/nb/{2000 + i % 24}01/t{i:08d}.html"] = body.encode()
    return pages


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            status = 200 if body is not None else 404
            body = body or b"not found"
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8",
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


BARE = textwrap.dedent(
    """
    import json, os, scrapy

    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            for url in json.load(open(os.environ["BENCH_URLS"])):
                yield scrapy.Request(url, callback=self.parse)
        def parse(self, response):
            self.crawler.stats.inc_value("bare/pages")
        def closed(self, reason):
            with open(os.environ["BENCH_OUT"], "w") as fh:
                fh.write(str(self.crawler.stats.get_value("bare/pages", 0)))
    """
)


def run_child(
    cmd: list[str], cwd: Path, env: dict[str, str] | None, out: Path
) -> tuple[float, float]:
    """(wall s, CPU s of the child: user + system, from os.wait4) of one subprocess."""
    t0 = time.perf_counter()
    with out.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.DEVNULL)
        _, _status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def run_once(
    base: str, pages: dict[str, bytes]
) -> tuple[tuple[int, float], tuple[int, float], dict[str, Any], float]:
    """One measurement of ours then bare; returns (pages, wall) for each."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        sites = t / "sites.toml"
        sites.write_text(
            f'[[site]]\nname = "bench"\npublisher = "本县人民政府"\nstart_urls = ["{base}/nb/index.html"]\nallowed_domains = ["127.0.0.1"]\n',
            encoding="utf-8",
        )
        cmd = [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--site",
            "bench",
            "--sites-file",
            str(sites),
            "--data-dir",
            str(t / "data"),
        ]
        for k, v in SETTINGS.items():
            cmd += ["--setting", f"{k}={json.dumps(v)}"]
        ours_wall, ours_cpu = run_child(cmd, REPO, None, t / "ours.out")
        summary = json.loads((t / "ours.out").read_text().strip().splitlines()[-1])
        ours_fetched = summary["pages"] + summary["new"]

        urls = [base + p for p in pages if p != "/robots.txt"]
        (t / "urls.json").write_text(json.dumps(urls))
        (t / "bare.py").write_text(BARE)
        bare_cmd = [
            sys.executable,
            "-m",
            "scrapy.cmdline",
            "runspider",
            str(t / "bare.py"),
            "-s",
            "ROBOTSTXT_OBEY=True",
            "-s",
            "TELNETCONSOLE_ENABLED=False",
        ]
        for k, v in SETTINGS.items():
            if not k.startswith("XXGK"):
                bare_cmd += ["-s", f"{k}={v}"]
        env = {**os.environ, "BENCH_URLS": str(t / "urls.json"), "BENCH_OUT": str(t / "bare.out")}
        bare_wall, bare_cpu = run_child(bare_cmd, t, env, t / "bare.log")
        out_file = t / "bare.out"
        bare_pages = int(out_file.read_text()) if out_file.exists() else 0
        CPU.append((ours_cpu, bare_cpu))
        warc_mb = sum(f.stat().st_size for f in (t / "data" / "archive").glob("*.warc.gz")) / 1e6
    return (ours_fetched, ours_wall), (bare_pages, bare_wall), summary, warc_mb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--per-page", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3, help="alternate runs; medians reported")
    args = ap.parse_args()
    pages = build_site(args.reports, args.per_page)
    httpd = serve(pages)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    ours_runs, bare_runs = [], []
    for _ in range(args.repeat):
        o, b, summary, warc_mb = run_once(base, pages)
        ours_runs.append(o)
        bare_runs.append(b)
    httpd.shutdown()
    ours_fetched, ours_wall = sorted(ours_runs, key=lambda r: r[1])[len(ours_runs) // 2]
    bare_pages, bare_wall = sorted(bare_runs, key=lambda r: r[1])[len(bare_runs) // 2]
    ours_rate = ours_fetched / ours_wall
    bare_rate = bare_pages / bare_wall if bare_wall else 0.0
    print(
        f"site: {args.reports} report pages, {len(pages) - 1 - args.reports} list pages; WARC {warc_mb:.1f} MB; {args.repeat} alternating runs, medians"
    )
    print(
        f"ours: {ours_fetched} pages fetched+archived in {ours_wall:.2f}s wall = {ours_rate:.0f} pages/s (runs: {[round(w, 2) for _, w in ours_runs]}); errors={len(summary['errors'])}"
    )
    print(
        f"bare: {bare_pages} pages fetched in {bare_wall:.2f}s wall = {bare_rate:.0f} pages/s (runs: {[round(w, 2) for _, w in bare_runs]})"
    )
    print(f"ratio ours/bare wall time: {ours_wall / bare_wall:.2f}x  (target <= 1.1x)")
    ours_cpu = statistics.median(c for c, _ in CPU)
    bare_cpu = statistics.median(b for _, b in CPU)
    print(
        f"CPU (user+sys of the crawl process): ours {ours_cpu:.2f}s, bare {bare_cpu:.2f}s, "
        f"ratio {ours_cpu / bare_cpu:.2f}x (runs: {[(round(c, 2), round(b, 2)) for c, b in CPU]})"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; the "
        "server runs in this process (Python threads), so wall time also measures its speed"
    )


if __name__ == "__main__":
    main()
