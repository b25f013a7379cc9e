"""Fixtures of the reliability tests: fast crawl settings, the hostile server, helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "broken"))

from hostile_server import MAXSIZE  # noqa: E402

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


@pytest.fixture(scope="module")
def fast_crawl_env() -> Iterator[dict[str, str]]:
    """Crawl subprocesses of this module run fast (``XXGK_CRAWL_SETTINGS``) and see secrets.

    The secret env vars carry a marker the security test looks for in every output.
    """
    extra = {
        "XXGK_CRAWL_SETTINGS": json.dumps(FAST_CRAWL),
        "AWS_SECRET_ACCESS_KEY": SECRET_MARKER,
        "AWS_ACCESS_KEY_ID": "AKIA" + SECRET_MARKER,
    }
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield extra
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
