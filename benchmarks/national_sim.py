"""A national run, simulated: ``xxgk backfill`` then a nightly ``xxgk run`` over synthetic sites.

Run: .venv/bin/python benchmarks/national_sim.py [--scale 1.0] [--servers 4] [--keep DIR]

Serves 3,200 × ``--scale`` synthetic government sites on loopback from ``--servers`` server
processes (each site is a path prefix ``/s<i>/`` on one of them), 7 years of reports each
(2019–2025) in a realistic mix: about 85% HTML pages, 10% PDF, 4% DOCX and 1% DOC attachments of
article pages; list pages paged with TRS ``createPageHTML`` or plain 下一页 links, with news items
that are not reports among them; ~3% of HTML reports carry injected spam and ~2% have totals
that do not add up. The PDF/DOCX/DOC files are generated before the clock starts (one
LibreOffice process converts all the DOC files) and their preparation time is printed apart.

Then it runs the real CLI, politeness delays off (``XXGK_CRAWL_SETTINGS``):
  1. ``xxgk backfill --years 2019-2025`` into an empty data dir;
  2. the servers add 1% new reports (a sub-agency report on some sites) and
     ``xxgk run`` (the nightly flow) picks them up.
For each run it prints the wall time (and the part before the flow's first stage: CLI start and
Prefect's ephemeral server start), reports/s, peak RSS (the xxgk process, and with its crawl
subprocesses), the flow's own stage timings (crawl, archive listing, parse, publish) as shares of
the wall time, and the CPU seconds of the xxgk process, of its subprocesses and of the servers.
The published reports are read back from the warehouse and compared with what was served; the
runs' error records (a healthy simulation writes none) are counted by stage and kind, the first
few printed, before a temporary data dir is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import io
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "tests" / "fixtures" / "documents"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(DOCS))

from flows.demo_content import DemoReport, report_page  # noqa: E402

NATIONAL_SITES = 3200
YEARS = tuple(range(2019, 2026))
PER_PAGE = 4
MIX = (("html", 0.85), ("pdf", 0.95), ("docx", 0.99), ("doc", 1.0))
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "doc": ".doc"}
CTYPE = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}


def _frac(*parts: object) -> float:
    key = "/".join(str(p) for p in parts).encode()
    return int(hashlib.sha256(key).hexdigest()[:8], 16) / 2**32


@dataclass(frozen=True)
class Item:
    """One list entry of a site: a report (of some format) or a news page that is not one."""

    site: int
    year: int
    kind: str  # html | pdf | docx | doc | news
    agency: str = ""  # "" for the site's own report, else a sub-agency (the nightly's new ones)

    @property
    def publisher(self) -> str:
        return f"模拟{self.site:04d}县{self.agency or '人民政府'}"

    @property
    def key(self) -> str:
        return f"{self.year + 1}/t{self.year + 1}0215_{self.site}{'_' + self.agency_id if self.agency else ''}"

    @property
    def agency_id(self) -> str:
        return hashlib.sha1(self.agency.encode()).hexdigest()[:6]

    @property
    def title(self) -> str:
        if self.kind == "news":
            return f"模拟{self.site:04d}县{self.year}年部门预算公开"
        return f"{self.publisher}{self.year}年政府信息公开工作年度报告"

    @property
    def date(self) -> str:
        return f"{self.year + 1}-02-15"

    def report(self) -> DemoReport:
        seed = _frac("numbers", self.site, self.year, self.agency)
        nums = [int(seed * 10**k) % (7 + 5 * k) for k in range(1, 7)]
        spam = self.kind == "html" and _frac("spam", self.site, self.year) < 0.03
        broken = _frac("broken", self.site, self.year, self.agency) < 0.02
        tmpl = "2019" if self.year < 2021 else "2021"
        return DemoReport(self.publisher, self.year, tmpl, nums, spam=spam, break_totals=broken)


def kind_of(site: int, year: int) -> str:
    x = _frac("format", site, year)
    return next(kind for kind, upto in MIX if x < upto)


def site_items(site: int, nightly: bool, new_sites: int) -> list[Item]:
    """The list of a site, newest first; the nightly adds one report on the first sites."""
    items = [Item(site, y, kind_of(site, y)) for y in YEARS]
    items += [Item(site, y, "news") for y in (2021, 2024)]
    if nightly and site < new_sites:
        items.append(Item(site, YEARS[-1], "html", agency="教育局"))
    return sorted(items, key=lambda it: (it.year, it.kind != "news", it.agency), reverse=True)


def list_page(site: int, page: int, items: list[Item]) -> bytes:
    pages = max(1, (len(items) + PER_PAGE - 1) // PER_PAGE)
    chunk = items[page * PER_PAGE : (page + 1) * PER_PAGE]
    lis = "".join(
        f'<li><a href="./{it.key}.html" title="{html.escape(it.title)}">{html.escape(it.title)}'
        f"</a><span>{it.date}</span></li>"
        for it in chunk
    )
    if site % 2 == 0:  # TRS: index.html, index_1.html … with createPageHTML
        nav = f'<script>createPageHTML({pages}, {page}, "index", "html");</script>'
    else:  # plain 下一页 links: list.html, list_2.html …
        nav = f'<a href="list_{page + 2}.html">下一页</a>' if page + 1 < pages else ""
    return (
        f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
        f'<div class="nav">首页 &gt; 政务公开</div><ul class="list">{lis}</ul>{nav}</body></html>'
    ).encode()


def article_page(it: Item) -> bytes:
    """The article page of an attachment report: a short notice and the link."""
    name = f"P0{it.year + 1}0215{it.site:04d}{SUFFIX[it.kind]}"
    return (
        f'<html><head><meta charset="utf-8"><title>{html.escape(it.title)}</title></head><body>'
        f'<h1>{html.escape(it.title)}</h1><div class="info">发布时间：{it.date}</div>'
        f'<div class="TRS_Editor"><p>{html.escape(it.title)}已编制完成，现予公布。</p>'
        f'<p>附件：<a href="{name}">{html.escape(it.title)}{SUFFIX[it.kind]}</a></p></div>'
        "</body></html>"
    ).encode()


def news_page(it: Item) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"></head><body><h1>{html.escape(it.title)}</h1>'
        "<p>部门预算公开内容。</p></body></html>"
    ).encode()


# ------------------------------------------------------------------------------ attachments
def _pdf(it: Item) -> bytes:
    from make_fixtures import render_pdf
    from report_specs import report

    tmpl = "2019" if it.year < 2021 else "2021"
    spec = report(tmpl, seed=int(_frac("seed", it.site, it.year) * 1000))
    old_year = "2020" if tmpl == "2019" else "2021"
    spec.title = it.title
    spec.blocks = [
        b.replace("某某县人民政府", it.publisher)
        .replace("某某县", it.publisher)
        .replace(old_year, str(it.year))
        if isinstance(b, str)
        else b
        for b in spec.blocks
    ]
    spec.blocks[0] = it.title
    pdf: bytes = render_pdf(spec)
    return pdf


_BASE_PUBLISHER = "模拟基准县人民政府"
_DOCX_BASES: dict[tuple[str, bool], bytes] = {}


def _docx(it: Item) -> bytes:
    """The report as DOCX: a base document per template, publisher and year written in.

    python-docx needs seconds per document with merged cells, so each base is built once and
    its ``word/document.xml`` text is replaced per report (publisher, year, first count).
    """
    from flows.demo_docx import report_docx

    rep = it.report()
    base_year = 2020 if rep.template == "2019" else 2022
    key = (rep.template, rep.break_totals)
    if key not in _DOCX_BASES:
        base = DemoReport(
            _BASE_PUBLISHER, base_year, rep.template, [97, 0, 0, 0, 0, 0],
            break_totals=rep.break_totals,
        )  # fmt: skip
        _DOCX_BASES[key] = report_docx(base)
    source = zipfile.ZipFile(io.BytesIO(_DOCX_BASES[key]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8").replace(_BASE_PUBLISHER, it.publisher)
                data = text.replace(f"{base_year}年", f"{it.year}年").encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def attachment_path(cache: Path, it: Item) -> Path:
    return cache / f"{it.site:04d}-{it.year}{SUFFIX[it.kind]}"


def _make_one(args: tuple[str, int, int, str]) -> None:
    cache, site, year, kind = args
    it = Item(site, year, kind)
    out = attachment_path(Path(cache), it)
    if kind == "pdf":
        out.write_bytes(_pdf(it))
    else:  # docx, and the docx a doc is converted from
        out.with_suffix(".docx").write_bytes(_docx(it))


def prepare_attachments(cache: Path, n_sites: int, procs: int) -> dict[str, int]:
    """Generate every PDF/DOCX/DOC attachment into ``cache`` (DOCs via one soffice process)."""
    jobs = [
        (str(cache), s, y, k)
        for s in range(n_sites)
        for y in YEARS
        if (k := kind_of(s, y)) != "html"
    ]
    for tmpl_year in (2020, 2022):  # the DOCX bases, built once before the workers fork
        for site in range(n_sites):
            if _frac("broken", site, tmpl_year, "") < 0.02:
                _docx(Item(site, tmpl_year, "docx"))
                break
        _docx(Item(0 if _frac("broken", 0, tmpl_year, "") >= 0.02 else 1, tmpl_year, "docx"))
    todo = [j for j in jobs if not attachment_path(cache, Item(j[1], j[2], j[3])).exists()]
    with mp.get_context("fork").Pool(procs) as pool:
        pool.map(_make_one, todo, chunksize=8)
    docs = [
        attachment_path(cache, Item(s, y, k)).with_suffix(".docx")
        for _, s, y, k in todo
        if k == "doc"
    ]
    if docs:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise SystemExit("LibreOffice (soffice) is needed to make the DOC attachments")
        with tempfile.TemporaryDirectory(prefix="xxgk-sim-lo-") as lo:
            out = cache / "doc"
            subprocess.run(
                [soffice, f"-env:UserInstallation={Path(lo).as_uri()}", "--headless",
                 "--convert-to", "doc:MS Word 97", "--outdir", str(out), *map(str, docs)],
                check=True, capture_output=True, timeout=3600,
            )  # fmt: skip
        for d in docs:
            (out / d.with_suffix(".doc").name).replace(d.with_suffix(".doc"))
            d.unlink()
    counts: dict[str, int] = {}
    for _, _, _, k in jobs:
        counts[k] = counts.get(k, 0) + 1
    return counts


# ---------------------------------------------------------------------------------- servers
_PATH = re.compile(r"^/s(\d+)/(?:(index(?:_(\d+))?|list(?:_(\d+))?)\.html|(\d{4})/([^/]+))$")


def serve_forever(
    index: int, servers: int, n_sites: int, new_sites: int, cache: str, nightly: Any, port_q: Any
) -> None:
    """One server process: the sites ``i`` with ``i % servers == index``."""
    cache_dir = Path(cache)

    def answer(path: str) -> tuple[int, bytes, str]:
        m = _PATH.match(path)
        if not m or int(m.group(1)) % servers != index or int(m.group(1)) >= n_sites:
            return 404, b"not found", "text/html"
        site = int(m.group(1))
        items = site_items(site, nightly.is_set(), new_sites)
        if m.group(2):  # a list page
            page = (
                int(m.group(3) or 0) if m.group(2).startswith("index") else int(m.group(4) or 1) - 1
            )
            if (site % 2 == 0) != m.group(2).startswith("index") or page * PER_PAGE >= len(items):
                return 404, b"not found", "text/html"
            return 200, list_page(site, page, items), "text/html; charset=utf-8"
        name = f"{m.group(5)}/{m.group(6)}"
        for it in items:
            if name == f"{it.key}.html":
                if it.kind == "news":
                    return 200, news_page(it), "text/html; charset=utf-8"
                if it.kind == "html":
                    body = report_page(it.report(), site_title=f"模拟{site:04d}县", date=it.date)
                    return 200, body.encode(), "text/html; charset=utf-8"
                return 200, article_page(it), "text/html; charset=utf-8"
            if (
                it.kind in SUFFIX
                and name == f"{it.year + 1}/P0{it.year + 1}0215{site:04d}{SUFFIX[it.kind]}"
            ):
                return 200, attachment_path(cache_dir, it).read_bytes(), CTYPE[it.kind]
        return 404, b"not found", "text/html"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                status, body, ctype = 200, b"User-agent: *\nDisallow: /private/\n", "text/plain"
            else:
                status, body, ctype = answer(path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    httpd = Quiet(("127.0.0.1", 0), Handler)
    port_q.put((index, httpd.server_address[1]))
    httpd.serve_forever()


# ---------------------------------------------------------------------------------- a run
def tree(proc: psutil.Process) -> tuple[int, int]:
    """(RSS of the process, RSS of it and its descendants)."""
    try:
        own = total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return own, total
    except psutil.Error:
        return 0, 0


_STAGES = re.compile(r"stage timings: (.*)$")


def run_cli(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``xxgk ARGS``; wall time, peak RSS, CPU split and the flow's stage timings."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    clock = time.time()
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [str(REPO / ".venv" / "bin" / "xxgk"), *args],
            env=env, stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
        ps = psutil.Process(proc.pid)
        peak_own = peak_tree = 0
        own_cpu = 0.0
        while proc.poll() is None:
            own, total = tree(ps)
            peak_own, peak_tree = max(peak_own, own), max(peak_tree, total)
            with contextlib.suppress(psutil.Error):
                t = ps.cpu_times()
                own_cpu = t.user + t.system
            time.sleep(0.25)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = log.read_text("utf-8", errors="replace")
    stages: dict[str, float] = {}
    for line in text.splitlines():
        if m := _STAGES.search(line):
            for part in m.group(1).split(","):
                name, _, secs = part.strip().removesuffix(" s").rpartition(" ")
                stages[name] = float(secs)
    return {
        "exit": proc.returncode,
        "wall": wall,
        "peak_own_mb": peak_own / 2**20,
        "peak_tree_mb": peak_tree / 2**20,
        "cpu_own": own_cpu,
        "cpu_children": max(0.0, total_cpu - own_cpu),
        "stages": stages,
        "startup": _startup(text, clock),
        "log": text,
    }


_FIRST = re.compile(r"^(\d\d):(\d\d):(\d\d)  ", re.MULTILINE)


def _startup(text: str, clock: float) -> float | None:
    """Seconds from the CLI's launch to the flow's first log line (CLI import + Prefect server
    start + flow run creation), from the log's HH:MM:SS stamps (1 s resolution)."""
    m = _FIRST.search(text)
    if m is None:
        return None
    launched = time.localtime(clock)
    first = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    at = launched.tm_hour * 3600 + launched.tm_min * 60 + launched.tm_sec + (clock % 1)
    return (first - at) % 86400


def published(data: Path) -> tuple[int, dict[str, int]]:
    """(reports in the warehouse, count by validation status)."""
    import duckdb

    glob = f"{data}/warehouse/reports/**/*.parquet"
    rel = duckdb.sql(
        f"SELECT validation_status, count(*) FROM read_parquet('{glob}', hive_partitioning=true)"
        " GROUP BY 1"
    )
    rows = rel.fetchall() if rel is not None else []
    by = {str(k): int(n) for k, n in rows}
    return sum(by.values()), by


def error_records(data: Path, show: int = 10) -> None:
    """Count the runs' error records by stage and kind and print the first few (a healthy
    simulation writes none: every served report is published)."""
    records: list[dict[str, Any]] = []
    for path in sorted((data / "errors").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
    if not records:
        return
    kinds: dict[str, int] = {}
    for rec in records:
        key = f"{rec.get('stage')}/{rec.get('kind')}"
        kinds[key] = kinds.get(key, 0) + 1
    print(
        f"error records: {len(records)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
    )
    for rec in records[:show]:
        print(
            f"  {rec.get('stage')}/{rec.get('kind')} {rec.get('url')}: {str(rec.get('message'))[:200]}"
        )


def report(name: str, res: dict[str, Any], reports: int, server_cpu: float, sites: int) -> None:
    wall = res["wall"]
    stages = res["stages"]
    flow_s = sum(stages.values())
    print(f"\n{name}: exit {res['exit']}, wall {wall:.1f} s, {reports} reports, "
          f"{reports / wall:.1f} reports/s")  # fmt: skip
    print(f"  before/after the flow's stages (CLI start, Prefect server start, shutdown): "
          f"{wall - flow_s:.1f} s ({(wall - flow_s) / wall:.0%})")  # fmt: skip
    if res.get("startup") is not None:
        print(f"  of which before the flow's first line (CLI start + Prefect server start): "
              f"{res['startup']:.0f} s; wall without it {wall - res['startup']:.1f} s")  # fmt: skip
    if stages:
        print("  stages: " + ", ".join(
            f"{k} {v:.1f} s ({v / wall:.0%})" for k, v in stages.items()))  # fmt: skip
    print(
        f"  peak RSS: xxgk {res['peak_own_mb']:.0f} MB, with subprocesses {res['peak_tree_mb']:.0f} MB"
    )
    print(f"  CPU: xxgk process {res['cpu_own']:.0f} s, its subprocesses (crawls, converters) "
          f"{res['cpu_children']:.0f} s ({res['cpu_children'] / sites:.2f} s per site crawled), "
          f"sim servers {server_cpu:.1f} s")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the 3,200 sites")
    ap.add_argument("--servers", type=int, default=4, help="server processes")
    ap.add_argument("--crawl-concurrency", type=int, default=None, help="XXGK_CRAWL_CONCURRENCY")
    ap.add_argument("--keep", type=Path, default=None, help="work dir to keep (default: tmp)")
    ap.add_argument("--no-nightly", action="store_true")
    args = ap.parse_args()
    n_sites = max(2, round(NATIONAL_SITES * args.scale))
    served = n_sites * len(YEARS)
    new_sites = max(1, round(served * 0.01))  # 1% new reports, one on each of the first sites
    new_sites = min(new_sites, n_sites)

    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="xxgk-national-")
    root = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    cache = root / "attachments"
    cache.mkdir(exist_ok=True)
    t0 = time.monotonic()
    counts = prepare_attachments(cache, n_sites, max(1, (os.cpu_count() or 2)))
    counts["html"] = served - sum(counts.values())
    prep = time.monotonic() - t0
    print(f"{n_sites} sites × {len(YEARS)} years = {served} reports "
          f"({', '.join(f'{k} {counts.get(k, 0)}' for k in ('html', 'pdf', 'docx', 'doc'))}); "
          f"attachments generated in {prep:.1f} s (not timed below)")  # fmt: skip

    ctx = mp.get_context("fork")
    nightly = ctx.Event()
    port_q = ctx.Queue()
    procs = [
        ctx.Process(
            target=serve_forever,
            args=(i, args.servers, n_sites, new_sites, str(cache), nightly, port_q),
            daemon=True,
        )
        for i in range(args.servers)
    ]
    for p in procs:
        p.start()
    ports = dict(port_q.get(timeout=30) for _ in procs)
    sites = root / "sites.toml"
    sites.write_text(
        "".join(
            f'[[site]]\nname = "sim{i:04d}"\npublisher = "模拟{i:04d}县人民政府"\n'
            f'start_urls = ["http://127.0.0.1:{ports[i % args.servers]}/s{i}/'
            f'{"index" if i % 2 == 0 else "list"}.html"]\nallowed_domains = ["127.0.0.1"]\n\n'
            for i in range(n_sites)
        ),
        encoding="utf-8",
    )
    data = root / "data"
    env = {
        **os.environ,
        "XXGK_CRAWL_SETTINGS": json.dumps(
            {
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS": 16,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "XXGK_RETRY_BACKOFF_BASE": 0,
                "LOG_LEVEL": "ERROR",
            }  # fmt: skip
        ),
        "PREFECT_HOME": str(root / "prefect"),
    }
    if args.crawl_concurrency:
        env["XXGK_CRAWL_CONCURRENCY"] = str(args.crawl_concurrency)
    common = ["--data-dir", str(data), "--sites-file", str(sites)]
    server_ps = [psutil.Process(p.pid) for p in procs]

    def server_cpu() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in server_ps)

    print(f"servers: {args.servers} processes on 127.0.0.1 ports {sorted(ports.values())}; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    cpu0 = server_cpu()
    back = run_cli(
        ["backfill", "--years", f"{YEARS[0]}-{YEARS[-1]}", *common], env, root / "backfill.log"
    )
    cpu1 = server_cpu()
    n_back, by_status = published(data)
    report("backfill", back, n_back, cpu1 - cpu0, n_sites)
    print(f"  published {n_back} of {served} served ({by_status})")
    ok = back["exit"] in (0, 2) and n_back == served
    if not args.no_nightly:
        nightly.set()
        night = run_cli(["run", *common], env, root / "nightly.log")
        n_night, _ = published(data)
        report("nightly", night, n_night - n_back, server_cpu() - cpu1, n_sites)
        print(f"  new reports served {new_sites}, published {n_night - n_back}")
        ok = ok and night["exit"] in (0, 2) and n_night - n_back == new_sites
    for p in procs:
        p.terminate()
    if not ok:
        print("\nsomething is missing or a run failed; last lines of the backfill log:")
        print(back["log"][-3000:])
    error_records(data)  # read before the temporary data dir goes
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
