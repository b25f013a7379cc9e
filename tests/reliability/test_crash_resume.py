"""SIGKILL the nightly job during crawl, parse and publish; the rerun loses and duplicates nothing.

Each killed run is the real ``xxgk backfill`` process group (the CLI and its crawl
subprocesses). It talks to the session's Prefect test server (no ephemeral start-up per run).
After each kill the same backfill is run again to completion; the warehouse must then equal
that of an uninterrupted run and the archive must hold each capture once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from crash_support import (
    SITECUSTOMIZE,
    Pace,
    count_captures,
    crash_routes,
    kill_when,
    report_capture_rows,
    sites_toml,
    start_xxgk,
    tables,
    warc_payload_counts,
)
from hostile_server import HostileServer, serve_hostile
from reliability_support import FAST_CRAWL, SECRET_MARKER

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HostileServer, Pace, Path]]:
    pace = Pace()
    root = tmp_path_factory.mktemp("crash")
    with serve_hostile(crash_routes(pace)) as state:
        sites = root / "sites.toml"
        sites.write_text(sites_toml(state.base), encoding="utf-8")
        yield state, pace, sites


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Subprocess environment: the harness API, fast crawls, secrets carrying a marker."""
    from prefect.settings import PREFECT_API_URL

    hook = tmp_path_factory.mktemp("hook")
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_API_KEY": SECRET_MARKER,
        "AWS_SECRET_ACCESS_KEY": SECRET_MARKER,
        "XXGK_CRAWL_SETTINGS": json.dumps(FAST_CRAWL),
        "PYTHONPATH": str(hook),
    }


def _backfill(data: Path, sites: Path) -> dict[str, Any]:
    from flows.pipeline import backfill

    saved = os.environ.get("XXGK_CRAWL_SETTINGS")
    os.environ["XXGK_CRAWL_SETTINGS"] = json.dumps(FAST_CRAWL)
    try:
        state = backfill(
            years=[2019, 2020, 2021], data_dir=str(data), sites_file=str(sites), return_state=True
        )
        result = state.result(raise_on_failure=False)  # Failed when a site needs attention
        return dict(getattr(result, "summary", result))
    finally:
        if saved is None:
            os.environ.pop("XXGK_CRAWL_SETTINGS")
        else:
            os.environ["XXGK_CRAWL_SETTINGS"] = saved


@pytest.fixture(scope="module")
def baseline(site, tmp_path_factory) -> dict[str, list[tuple[Any, ...]]]:
    """The warehouse of an uninterrupted run."""
    _state, _pace, sites = site
    data = tmp_path_factory.mktemp("baseline")
    summary = _backfill(data, sites)
    assert summary["published"] == 9, summary
    return tables(data / "warehouse")


def _assert_recovered(data: Path, baseline: dict[str, list[tuple[Any, ...]]]) -> None:
    assert tables(data / "warehouse") == baseline
    per_sha = report_capture_rows(data)
    assert len(per_sha) == 9, per_sha
    assert set(per_sha.values()) == {1}, per_sha
    warc = warc_payload_counts(data)
    duplicated = {sha: n for sha, n in warc.items() if n > 1}
    assert not duplicated, duplicated
    assert set(per_sha) <= set(warc)


def _no_secret(log: Path) -> None:
    for suffix in (".out", ".err"):
        text = log.with_suffix(suffix).read_bytes()
        assert SECRET_MARKER.encode() not in text, (suffix, text[-2000:])


def test_sigkill_during_crawl_then_rerun(site, env, baseline, tmp_path):
    _state, pace, sites = site
    data = tmp_path / "data"
    pace.doc_delay = 0.6
    try:
        proc = start_xxgk(data, sites, env, tmp_path / "run")
        kill_when(proc, lambda: count_captures(data) >= 3)
    finally:
        pace.doc_delay = 0.0
    assert 3 <= count_captures(data) < 9  # killed mid-crawl
    assert not (data / "warehouse" / "reports").exists()
    _no_secret(tmp_path / "run")
    summary = _backfill(data, sites)
    assert summary["published"] == 9
    _assert_recovered(data, baseline)


def test_sigkill_during_parse_then_rerun(site, env, baseline, tmp_path):
    _state, _pace, sites = site
    data = tmp_path / "data"
    proc = start_xxgk(data, sites, env | {"XXGK_TEST_PARSE_DELAY": "1.0"}, tmp_path / "run")
    kill_when(proc, lambda: any((data / "spool").glob("*/batch-*.jsonl")))
    assert count_captures(data) == 9
    assert not (data / "warehouse" / "reports").exists()
    _no_secret(tmp_path / "run")
    summary = _backfill(data, sites)
    assert summary["published"] == 9
    _assert_recovered(data, baseline)


def test_sigkill_during_publish_then_rerun_with_the_cli(site, env, baseline, tmp_path):
    _state, _pace, sites = site
    data = tmp_path / "data"
    proc = start_xxgk(data, sites, env | {"XXGK_WAREHOUSE_PAUSE": "swap:60"}, tmp_path / "run")
    kill_when(proc, lambda: any((data / "warehouse").rglob("part-*.parquet")))
    assert tables(data / "warehouse") != baseline  # killed half-way through the swaps
    _no_secret(tmp_path / "run")
    rerun = start_xxgk(data, sites, env, tmp_path / "rerun")
    assert rerun.wait(180) == 0, (tmp_path / "rerun.err").read_text()[-3000:]
    out = (tmp_path / "rerun.out").read_text()
    assert "published 9 reports" in out, out
    _no_secret(tmp_path / "rerun")
    _assert_recovered(data, baseline)


def test_a_record_written_but_never_indexed_is_recovered_not_stored_twice(tmp_path):
    from crawler.archive import Archive

    bodies = [f"<html>{i} 政府信息公开</html>".encode() for i in range(3)]
    killed = Archive(tmp_path, commit_every=100, commit_interval=1e9)
    for i, body in enumerate(bodies[:2]):
        killed.write_capture(
            url=f"http://x.gov.cn/{i}.html",  # url-ok: data, never fetched
            body=body,
            kind="report",
        )
    killed.commit()
    killed.write_capture(
        url="http://x.gov.cn/2.html",  # url-ok: data, never fetched
        body=bodies[2],
        kind="report",
    )
    assert killed._file is not None
    killed._file.flush()  # on disk, index row never committed: as after a SIGKILL
    killed._file.close()  # the killed process's file is closed, its lock released
    rerun = Archive(tmp_path)
    again = rerun.write_capture(
        url="http://x.gov.cn/2.html",  # url-ok: data, never fetched
        body=bodies[2],
        kind="report",
    )
    assert again.meta.deduplicated
    assert rerun.read(again.meta.archive_uri) == bodies[2]
    rerun.close()
    counts = warc_payload_counts(tmp_path)
    assert sorted(counts.values()) == [1, 1, 1]
