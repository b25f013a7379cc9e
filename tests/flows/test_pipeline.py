"""End to end: fixture sites on 127.0.0.1 → Prefect flows → Parquet read back with DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import TABLES

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _tables(warehouse: Path) -> dict[str, list[tuple]]:
    out = {}
    for table in TABLES:
        files = list((warehouse / table).glob("*/*.parquet"))
        if not files:
            out[table] = []
            continue
        rel = duckdb.sql(
            f"SELECT * FROM read_parquet('{warehouse}/{table}/*/*.parquet', hive_partitioning = true)"
        )
        cols = [c for c in rel.columns if c not in ("fetched_at", "archive_uri")]
        out[table] = sorted(rel.project(", ".join(cols)).fetchall(), key=repr)
    return out


def _backfill(data_dir: Path, sites_file: Path, **kw):
    from flows.pipeline import backfill

    return backfill(
        years=[2019, 2020, 2021], data_dir=str(data_dir), sites_file=str(sites_file), **kw
    )


@pytest.fixture(scope="module")
def first_run(demo_site, tmp_path_factory):
    _root, sites_file = demo_site
    data = tmp_path_factory.mktemp("data")
    summary = _backfill(data, sites_file)
    return data, sites_file, summary


def test_backfill_publishes_exact_numbers(first_run):
    data, _sites, summary = first_run
    assert summary["failed"] is None
    assert summary["published"] == 8
    wh = data / "warehouse"
    rows = duckdb.sql(
        f"""SELECT r.publisher, r.year, r.template, r.validation_status, a.row_code,
                   a.natural_person, a.commercial_enterprise, a.total
            FROM read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true) r
            JOIN read_parquet('{wh}/applications/*/*.parquet', hive_partitioning = true) a
            USING (report_id, year)
            WHERE a.row_code IN ('1', '3.1', '3.3.1', '3.7') AND r.publisher = '渭南市人民政府'
            ORDER BY r.year, a.row_code"""
    ).fetchall()
    assert rows[-4:] == [
        ("渭南市人民政府", 2021, "2021", "valid", "1", 10, 2, 14),
        ("渭南市人民政府", 2021, "2021", "valid", "3.1", 9, 2, 13),
        ("渭南市人民政府", 2021, "2021", "valid", "3.3.1", 1, 0, 1),
        ("渭南市人民政府", 2021, "2021", "valid", "3.7", 10, 2, 14),
    ]
    statuses = dict(
        duckdb.sql(
            f"SELECT publisher, validation_status FROM read_parquet('{wh}/reports/*/*.parquet', "
            "hive_partitioning = true) WHERE year = 2020"
        ).fetchall()
    )
    assert statuses["澄城县人民政府"] == "invalid"  # broken totals: still published, flagged
    assert statuses["合阳县人民政府"] == "valid"  # the real sample, spam stripped
    removed = duckdb.sql(
        f"SELECT sum(length(removed_text)) FROM read_parquet('{wh}/spam_removals/*/*.parquet', "
        "hive_partitioning = true) WHERE year = 2020"
    ).fetchall()
    assert removed == [(75,)]
    licence = duckdb.sql(
        f"SELECT value FROM read_parquet('{wh}/active_disclosure/*/*.parquet', "
        "hive_partitioning = true) WHERE year = 2021 AND item = '行政许可' AND metric = 'decisions' "
        "ORDER BY value"
    ).fetchall()
    assert licence == [(1038.0,), (1038.0,), (1038.0,), (1038.0,)]
    docx = duckdb.sql(
        f"""SELECT r.format, r.template, r.validation_status, a.total
            FROM read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true) r
            JOIN read_parquet('{wh}/applications/*/*.parquet', hive_partitioning = true) a
            USING (report_id, year)
            WHERE r.publisher = '澄城县人民政府' AND r.year = 2021 AND a.row_code = '1'"""
    ).fetchall()
    assert docx == [("docx", "2021", "valid", 5)]  # the report attached to an article page


def test_run_ends_with_a_table_artifact_per_site(first_run):
    from prefect.artifacts import Artifact

    artifact = Artifact.get("xxgk-backfill")
    assert artifact is not None
    assert artifact.type == "table"
    assert "demo_trs" in str(artifact.data)


def test_backfill_twice_gives_identical_tables(first_run):
    data, sites_file, _ = first_run
    before = _tables(data / "warehouse")
    again = _backfill(data, sites_file)
    assert again["published"] == 8
    assert _tables(data / "warehouse") == before


def test_reparse_from_archive_alone_rebuilds_the_same_warehouse(first_run, tmp_path):
    from flows.pipeline import reparse

    data, sites_file, _ = first_run
    summary = reparse(
        data_dir=str(data), sites_file=str(sites_file), warehouse=str(tmp_path / "wh")
    )
    assert summary["published"] == 8
    assert _tables(tmp_path / "wh") == _tables(data / "warehouse")


def test_dask_local_cluster_gives_the_same_warehouse(first_run, tmp_path):
    from prefect_dask import DaskTaskRunner

    from flows.pipeline import backfill

    data, sites_file, _ = first_run
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True}
    )
    summary = backfill.with_options(task_runner=runner)(
        years=[2019, 2020, 2021],
        source="archive",
        data_dir=str(data),
        sites_file=str(sites_file),
        warehouse=str(tmp_path / "wh"),
        batch_size=2,
        parse_concurrency=4,
    )
    assert summary["published"] == 8
    assert _tables(tmp_path / "wh") == _tables(data / "warehouse")


def test_nightly_marks_a_site_broken_when_it_stops_yielding_reports(demo_site, tmp_path):
    from flows.pipeline import nightly
    from flows.summary import RunSummary

    root, sites_file = demo_site
    first = nightly(data_dir=str(tmp_path), sites_file=str(sites_file))
    assert first["broken_sites"] == []
    assert first["sites"]["demo_gbk"]["new"] == 3  # article page, its DOCX, a broken report
    listing = root / "demo_gbk" / "list.html"
    saved = listing.read_bytes()
    listing.write_bytes(b"<html><body><p>\xd5\xfd\xd4\xda\xce\xac\xbb\xa4</p></body></html>")
    try:
        state = nightly(data_dir=str(tmp_path), sites_file=str(sites_file), return_state=True)
    finally:
        listing.write_bytes(saved)
    assert state.is_failed()  # a broken site fails the flow run (automations alert on it)
    assert "demo_gbk broken" in str(state.message)
    second = state.result(raise_on_failure=False).summary
    assert second["broken_sites"] == ["demo_gbk"]
    assert second["sites"]["demo_trs"]["new"] == 0  # incremental: nothing new to fetch
    run = RunSummary(run_id="x", flow="nightly")
    run.line("demo_gbk").status = "broken"
    assert run.exit_code() == 3


def test_backfill_audits_what_it_published(first_run):
    """Issue 11: every published value is re-checked against its archived source: 0 violations."""
    data, _sites, summary = first_run
    assert summary["audit"]["audited_reports"] == summary["published"]
    assert summary["audit"]["audited_values"] > 500
    assert summary["audit"]["audit_violations"] == 0
    from flows.audit import audit_published

    pooled = audit_published(data, data / "warehouse", chunk=3, workers=2)  # 2 processes
    assert pooled.counts() == summary["audit"]


def test_xxgk_audit_cli_and_a_tampered_value(first_run):
    from dataclasses import replace

    from typer.testing import CliRunner

    from crawler.archive import Archive
    from flows.cli import app
    from parsing.audit import audit_values
    from parsing.inputs import RawDocument
    from parsing.pipeline import source_blocks
    from warehouse.audit_rows import published_values

    data, _sites, _summary = first_run
    res = CliRunner().invoke(app, ["audit", "--data-dir", str(data)])
    assert res.exit_code == 0, res.output
    assert "0 violations" in res.output
    rep = next(r for r in published_values(data / "warehouse").values() if r.refs)
    archive = Archive(data)
    try:
        payload = archive.read(rep.archive_uri)
    finally:
        archive.close()
    doc = source_blocks(RawDocument(content=payload, url=rep.source_url))
    assert audit_values(rep.report_id, doc, rep.refs) == []
    ref = next(r for r in rep.refs if r.value)
    wrong = replace(ref, value=float(ref.value) * 10 + 3)  # digits joined across removed text
    moved = replace(ref, source_row=(ref.source_row or 0) + 999)
    kinds = [v.kind for v in audit_values(rep.report_id, doc, [wrong, moved])]
    assert kinds == ["digits", "cell_missing"]


def test_the_audit_reads_slice_by_slice(first_run):
    """Scale: the audit plans slices of ids (the values are read by the process auditing each
    slice); any slicing gives the serial audit's result, every report in exactly one slice."""
    from flows.audit import _balanced, audit_published
    from warehouse.audit_rows import audit_slices, published_values

    data, _sites, summary = first_run
    root = data / "warehouse"
    whole = published_values(root)
    slices = audit_slices(root, size=2)
    assert [rid for s in slices for rid in s.report_ids] == list(whole)  # report order, once
    assert all(len(s.report_ids) <= 2 for s in slices)
    assert len({s.year for s in slices}) > 1  # a slice never spans two years
    assert len(_balanced(audit_slices(root), 8)) >= min(8, len(whole))
    few = list(whole)[1:4]
    assert [r for s in audit_slices(root, few) for r in s.report_ids] == few
    small = audit_published(data, root, chunk=2, workers=1, slice_reports=3)
    assert small.counts() == summary["audit"]
