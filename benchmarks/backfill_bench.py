"""Backfill from the archive: plain Python vs the Prefect flow, at 1k and 5k reports.

Run: .venv/bin/python benchmarks/backfill_bench.py [--sizes 1000,5000]
For each size it writes N generated reports (the demo report generator, varied numbers and
publishers) into a fresh WARC archive, then runs in separate processes:
  plain  — the flow's own body (``flows.pipeline._run``) with each Prefect task replaced by its
           function on the same threads: the same batches, spools, publishes, ledger and
           overlap of parsing with publishing, no Prefect;
  flow   — ``flows.pipeline.backfill(source="archive")`` on Prefect's ephemeral server.
Runs alternate (plain, flow, plain, flow …, ``--repeat`` each) and medians are quoted. It prints
reports/s, peak RSS of each process and Prefect's share of the flow's wall time — against the
plain run — plus the CPU its server process used.
The ephemeral server's start (a trivial flow run first in the same process) is printed apart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


_POOL = ThreadPoolExecutor(max_workers=4)  # what the flow's ThreadPoolTaskRunner gives


class _NoPrefect:
    """A task replaced by its plain function, submitted to threads as the flow's runner does.

    The flow parses the next batch on a thread while the previous chunk publishes, so the bare
    run must overlap them the same way to do the same work.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def submit(self, *args: Any) -> Future[Any]:
        return _POOL.submit(self.fn, *args)


_TIMED: dict[str, float] = {}


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _TIMED[name] = _TIMED.get(name, 0.0) + time.perf_counter() - t0

    return wrapper


def _params(data_dir: str, sites_file: str, warehouse: str) -> dict[str, Any]:
    return {
        "source": "archive",
        "sites": None,
        "years": [2019, 2020, 2021, 2022],
        "data_dir": data_dir,
        "sites_file": sites_file,
        "warehouse": str(Path(data_dir) / warehouse),
        "batch_size": BATCH,
        "publish_every": PUBLISH_EVERY,
    }


def _plain(data_dir: str, sites_file: str) -> dict[str, float]:
    """The flow's own code (``flows.pipeline._run``) with each task replaced by its function."""
    from flows import pipeline, steps

    pipeline.parse_batch_task = _NoPrefect(pipeline.parse_batch_task.fn)  # type: ignore[assignment]
    pipeline.publish_task = _NoPrefect(pipeline.publish_task.fn)  # type: ignore[assignment]
    # the audit of what was published too: as a Prefect task outside a flow it would start an
    # ephemeral server inside the floor (what made the floor slower than the flow before)
    pipeline.audit_task = _NoPrefect(pipeline.audit_task.fn)  # type: ignore[assignment]
    setattr(pipeline, "create_table_artifact", lambda **_: None)  # noqa: B010 - no artifact
    setattr(pipeline, "create_markdown_artifact", lambda **_: None)  # noqa: B010 - no artifact
    for name in ("parse_batch", "publish_spools", "archived_captures"):
        setattr(steps, name, _timed(name, getattr(steps, name)))
    p = _params(data_dir, sites_file, "wh_plain")
    t0 = time.perf_counter()
    summary = pipeline._run(  # noqa: SLF001 - the flow body, run bare on purpose
        "backfill", p["source"], p["sites"], p["years"], data_dir, sites_file, p["warehouse"],
        BATCH, PUBLISH_EVERY, 0.0, only_new=False, parse_concurrency=1,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if _server_children():  # the floor must not have used Prefect
        raise SystemExit("the plain run started Prefect's server: a task or artifact was left in")
    return {"wall": wall, "parsed": summary["published"], "work": sum(_TIMED.values())}


def _server_children() -> int:
    """Live child processes that are Prefect's ephemeral API server."""
    import psutil

    found = 0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            line = " ".join(child.cmdline())
            found += "uvicorn" in line or "prefect.server" in line
    return found


def _children_cpu(kind: str = "server") -> float:
    """CPU seconds of the live child processes of ``kind``: ``server`` (Prefect's ephemeral API
    server: uvicorn) or ``other`` (the parse workers and anything else)."""
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            line = " ".join(child.cmdline())
            is_server = "uvicorn" in line or "prefect.server" in line
            if is_server != (kind == "server"):
                continue
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


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
    from flows import pipeline, steps

    for name in ("parse_batch", "publish_spools", "archived_captures"):
        setattr(steps, name, _timed(name, getattr(steps, name)))
    p = _params(data_dir, sites_file, "wh_flow")
    server0 = _children_cpu()
    t1 = time.perf_counter()
    summary = pipeline.backfill(**{k: v for k, v in p.items()})
    wall = time.perf_counter() - t1
    return {
        "wall": wall,
        "start": start,
        "parsed": summary["published"],
        "work": sum(_TIMED.values()),
        "server_cpu": _children_cpu() - server0,
        "other_children_cpu": _children_cpu("other"),
    }


def child(mode: str, data_dir: str, sites_file: str) -> None:
    out = _plain(data_dir, sites_file) if mode == "plain" else _flow(data_dir, sites_file)
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(data_dir, f"result-{mode}.json").write_text(json.dumps(out), encoding="utf-8")


def run_child(mode: str, data_dir: Path, sites: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    log = data_dir / f"{mode}.log"
    result = data_dir / f"result-{mode}.json"
    result.unlink(missing_ok=True)
    for wh in ("wh_plain", "wh_flow", "spool", "state", ".prefect"):
        shutil.rmtree(data_dir / wh, ignore_errors=True)
    with log.open("w") as fh:
        subprocess.run(
            [sys.executable, __file__, "--child", mode, str(data_dir), str(sites)],
            stdout=fh,
            stderr=fh,
            check=False,
            timeout=3600,
        )
    if not result.exists():
        raise SystemExit(f"{mode} failed:\n{log.read_text()[-3000:]}")
    res: dict[str, float] = json.loads(result.read_text())
    res["process_wall"] = time.perf_counter() - t0
    return res


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs of each; medians")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    print(
        f"batch {BATCH} documents per parse task, publish every {PUBLISH_EVERY}; "
        f"{args.repeat} interleaved runs of each mode, medians; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'reports':>7} {'mode':6} {'wall s':>7} {'reports/s':>9} {'peak RSS MB':>11}  notes")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            t0 = time.perf_counter()
            sites = build_archive(data, n)
            build = time.perf_counter() - t0
            runs: dict[str, list[dict[str, float]]] = {"plain": [], "flow": []}
            for _ in range(args.repeat):
                for mode in ("plain", "flow"):
                    runs[mode].append(run_child(mode, data, sites))

            def med(mode: str, key: str, runs: dict[str, list[dict[str, float]]] = runs) -> float:
                return _median([r[key] for r in runs[mode]])

            plain, flow = med("plain", "wall"), med("flow", "wall")
            parsed = runs["flow"][0]["parsed"]
            print(
                f"{n:>7} {'plain':6} {plain:>7.2f} {parsed / plain:>9.1f} "
                f"{med('plain', 'rss_mb'):>11.0f}  the flow body without Prefect; archive built in "
                f"{build:.1f} s; runs {[round(r['wall'], 2) for r in runs['plain']]}"
            )
            start = med("flow", "start")
            share = (flow - plain) / flow
            print(
                f"{n:>7} {'flow':6} {flow:>7.2f} {parsed / flow:>9.1f} "
                f"{med('flow', 'rss_mb'):>11.0f}  runs {[round(r['wall'], 2) for r in runs['flow']]}"
            )
            print(
                f"{'':>7} Prefect share of the flow wall: {share:.1%} vs plain (ratio "
                f"{flow / plain:.2f}x); its server "
                f"process used {med('flow', 'server_cpu'):.1f} s CPU meanwhile (other live child "
                f"processes at the end: {med('flow', 'other_children_cpu'):.1f} s)"
            )
            print(
                f"{'':>7} not included above: the ephemeral server start, {start:.1f} s "
                f"(with it, Prefect's share is {(flow + start - plain) / (flow + start):.1%})"
            )


if __name__ == "__main__":
    main()
