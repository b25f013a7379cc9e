"""Support for the SIGKILL tests: a small report site, the ``xxgk`` subprocess, comparisons."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from hostile_server import HostileServer, Route, report_bytes, send
from warcio.archiveiterator import ArchiveIterator

from warehouse import TABLES

REPO = Path(__file__).resolve().parents[2]
XXGK = REPO / ".venv" / "bin" / "xxgk"
REPORTS = [
    (f"/c/{pub}/{year}.html", name, year)
    for pub, name in (("a", "甲县人民政府"), ("b", "乙县教育局"), ("c", "丙镇人民政府"))
    for year in (2019, 2020, 2021)
]
# a sitecustomize that slows every parse down when XXGK_TEST_PARSE_DELAY is set, so a SIGKILL
# lands in the parse phase; flows/ is not touched
SITECUSTOMIZE = """
import os
if os.environ.get("XXGK_TEST_PARSE_DELAY"):
    import time
    import parsing
    _real = parsing.parse_document
    def _slow(raw):
        time.sleep(float(os.environ["XXGK_TEST_PARSE_DELAY"]))
        return _real(raw)
    parsing.parse_document = _slow
"""


@dataclass
class Pace:
    """Seconds each report document takes to serve (raised to hold a crawl open)."""

    doc_delay: float = 0.0


def crash_routes(pace: Pace) -> dict[str, Route]:
    """A list page with nine reports (three publishers × 2019–2021)."""
    bodies = {path: report_bytes(name, year) for path, name, year in REPORTS}
    items = "".join(
        f"<li><a href='{path}'>{name}{year}年政府信息公开工作年度报告</a><span>{year + 1}-02-10</span></li>"
        for path, name, year in REPORTS
    )

    def index(h: Any, state: HostileServer) -> None:
        send(h, 200, f"<html><body><ul>{items}</ul></body></html>".encode())

    def doc(h: Any, state: HostileServer) -> None:
        if pace.doc_delay:
            state.stop.wait(pace.doc_delay)
        from urllib.parse import urlsplit

        send(h, 200, bodies[urlsplit(h.path).path])

    routes: dict[str, Route] = {"/c/index.html": index}
    routes.update({path: doc for path, _n, _y in REPORTS})
    return routes


def sites_toml(base: str) -> str:
    return f"""
[[site]]
name = "crashy"
publisher = "甲县人民政府"
start_urls = ["{base}/c/index.html"]
allowed_domains = ["127.0.0.1"]
"""


def start_xxgk(data: Path, sites: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``xxgk backfill --years 2019-2021`` in its own process group."""
    cmd = [str(XXGK), "backfill", "--years", "2019-2021", "--data-dir", str(data)]
    cmd += ["--sites-file", str(sites)]
    out = log.with_suffix(".out").open("wb")
    err = log.with_suffix(".err").open("wb")
    return subprocess.Popen(  # noqa: S603 - fixed argv
        cmd, cwd=REPO, env=env, stdout=out, stderr=err, start_new_session=True
    )


def kill_when(
    proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 120.0
) -> float:
    """SIGKILL the process group as soon as ``ready()``; returns when it was killed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before the kill point")
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
            return time.monotonic()
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("kill point never reached")


def tables(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without fetched_at/archive_uri."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES:
        if not list((warehouse / table).glob("*/*.parquet")):
            out[table] = []
            continue
        rel = duckdb.sql(
            f"SELECT * FROM read_parquet('{warehouse}/{table}/*/*.parquet', "
            "hive_partitioning = true)"
        )
        cols = [c for c in rel.columns if c not in ("fetched_at", "archive_uri")]
        out[table] = sorted(rel.project(", ".join(cols)).fetchall(), key=repr)
    return out


def warc_payload_counts(data: Path) -> Counter[str]:
    """sha256 of every capture's response record payload → how many records hold it.

    robots.txt answers and 3xx hops are archived on every crawl as records of their own; they
    are not captures and are not counted.
    """
    counts: Counter[str] = Counter()
    for path in sorted((data / "archive").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                target = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode() if record.http_headers else ""
                if target.endswith("/robots.txt") or not str(status).startswith("2"):
                    continue
                if record.rec_type == "response":
                    counts[hashlib.sha256(record.raw_stream.read()).hexdigest()] += 1
    return counts


def report_capture_rows(data: Path) -> Counter[str]:
    """Index rows of report captures per sha256."""
    import sqlite3

    db = sqlite3.connect(data / "archive" / "index.sqlite")
    try:
        rows = db.execute("SELECT sha256 FROM captures WHERE kind = 'report'").fetchall()
    finally:
        db.close()
    return Counter(r[0] for r in rows)


def count_captures(data: Path) -> int:
    """Committed report captures (0 if the index does not exist yet)."""
    index = data / "archive" / "index.sqlite"
    if not index.exists():
        return 0
    try:
        return sum(report_capture_rows(data).values())
    except Exception:  # noqa: BLE001 - the crawler may be creating the schema right now
        return 0
