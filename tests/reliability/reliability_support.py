"""Constants and helpers shared by the reliability tests.

A module with its own name: tests import from here, never from ``conftest`` (several test
folders have a ``conftest.py``, so ``import conftest`` depends on what was imported first).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from hostile_server import MAXSIZE

FAST_CRAWL = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "XXGK_RETRY_BACKOFF_BASE": 0,
    "DOWNLOAD_TIMEOUT": 3,
    "RETRY_TIMES": 1,
    "DOWNLOAD_MAXSIZE": MAXSIZE,
    "XXGK_ARCHIVE_COMMIT_EVERY": 1,
}
SECRET_MARKER = "XXGK-SECRET-MARKER-7f3a9c"


def error_lines(data_dir: Path) -> list[dict[str, object]]:
    """Every error record of every run under ``data_dir/errors``."""
    out: list[dict[str, object]] = []
    for path in sorted((data_dir / "errors").glob("*.jsonl")):
        out += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return out


def query(warehouse: Path, table: str, select: str = "*", where: str = "") -> list[tuple]:
    """Rows of one warehouse table (empty if the table has no files)."""
    if not list((warehouse / table).glob("*/*.parquet")):
        return []
    sql = (
        f"SELECT {select} FROM read_parquet('{warehouse}/{table}/*/*.parquet', "
        "hive_partitioning = true)"
    )
    return duckdb.sql(sql + (f" WHERE {where}" if where else "")).fetchall()
