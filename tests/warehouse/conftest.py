"""Fixtures for warehouse tests: realistic synthetic reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest

from parsing.models import Report
from warehouse import TABLES, read_table
from warehouse.synthetic import generate_reports

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import json, logging, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from warehouse import publish
from warehouse.synthetic import generate_reports
root, publishers, first, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
reports = [r for r in generate_reports(first + publishers, range(2019, 2023), version=version)]
reports = reports[first * 4:]
res = publish(reports, root)
print(json.dumps({"locked_at": res.locked_at, "finished_at": res.finished_at,
                  "reports": res.reports, "run_id": res.run_id}), flush=True)
"""


def start_writer(
    root: Path, publishers: int, *, first: int = 0, version: int = 0, pause: str | None = None
) -> subprocess.Popen[str]:
    """Publish ``publishers`` × 2019–2022 synthetic reports from a separate process."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("XXGK_WAREHOUSE_PAUSE", None)
    if pause:
        env["XXGK_WAREHOUSE_PAUSE"] = pause
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(publishers), str(first), str(version)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def writer_result(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, object]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def as_legacy_index(root: Path, change: Callable[[pa.Table], pa.Table] = lambda t: t) -> None:
    """Rewrite every year's index as release 0.1 wrote it: a Parquet file
    (``year=YYYY.parquet``) holding ``change`` of its rows; the Arrow file goes."""
    import pyarrow.parquet as pq

    from warehouse.index import LEGACY_SUFFIX, index_path, index_years, read_year
    from warehouse.storage import open_store

    store = open_store(root)
    for year in index_years(store):
        rows = change(read_year(store, year))
        pq.write_table(rows, index_path(store, year, LEGACY_SUFFIX))
        Path(index_path(store, year)).unlink()


def snapshot(root: Path) -> dict[str, pa.Table]:
    """Every table, read back through the public reader."""
    return {name: read_table(name, root) for name in TABLES}


@pytest.fixture
def snap() -> Callable[[Path], dict[str, pa.Table]]:
    """``snap(root)``: every table read back through the public reader."""
    return snapshot


@pytest.fixture
def legacy_index() -> Callable[..., None]:
    """:func:`as_legacy_index`."""
    return as_legacy_index


@pytest.fixture
def writers() -> SimpleNamespace:
    """``writers.start(root, n, ...)`` / ``writers.result(proc)``: publishing subprocesses."""
    return SimpleNamespace(start=start_writer, result=writer_result)


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse"


@pytest.fixture
def reports() -> list[Report]:
    """6 publishers × 2019–2022 (both templates), carry-over consistent."""
    return list(generate_reports(6, range(2019, 2023)))
