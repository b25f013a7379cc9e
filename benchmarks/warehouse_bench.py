"""Benchmark ``warehouse.publish`` against an honest floor, full and incremental.

Run: ``.venv/bin/python benchmarks/warehouse_bench.py [--reports 10000] [--bases 10000,100000]
[--new 1000] [--repeats 3] [--dir /tmp/x]``

Cases (each timed run in a fresh process; runs interleaved; medians quoted). What a timing
counts, for the project and the floor alike: the clock starts once the process has imported
``warehouse`` (pyarrow, pydantic) and generated the reports, and stops when the call returns;
interpreter start and those imports are left out of both, lazy imports and first-call costs
inside the calls (pandas behind pyarrow's first conversion) are in both. The project gets each
report with its spool line (``warehouse.Spooled``: the ``model_dump_json()`` bytes the flow
reads from its spool, made before the clock starts like the reports); the floor gets the
reports.

- **full**: ``--reports`` reports into an empty warehouse. Floor: the same Report → Arrow
  conversion (``reports_to_tables``) and ``pq.write_to_dataset`` partitioned by ``year``, zstd.
- **incremental**: ``--new`` new reports (the next year's reports of existing publishers, as a
  nightly run finds them, so the cross-year checks read the previous year) into warehouses of
  each ``--bases`` size. Floor: the same conversion of the new reports and a partitioned
  ``pq.write_to_dataset`` that appends new files (what "append the rows" costs at least).
- **warm**: the incremental case again inside one process that has already published once
  (what a flow's second and later publishes cost), project and floor alternating; without the
  ~0.2 s of first-call costs both fresh processes pay, this ratio is the higher one. Also timed
  there: the project given plain ``Report`` objects (hashed by serialising each), and as many
  reports replacing stored 2025 ones (printed beside the headline; the floor only appends).
  Each warm run publishes into a copy of the base as built (2019–2025), so its 2026 reports
  are new: the incremental runs add 2026–2028 reports to the base itself.
- **unchanged**: the same reports published again (skipped by hash).
- **memory**: peak RSS of the process publishing ``--new`` into each base (imports and the
  generation of the new reports included, identical in both) and the ratio between bases.

Each case prints wall and CPU medians, their ratios to the floor and the median of the per-round
wall ratios (a round runs the floor and every case back to back). Reports carry the
``publisher_key`` the parser gives them.

Reports come from ``warehouse.synthetic`` reshaped to realistic sizes (14–19 table 二 numbers,
28–30 table 三 rows, 15 table 四 numbers). Bases are built once (streamed in chunks of 10k,
then ``compact``); building is not timed.
"""

from __future__ import annotations

import argparse
import functools
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
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from parsing.models import ActiveDisclosure, ApplicationRow, Report
from parsing.publishers import identify
from warehouse import TABLES, Spooled, compact, publish, reports_to_tables
from warehouse.rows import report_json
from warehouse.synthetic import make_report

YEARS = range(2019, 2026)
NEW_YEAR = 2026
_SUBTOTALS = [("3.3", "不予公开"), ("3.4", "无法提供"), ("3.5", "不予处理"), ("3.0", "办理结果")]


@functools.cache
def _key(publisher: str, region: str | None) -> str:
    return identify(publisher, region).publisher_key


def reshape(report: Report, rng: random.Random) -> Report:
    """Trim/pad table 二 to 14–19 numbers and table 三 to 28–30 rows; set ``publisher_key``
    as the parser does (``parsing.publishers.identify``)."""
    ad = list(report.active_disclosure)
    want = rng.randint(14, 19)
    while len(ad) < want:
        ad.append(
            ActiveDisclosure(
                article="20.5",
                item="其他对外管理服务事项",
                metric=f"decisions_{len(ad)}",
                value=float(rng.randint(0, 99)),
                unit=None,
            )
        )
    ad = ad[:want]
    apps = list(report.applications)
    want = rng.randint(28, 30)
    i = 0
    while len(apps) < want:
        code, label = _SUBTOTALS[i % len(_SUBTOTALS)]
        apps.insert(
            -2, ApplicationRow(row_code=f"{code}.{i}", row_label=label, total=rng.randint(0, 9))
        )
        i += 1
    return report.model_copy(
        update={
            "active_disclosure": ad,
            "applications": apps[:want],
            "publisher_key": _key(report.publisher, report.region_code),
        }
    )


def base_reports(n: int) -> Iterator[Report]:
    """``n`` reports: publishers × 2019–2025 (publisher-major)."""
    rng = random.Random(7)
    for i in range(n):
        yield reshape(make_report(i // len(YEARS), YEARS[i % len(YEARS)]), rng)


def new_reports(n: int, batch: int) -> list[Report]:
    """``n`` reports of the next year (2026 + ``batch``) for the first ``n`` publishers: each
    batch is new, and each pairs with the stored year before it (cross-year checks)."""
    rng = random.Random(batch)
    return [reshape(make_report(i, NEW_YEAR + batch), rng) for i in range(n)]


def spooled(reports: list[Report]) -> list[Spooled]:
    """The reports as the flow publishes them: each with its spool line (``model_dump_json()``
    bytes, which the flow reads from the spool anyway; made here before the clock starts, as the
    reports themselves are)."""
    return [Spooled(r, report_json(r)) for r in reports]  # = model_dump_json().encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor_write(reports: list[Report], root: Path) -> dict[str, float]:
    t = time.perf_counter()
    cpu = time.process_time()
    tables = reports_to_tables(reports)
    convert = time.perf_counter() - t
    name = f"part-{uuid.uuid4().hex}-{{i}}.parquet"
    for table, data in tables.items():
        pq.write_to_dataset(
            data,
            root / table,
            partition_cols=["year"],
            basename_template=name,
            existing_data_behavior="overwrite_or_ignore",
            compression="zstd",
        )
    return {
        "s": time.perf_counter() - t,
        "cpu_s": time.process_time() - cpu,
        "convert_s": convert,
    }


# -- phases (each runs in its own process) ---------------------------------------------------
def phase_build(args: argparse.Namespace) -> dict[str, Any]:
    root = args.dir
    t = time.perf_counter()
    stream = base_reports(args.reports)
    while True:
        chunk = [r for _, r in zip(range(10_000), stream, strict=False)]
        if not chunk:
            break
        publish(chunk, root)
    compact(root)
    return {"build_s": time.perf_counter() - t}


def phase_incr(args: argparse.Namespace) -> dict[str, Any]:
    reports = spooled(new_reports(args.new, args.batch))
    before = _peak_mb()
    t = time.perf_counter()
    cpu = time.process_time()
    res = publish(reports, args.dir)
    return {
        "s": time.perf_counter() - t,
        "cpu_s": time.process_time() - cpu,
        "peak_mb": _peak_mb(),
        "before_mb": before,
        "files_written": len(res.files_written),
        "files_deleted": len(res.files_deleted),
        "compacted": len(res.compacted),
    }


def phase_incr_floor(args: argparse.Namespace) -> dict[str, Any]:
    reports = new_reports(args.new, args.batch)
    return _floor_write(reports, args.dir)


def phase_full(args: argparse.Namespace) -> dict[str, Any]:
    reports = list(base_reports(args.reports))
    shutil.rmtree(args.dir, ignore_errors=True)
    t = time.perf_counter()
    publish(reports, args.dir)
    full = time.perf_counter() - t
    t = time.perf_counter()
    again = publish(reports, args.dir)
    return {
        "s": full,
        "same_s": time.perf_counter() - t,
        "same_unchanged": again.unchanged,
        "peak_mb": _peak_mb(),
        "files_per_leaf": dict(
            Counter(
                len(list(leaf.glob("*.parquet")))
                for leaf in args.dir.glob("*/year=*")
                if leaf.is_dir()
            )
        ),
    }


def phase_full_floor(args: argparse.Namespace) -> dict[str, Any]:
    reports = list(base_reports(args.reports))
    shutil.rmtree(args.dir, ignore_errors=True)
    return _floor_write(reports, args.dir)


def _base_size(root: Path) -> int:
    return int(root.name.rsplit("-", 1)[-1])


def _warm_reports(n: int, round_: int, base: int, year: int = NEW_YEAR) -> list[Report]:
    """``n`` reports of ``year`` for a different run of publishers in each round, so no round
    repeats another's inputs. Into a base as built (2019–2025), 2026 reports are new (each
    pairs with its stored 2025); 2025 reports replace stored ones (new content: another
    round's random reshaping)."""
    rng = random.Random(round_ + (0 if year == NEW_YEAR else 1_000))
    publishers = max(1, base // len(YEARS))
    return [reshape(make_report((round_ * n + i) % publishers, year), rng) for i in range(n)]


def phase_warm(args: argparse.Namespace) -> dict[str, Any]:
    """Warm process: project and floor alternate ``--repeats`` times after one untimed round of
    each (imports, pandas behind the first ``pa.array``, caches); each project run publishes into
    a fresh copy of the base as built (copy not timed). Timed: new reports as spool lines (the
    headline), the same as plain ``Report`` objects, and as many reports replacing stored ones
    (their old rows removed from the files holding them)."""
    work = args.dir.parent / f"warm-{args.dir.name}"
    out: dict[str, list[float]] = {
        "s": [],
        "cpu_s": [],
        "floor_s": [],
        "floor_cpu_s": [],
        "plain_s": [],
        "replace_s": [],
        "replace_cpu_s": [],
    }
    size = _base_size(args.dir)
    for r in range(-1, args.repeats):
        reports = _warm_reports(args.new, r + 1, size)
        lines = spooled(reports)
        replacing = spooled(_warm_reports(args.new, r + 1, size, year=YEARS[-1]))
        cases: dict[str, list[Report] | list[Spooled]] = {
            "": lines,
            "plain_": reports,
            "replace_": replacing,
        }
        for case, items in cases.items():  # lines: as the flow publishes them
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(args.dir, work / "wh")
            t, cpu = time.perf_counter(), time.process_time()
            publish(items, work / "wh")
            s, c = time.perf_counter() - t, time.process_time() - cpu
            if r < 0:  # round -1 warms everything up
                continue
            out[f"{case}s"].append(s)
            if f"{case}cpu_s" in out:
                out[f"{case}cpu_s"].append(c)
        f = _floor_write(reports, work / "floor")
        if r >= 0:
            out["floor_s"].append(f["s"])
            out["floor_cpu_s"].append(f["cpu_s"])
    shutil.rmtree(work, ignore_errors=True)
    return {k: _med(v) for k, v in out.items()}


PHASES = {
    "warm": phase_warm,
    "build": phase_build,
    "incr": phase_incr,
    "incr_floor": phase_incr_floor,
    "full": phase_full,
    "full_floor": phase_full_floor,
}


def run(phase: str, directory: Path, **kw: int) -> dict[str, Any]:
    """One phase in a fresh process (its own peak RSS and caches)."""
    cmd = [sys.executable, __file__, "--phase", phase, "--dir", str(directory)]
    for key, value in kw.items():
        cmd += [f"--{key}", str(value)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=10_000, help="full-publish size")
    ap.add_argument("--bases", default="10000,100000", help="warehouse sizes (incremental)")
    ap.add_argument("--new", type=int, default=1_000, help="reports per incremental publish")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--phase", choices=sorted(PHASES), default=None)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    base = args.dir or Path(tempfile.mkdtemp(prefix="xxgk-wh-bench-"))
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    sizes = [int(s) for s in args.bases.split(",") if s]
    print(f"machine: {os.cpu_count()} cores, shared with other jobs (figures are noisy)")
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())};"
        f" Arrow memory pool {pa.default_memory_pool().backend_name} (floor and project alike);"
        " the floor neither fsyncs nor keeps an index, the project does both"
    )
    for size in sizes:
        t = time.perf_counter()
        run("build", base / f"base-{size}", reports=size)
        # the warm phase publishes into copies of the base as built (the incremental runs below
        # add 2026–2028 reports to it, which the warm round's 2026 reports would replace)
        shutil.copytree(base / f"base-{size}", base / f"built-{size}")
        print(f"built base of {size:,} reports in {time.perf_counter() - t:.0f} s (not timed)")

    full: list[dict[str, Any]] = []
    full_floor: list[dict[str, Any]] = []
    incr: dict[int, list[dict[str, Any]]] = {s: [] for s in sizes}
    floor: list[dict[str, Any]] = []
    for r in range(args.repeats):  # interleaved: floor, then each case, in every round
        floor.append(run("incr_floor", base / f"floor-{r}", new=args.new, batch=r))
        for size in sizes:
            incr[size].append(run("incr", base / f"base-{size}", new=args.new, batch=r))
        full_floor.append(run("full_floor", base / "full-floor", reports=args.reports))
        full.append(run("full", base / "full", reports=args.reports))

    floor_s = _med([f["s"] for f in floor])
    floor_cpu = _med([f["cpu_s"] for f in floor])
    print(
        f"\n{args.repeats} interleaved runs, medians; each run a fresh process (start-up excluded)"
    )
    print(
        f"full publish of {args.reports:,} into empty   {_med([f['s'] for f in full]):.2f} s"
        f"   floor (convert + partitioned write_to_dataset) "
        f"{_med([f['s'] for f in full_floor]):.2f} s"
        f"   ratio {_med([f['s'] for f in full]) / _med([f['s'] for f in full_floor]):.2f}x"
    )
    print(
        f"same {args.reports:,} published again      {_med([f['same_s'] for f in full]):.2f} s"
        f"   (skipped by hash: {full[-1]['same_unchanged']:,})"
    )
    print(f"files per leaf after full publish {full[-1]['files_per_leaf']}")
    print(
        f"incremental floor: {args.new:,} new reports, convert + append     {floor_s:.2f} s"
        f"   CPU {floor_cpu:.2f} s   (runs {_runs([f['s'] for f in floor])})"
    )
    peaks = {}
    for size in sizes:
        runs = incr[size]
        med = _med([x["s"] for x in runs])
        cpu = _med([x["cpu_s"] for x in runs])
        paired = _med([x["s"] / f["s"] for x, f in zip(runs, floor, strict=True)])
        peaks[size] = _med([x["peak_mb"] for x in runs])
        compacted = sum(x["compacted"] for x in runs)
        print(
            f"publish {args.new:,} new into {size:,}: {med:.2f} s   ratio {med / floor_s:.2f}x"
            f" the append floor (CPU {cpu:.2f} s, ratio {cpu / floor_cpu:.2f}x;"
            f" median of per-round ratios {paired:.2f}x)   (runs {_runs([x['s'] for x in runs])};"
            f" files written {runs[-1]['files_written']}, deleted {runs[-1]['files_deleted']},"
            f" automatic compactions {compacted})   peak RSS {peaks[size]:.0f} MB"
        )
    print(
        "the same in one warm process (imports and first-call costs paid before timing, project"
        f" and floor alternating {args.repeats}x, medians):"
    )
    for size in sizes:
        w = run("warm", base / f"built-{size}", new=args.new, repeats=args.repeats)
        print(
            f"  publish {args.new:,} new into {size:,}: {w['s']:.2f} s, CPU {w['cpu_s']:.2f} s;"
            f" floor {w['floor_s']:.2f} s, CPU {w['floor_cpu_s']:.2f} s;"
            f" ratio {w['s'] / w['floor_s']:.2f}x wall, {w['cpu_s'] / w['floor_cpu_s']:.2f}x CPU"
            f" (plain Report objects, hashed by serialising them: {w['plain_s']:.2f} s,"
            f" {w['plain_s'] / w['floor_s']:.2f}x)"
        )
        print(
            f"    replacing {args.new:,} stored {YEARS[-1]} reports instead (their rows removed"
            f" from the files holding them; the floor only appends): {w['replace_s']:.2f} s,"
            f" CPU {w['replace_cpu_s']:.2f} s; {w['replace_s'] / w['floor_s']:.2f}x wall"
        )
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        print(
            f"memory: peak RSS publishing {args.new:,} into {hi:,} vs {lo:,}:"
            f" {peaks[hi]:.0f} / {peaks[lo]:.0f} MB = {peaks[hi] / peaks[lo]:.3f}x (target ≤ 1.10)"
        )
    print(
        f"(tables: {', '.join(TABLES)}; load average at end:"
        f" {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    if args.dir is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
