"""Backfill from the archive: plain Python vs the Prefect flow, at 1k and 5k reports.

Run: .venv/bin/python benchmarks/backfill_bench.py [--sizes 1000,5000]
For each size it writes N generated reports (the demo report generator, varied numbers and
publishers) into a fresh WARC archive, then runs in separate processes:
  plain  — flows.steps.archived_captures → parse_batch → publish_spools, no Prefect;
  flow   — flows.pipeline.backfill(source="archive") on Prefect's ephemeral server.
It prints reports/s, peak RSS of each process, and Prefect's share of the wall time (with and
without the ephemeral server's start-up, measured by a trivial flow in the same process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH = int(os.environ.get("BENCH_BATCH", "1000"))  # documents per parse task
PUBLISH_EVERY = int(os.environ.get("BENCH_PUBLISH_EVERY", "1000"))
sys.path.insert(0, str(ROOT))


def build_archive(data_dir: Path, n: int) -> Path:
    """Write ``n`` report pages into the archive; returns the sites file."""
    from crawler.archive import Archive
    from flows.demo_content import DemoReport, report_page

    rng = random.Random(7)
    archive = Archive(data_dir, commit_every=500)
    for i in range(n):
        year = 2019 + i % 4
        template = "2021" if year >= 2021 else "2019"
        rep = DemoReport(
            f"测试县第{i // 4}局",
            year,
            template,
            [rng.randint(0, 30) for _ in range(6)],
            spam=(i % 17 == 0),
            break_totals=(i % 23 == 0),
        )
        body = report_page(rep, site_title="测试县人民政府", date=f"{year + 1}-02-15").encode()
        archive.write_capture(
            url=f"http://127.0.0.1/bench/{year}/t{i}.html",
            body=body,
            site="bench",
            kind="report",
            content_type="text/html; charset=utf-8",
            title=f"{rep.publisher}{year}年政府信息公开工作年度报告",
            year=year,
        )
    archive.commit()
    archive.close()
    sites = data_dir / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "bench"\npublisher = "测试县人民政府"\nregion_code = "610000"\n'
        'start_urls = ["http://127.0.0.1/bench/"]\nallowed_domains = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    return sites


def _plain(data_dir: str, sites_file: str) -> dict[str, float]:
    from crawler.registry import load_sites
    from flows import steps

    t0 = time.perf_counter()
    caps = steps.archived_captures(Path(data_dir), None, None)
    sites = load_sites(sites_file)
    spools, parsed = [], 0
    for i in range(0, len(caps), BATCH):
        res = steps.parse_batch(
            caps[i : i + BATCH], Path(data_dir), sites, Path(data_dir) / "spool" / f"b{i}.jsonl"
        )
        spools.append(res.spool)
        parsed += res.parsed
        if len(spools) * BATCH >= PUBLISH_EVERY:
            steps.publish_spools(spools, str(Path(data_dir) / "wh_plain"))
            spools = []
    if spools:
        steps.publish_spools(spools, str(Path(data_dir) / "wh_plain"))
    return {"wall": time.perf_counter() - t0, "parsed": parsed}


def _flow(data_dir: str, sites_file: str) -> dict[str, float]:
    os.environ["PREFECT_HOME"] = str(Path(data_dir) / ".prefect")
    from flows.config import configure_prefect

    configure_prefect(Path(data_dir))
    from prefect import flow

    @flow
    def warmup() -> int:
        return 1

    t0 = time.perf_counter()
    warmup()
    start = time.perf_counter() - t0
    from flows.pipeline import backfill

    t1 = time.perf_counter()
    summary = backfill(
        years=[2019, 2020, 2021, 2022],
        source="archive",
        data_dir=data_dir,
        sites_file=sites_file,
        warehouse=str(Path(data_dir) / "wh_flow"),
        batch_size=BATCH,
        publish_every=PUBLISH_EVERY,
    )
    return {"wall": time.perf_counter() - t1, "start": start, "parsed": summary["published"]}


def child(mode: str, data_dir: str, sites_file: str) -> None:
    out = _plain(data_dir, sites_file) if mode == "plain" else _flow(data_dir, sites_file)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(data_dir, f"result-{mode}.json").write_text(json.dumps(out), encoding="utf-8")


def run_child(mode: str, data_dir: Path, sites: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    log = data_dir / f"{mode}.log"
    with log.open("w") as fh:
        subprocess.run(
            [sys.executable, __file__, "--child", mode, str(data_dir), str(sites)],
            stdout=fh,
            stderr=fh,
            check=False,
            timeout=3600,
        )
    result = data_dir / f"result-{mode}.json"
    if not result.exists():
        raise SystemExit(f"{mode} failed:\n{log.read_text()[-3000:]}")
    res: dict[str, float] = json.loads(result.read_text())
    res["process_wall"] = time.perf_counter() - t0
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'reports':>7} {'mode':6} {'wall s':>7} {'reports/s':>9} {'peak RSS MB':>11}  notes")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            t0 = time.perf_counter()
            sites = build_archive(data, n)
            build = time.perf_counter() - t0
            plain = run_child("plain", data, sites)
            fl = run_child("flow", data, sites)
            print(
                f"{n:>7} {'plain':6} {plain['wall']:>7.1f} {plain['parsed'] / plain['wall']:>9.1f} "
                f"{plain['rss_mb']:>11.0f}  archive built in {build:.1f} s"
            )
            overhead = (fl["wall"] - plain["wall"]) / fl["wall"]
            with_start = (fl["wall"] + fl["start"] - plain["wall"]) / (fl["wall"] + fl["start"])
            print(
                f"{n:>7} {'flow':6} {fl['wall']:>7.1f} {fl['parsed'] / fl['wall']:>9.1f} "
                f"{fl['rss_mb']:>11.0f}  Prefect overhead {overhead:.1%} of flow wall "
                f"({with_start:.1%} incl. {fl['start']:.1f} s ephemeral start)"
            )


if __name__ == "__main__":
    main()
