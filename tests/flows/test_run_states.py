"""A run an operator can alert on: Failed state with crawl logs, progress, --json, a full disk."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.exit_codes import FAILED, SITE_PROBLEM

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()

DEAD_SITE = """
[[site]]
name = "dead"
publisher = "死链县人民政府"
start_urls = ["{base}/dead/list.html"]
allowed_domains = ["127.0.0.1"]
"""


@pytest.fixture(scope="module")
def broken_run(demo_site, tmp_path_factory):
    """A nightly run over the three demo sites plus one whose report column is gone (404)."""
    from flows.pipeline import nightly

    _root, demo_sites = demo_site
    text = demo_sites.read_text(encoding="utf-8")
    base = text.split('start_urls = ["', 1)[1].split("/demo_trs", 1)[0]
    sites = tmp_path_factory.mktemp("reg") / "sites.toml"
    sites.write_text(text + DEAD_SITE.format(base=base), encoding="utf-8")
    data = tmp_path_factory.mktemp("data")
    state = nightly(data_dir=str(data), sites_file=str(sites), return_state=True)
    return data, sites, state


def _warehouse_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def _fill(path: Path, leave: int) -> int | None:
    """Write zeros until the disk is full, then free ``leave`` bytes; the errno that stopped it."""
    with path.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            code = exc.errno
        fh.truncate(max(0, fh.tell() - leave))
    return code


def test_a_broken_site_fails_the_flow_run_after_publishing_the_rest(broken_run):
    _data, _sites, state = broken_run
    assert state.is_failed()
    assert state.message == "1 site(s) need attention: dead broken"
    summary = state.result(raise_on_failure=False).summary
    assert summary["published"] == 8  # every healthy site's reports
    assert summary["sites"]["dead"]["status"] == "broken"
    assert summary["exit_code"] == SITE_PROBLEM
    assert set(summary["timings"]) >= {"crawl", "parse", "publish"}


def test_the_flow_run_carries_crawl_logs_timings_and_a_markdown_summary(broken_run):
    import asyncio

    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    _data, _sites, state = broken_run
    APILogHandler().flush()
    run_id = state.state_details.flow_run_id

    async def logs() -> list[str]:
        async with get_client() as client:
            out: list[str] = []
            while True:
                page = await client.read_logs(
                    log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])),
                    limit=200,
                    offset=len(out),
                )
                out += [log.message for log in page]
                if len(page) < 200:
                    return out

    messages = asyncio.run(logs())
    text = "\n".join(messages)
    assert "[dead] " in text  # the crawl subprocess's own lines, with the site name
    assert "404" in text
    assert "[demo_trs] " in text
    assert "stage timings: crawl" in text
    assert "need attention: dead broken" in text
    md = Artifact.get("xxgk-nightly-summary")
    assert md is not None
    assert md.type == "markdown"
    assert "dead" in str(md.data)
    assert "Stage timings" in str(md.data)


def test_run_json_progress_lines_and_exit_code_3(broken_run):
    data, sites, _state = broken_run
    res = runner.invoke(app, ["run", "--data-dir", str(data), "--sites-file", str(sites), "--json"])
    assert res.exit_code == SITE_PROBLEM, res.output
    doc = json.loads(res.stdout)
    assert doc["problem_sites"] == ["dead"]
    assert "crawled dead" in res.stderr  # plain progress lines when not a terminal
    assert "sites needing attention: dead (broken)" in res.stderr


def test_rich_progress_bars_and_quiet(broken_run, tmp_path):
    data, sites, _state = broken_run
    args = ["backfill", "--years", "2019-2021", "--from-archive", "--data-dir", str(data)]
    args += ["--sites-file", str(sites), "--warehouse", str(tmp_path / "wh"), "--json"]
    res = runner.invoke(app, args, env={"XXGK_PROGRESS": "rich"})
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["published"] == 8
    assert "documents parsed" in res.stderr
    assert "partition files published" in res.stderr
    assert "\x1b[" in res.stderr  # a live terminal display
    quiet = runner.invoke(
        app,
        [
            "reparse",
            "-q",
            "--data-dir",
            str(data),
            "--sites-file",
            str(sites),
            "--warehouse",
            str(tmp_path / "wh"),
        ],
    )
    assert quiet.exit_code == 0, quiet.output
    assert "parsed batch" not in quiet.output
    assert "published 8 reports" in quiet.output


def test_enospc_at_publish_keeps_the_warehouse_and_the_spools_for_the_next_run(
    broken_run, tmp_path, monkeypatch
):
    import flows.steps

    data, sites, _state = broken_run
    wh = tmp_path / "wh"
    args = ["reparse", "--data-dir", str(data), "--sites-file", str(sites)]
    args += ["--warehouse", str(wh), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    before = _warehouse_digest(wh)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(flows.steps, "publish", full)
    res = runner.invoke(app, args)
    assert res.exit_code == FAILED, res.output
    doc = json.loads(res.stdout)
    assert doc["failed"].startswith("disk full")
    assert any("kept in" in n and "published by the next run" in n for n in doc["notes"])
    assert "Traceback" not in res.output
    assert _warehouse_digest(wh) == before
    kept = list((data / "spool").glob("*/*.jsonl"))
    assert kept
    assert all(p.with_suffix(".keys").exists() for p in kept)

    monkeypatch.undo()
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert any("kept from run" in n for n in doc["notes"])
    assert not list((data / "spool").glob("*/*.jsonl"))
    assert ds.dataset(wh / "reports", partitioning="hive").count_rows() == 8


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_tmpfs_fails_the_run_in_one_line_and_keeps_the_warehouse(broken_run, tmp_path):
    data, sites, _state = broken_run
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr!r}")
    try:
        small = mnt / "data"
        shutil.copytree(data / "archive", small / "archive")
        args = ["reparse", "--data-dir", str(small), "--sites-file", str(sites), "--json"]
        env = {"XXGK_MIN_FREE_MB": "0"}
        ok = runner.invoke(app, args, env=env)
        assert ok.exit_code == 0, ok.output
        before = _warehouse_digest(small / "warehouse")
        ballast = mnt / "ballast"
        # room for the start-up checks, not for the run's spools and partition files
        assert _fill(ballast, leave=64 * 1024) == errno.ENOSPC
        full = runner.invoke(app, args, env=env)
        assert full.exit_code == FAILED, full.output
        assert "disk full" in full.stderr
        assert "Traceback" not in full.output
        assert _warehouse_digest(small / "warehouse") == before
        assert _fill(ballast, leave=0) == errno.ENOSPC
        full = runner.invoke(app, args, env=env)
        assert full.exit_code == FAILED, full.output
        assert "disk full" in full.stderr
        assert "Traceback" not in full.output
        assert _warehouse_digest(small / "warehouse") == before
        assert ds.dataset(small / "warehouse" / "reports", partitioning="hive").count_rows() == 8
        refused = runner.invoke(app, args)  # the default free-space check refuses to start
        assert refused.exit_code == FAILED
        assert json.loads(refused.stdout)["error"].startswith("disk full")
        ballast.unlink()
        after = runner.invoke(app, args, env=env)
        assert after.exit_code == 0, after.output
        assert ds.dataset(small / "warehouse" / "reports", partitioning="hive").count_rows() == 8
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
