"""Crash safety and writer serialisation, with real processes and SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import TABLES, compact, publish, read_table
from warehouse.synthetic import generate_reports

PUBLISHERS = 12  # × 2019–2022 = 48 reports per writer run


def _wait_for_hook(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Block until the writer logs that it reached the pause hook."""
    deadline = time.monotonic() + timeout
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "test hook" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"writer exited early: {proc.returncode}")
    raise AssertionError("writer never reached the hook")


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a[n].equals(b[n]) for n in TABLES)


def test_sigkill_after_staging_keeps_previous_version(wh: Path, snap: Any, writers: Any) -> None:
    publish(generate_reports(PUBLISHERS, range(2019, 2023), version=0), wh)
    v1 = snap(wh)
    proc = writers.start(wh, PUBLISHERS, version=1, pause="stage:60")
    _wait_for_hook(proc)
    temps = list(wh.rglob(".*.tmp-*"))
    data = [t for t in temps if t.name.startswith(".part-") and t.parent.name != "publishers"]
    # every report changed: one new stem per year in every table, the 4 index years, the
    # publishers dimension (Parquet and the writer's Arrow copy) and the manifest staged;
    # nothing swapped yet
    assert len(data) == len(TABLES) * 4
    assert len([t for t in temps if t.parent.name == "publishers"]) == 1
    assert len(temps) == len(data) + 4 + 2 + 1
    _kill(proc)
    assert _equal(snap(wh), v1)
    n = duck(
        f"SELECT count(*) FROM read_parquet('{wh}/applications/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    assert n == v1["applications"].num_rows
    # the next writer removes the dead run's temp files, content unchanged
    res = publish([], wh)
    assert res.recovered == len(temps)
    assert not list(wh.rglob("*.tmp-*"))
    assert _equal(snap(wh), v1)


def test_sigkill_mid_swap_rolls_forward(wh: Path, tmp_path: Path, snap: Any, writers: Any) -> None:
    publish(generate_reports(PUBLISHERS, range(2019, 2023), version=0), wh)
    reference = tmp_path / "reference"
    publish(generate_reports(PUBLISHERS, range(2019, 2023), version=0), reference)
    publish(generate_reports(PUBLISHERS, range(2019, 2023), version=1), reference)
    v2 = snap(reference)
    proc = writers.start(wh, PUBLISHERS, version=1, pause="swap:60")
    _wait_for_hook(proc)
    assert (wh / "_journal.json").exists()
    _kill(proc)
    for name in TABLES:  # every leaf is a whole file (old or new) and readable
        read_table(name, wh)
    res = compact(wh)  # any writer recovers: the committed journal is rolled forward
    assert res.temp_files_removed > 0
    assert not (wh / "_journal.json").exists()
    assert _equal(snap(wh), v2)


def test_sigkill_at_several_moments_is_old_or_new(
    wh: Path, tmp_path: Path, snap: Any, writers: Any
) -> None:
    """No hook: kill a real 800-report publish at several points of its ~1.2 s life."""
    n = 200
    publish(generate_reports(n, range(2019, 2023), version=0), wh)
    v1 = snap(wh)
    reference = tmp_path / "reference"
    publish(generate_reports(n, range(2019, 2023), version=1), reference)
    v2 = snap(reference)
    outcomes = []
    for delay in (0.7, 0.95, 1.1):
        proc = writers.start(wh, n, version=1)
        time.sleep(delay)
        if proc.poll() is None:
            _kill(proc)
        else:
            proc.communicate()
        compact(wh)  # recovery: roll forward or clean up
        after = snap(wh)
        assert _equal(after, v1) or _equal(after, v2), delay
        outcomes.append("new" if _equal(after, v2) else "old")
        if outcomes[-1] == "new":  # start again from v1
            publish(generate_reports(n, range(2019, 2023), version=0), wh)
        assert not list(wh.rglob("*.tmp-*"))


def test_two_concurrent_writers_are_serialised(wh: Path, snap: Any, writers: Any) -> None:
    # A publishes publishers 0–29 and holds the lock (paused 1 s after staging);
    # B publishes 20–49 (overlap 20–29, another version) meanwhile and must wait for A
    a = writers.start(wh, 30, first=0, version=0, pause="stage:1")
    _wait_for_hook(a)
    b_started = time.time()
    b = writers.start(wh, 30, first=20, version=1)
    ra, rb = writers.result(a), writers.result(b)
    assert b_started < ra["finished_at"], "B did not contend for the lock"
    assert ra["finished_at"] <= rb["locked_at"], "writers interleaved"
    reports = read_table("reports", wh)
    ids = reports["report_id"]
    assert len(pc.unique(ids)) == len(ids) == 50 * 4
    # each overlapping report holds exactly one version: the last writer's, in every table
    last_version = "0.1.1"  # B wrote last
    overlap = set(r.report_id for r in generate_reports(30, range(2019, 2023)))
    overlap &= set(r.report_id for r in list(generate_reports(50, range(2019, 2023)))[80:])
    rows = reports.filter(pc.is_in(reports["report_id"], value_set=pa.array(sorted(overlap))))
    assert set(rows["parser_version"].to_pylist()) == {last_version}
    review = read_table("review_litigation", wh)
    assert review.num_rows == 15 * 50 * 4
    assert not list(wh.rglob("*.tmp-*"))


def duck(query: str) -> duckdb.DuckDBPyRelation:
    rel = duckdb.sql(query)
    assert rel is not None
    return rel
