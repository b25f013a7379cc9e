"""The `xxgk` command: demo on a fresh data dir, parse, sites, status, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

from flows.cli import app
from warehouse import TABLES

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"
runner = CliRunner()


@pytest.mark.usefixtures("prefect_harness")
def test_demo_completes_on_a_fresh_data_dir_and_produces_every_table(tmp_path):
    result = runner.invoke(app, ["demo", "--data-dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "published 8 reports" in result.output
    assert "read_parquet(" in result.output
    for table in TABLES:
        dataset = ds.dataset(tmp_path / "demo" / "warehouse" / table, partitioning="hive")
        if table == "legacy_figures":  # the demo sites carry no pre-2019 report: schema only
            assert dataset.count_rows() == 0
            continue
        assert dataset.count_rows() > 0, table
    status = runner.invoke(
        app,
        [
            "status",
            "--data-dir",
            str(tmp_path / "demo"),
            "--sites-file",
            str(tmp_path / "demo" / "demo-sites.toml"),
        ],
    )
    assert status.exit_code == 0, status.output
    assert "demo_trs" in status.output
    # issue 11: every value the demo published is the one number printed in its source cell
    assert "audit of what was published:" in result.output
    assert ", 0 violations" in result.output
    audit = runner.invoke(app, ["audit", "--data-dir", str(tmp_path / "demo")])
    assert audit.exit_code == 0, audit.output
    assert "audited 8 reports" in audit.output
    assert ": 0 violations" in audit.output


def test_parse_prints_the_sample_as_json_with_contract_names():
    result = runner.invoke(app, ["parse", str(SAMPLE), "--json", "--publisher", "合阳县人民政府"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["template"] == "2019"
    assert data["year"] == 2020
    row1 = next(r for r in data["applications"] if r["row_code"] == "1")
    assert [row1[c] for c in ("natural_person", "legal_service_org", "total")] == [4, 1, 5]
    assert {"item", "metric", "value"} <= set(data["active_disclosure"][0])
    assert {"proceeding", "outcome", "value"} <= set(data["review_litigation"][0])
    assert {"removed_text", "detector"} <= set(data["spam_removals"][0])


def test_parse_summary_and_not_a_report_exit_code(tmp_path):
    ok = runner.invoke(app, ["parse", str(SAMPLE), "--publisher", "合阳县人民政府"])
    assert ok.exit_code == 0
    assert "template 2019" in ok.output
    junk = tmp_path / "list.html"
    junk.write_text("<html><body><ul><li>新闻</li></ul></body></html>", encoding="utf-8")
    bad = runner.invoke(app, ["parse", str(junk)])
    assert bad.exit_code == 2
    assert "not_a_report" in bad.output


def test_sites_add_list_check(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text("", encoding="utf-8")
    added = runner.invoke(
        app,
        [
            "sites",
            "add",
            "heyang",
            "http://www.heyang.gov.cn/zwgk/xxgknb/",  # url-ok: data, never fetched
            "--publisher",
            "合阳县人民政府",
            "--region-code",
            "610524",
            "--sites-file",
            str(sites),
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["sites", "list", "--sites-file", str(sites)])
    assert "heyang" in listed.output
    assert runner.invoke(app, ["sites", "check", "--sites-file", str(sites)]).exit_code == 0
    sites.write_text(sites.read_text("utf-8") + 'typo_key = "x"\n', encoding="utf-8")
    broken = runner.invoke(app, ["sites", "check", "--sites-file", str(sites)])
    assert broken.exit_code == 1


def test_unknown_site_fails_outright_with_exit_1(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text("", encoding="utf-8")
    result = runner.invoke(
        app, ["run", "--data-dir", str(tmp_path), "--sites-file", str(sites), "--site", "nope"]
    )
    assert result.exit_code == 1


def test_serve_builds_a_cron_nightly_and_an_on_demand_backfill(tmp_path):
    from flows.serve import build_deployments

    nightly, backfill = build_deployments(
        tmp_path, tmp_path / "sites.toml", "0 2 * * *", "Asia/Shanghai"
    )
    assert nightly.name == "nightly"
    assert backfill.name == "backfill"
    schedule = nightly.schedules[0].schedule
    assert schedule.cron == "0 2 * * *"
    assert schedule.timezone == "Asia/Shanghai"
    assert not backfill.schedules
    assert nightly.parameters["data_dir"] == str(tmp_path)
