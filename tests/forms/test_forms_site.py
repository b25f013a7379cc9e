"""Issue 12 end to end: one report in every form on a loopback site → crawl → flows → Parquet.

The same report as one HTML page, a 3-page article, a PDF and a DOCX attachment (and a scanned
image, for the cells OCR reads with confidence) gives the same tables in the warehouse; a
multi-page article with a page missing is an error record, never a report.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _rows(wh: Path, table: str, cols: str) -> dict[str, list[tuple]]:
    rel = duckdb.sql(
        f"""SELECT r.publisher, {cols}
            FROM read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true) r
            JOIN read_parquet('{wh}/{table}/*/*.parquet', hive_partitioning = true) t
            USING (report_id, year)"""
    ).fetchall()
    out: dict[str, list[tuple]] = {}
    for row in rel:
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return {k: sorted(v, key=repr) for k, v in out.items()}


@pytest.fixture(scope="module")
def run(forms_site, tmp_path_factory):
    from flows.pipeline import backfill

    _root, sites_file = forms_site
    data = tmp_path_factory.mktemp("data")
    summary = backfill(years=[2017, 2021], data_dir=str(data), sites_file=str(sites_file))
    errors = []
    if summary.get("errors_file"):
        lines = Path(summary["errors_file"]).read_text(encoding="utf-8").splitlines()
        errors = [json.loads(line) for line in lines]
    return data, summary, errors


def test_multipage_article_is_one_report_with_all_page_urls(run):
    data, _summary, _errors = run
    wh = data / "warehouse"
    rows = duckdb.sql(
        f"""SELECT publisher, source_url, page_urls, validation_status FROM
            read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true)
            WHERE publisher = '甲县教育局'"""
    ).fetchall()
    assert len(rows) == 1  # a continuation page is never a report of its own
    _pub, url, pages, status = rows[0]
    assert url.endswith("t20220120_2001.html")
    assert [p.rsplit("/", 1)[1] for p in pages] == [
        "t20220120_2001.html",
        "t20220120_2001_1.html",
        "t20220120_2001_2.html",
    ]
    assert status == "valid"


def test_article_with_a_missing_page_is_an_error_not_a_report(run):
    data, _summary, errors = run
    wh = data / "warehouse"
    publishers = {
        r[0]
        for r in duckdb.sql(
            f"SELECT publisher FROM read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true)"
        ).fetchall()
    }
    assert "己县教育局" not in publishers
    kinds = {(e.get("kind"), (e.get("url") or "").rsplit("/", 1)[-1]) for e in errors}
    assert ("http_error", "t20220122_2006_2.html") in kinds
    assert ("article_incomplete", "t20220122_2006.html") in kinds


@pytest.mark.parametrize(
    ("table", "cols"),
    [
        (
            "applications",
            "row_code, natural_person, commercial_enterprise, research_institution, "
            "social_welfare_org, legal_service_org, other_org, total",
        ),
        ("active_disclosure", "article, item, metric, value, unit"),
        ("review_litigation", "proceeding, outcome, value"),
    ],
)
def test_every_form_gives_the_same_tables(run, table, cols):
    data, _summary, _errors = run
    rows = _rows(data / "warehouse", table, cols)
    reference = rows["乙县教育局"]  # the one-page HTML
    assert reference
    for publisher in (
        "甲县教育局",  # 3-page article
        "丙县教育局",  # PDF
        "丁县教育局",  # DOCX
        "庚县教育局",  # Word-exported HTML quirks
        "壬县教育局",  # DOCX with tables typed as text
        "癸县教育局",  # PDF with tables typed as text
    ):
        assert rows.get(publisher) == reference, publisher


def test_blank_table_4_is_found_with_null_values(run):
    data, _summary, _errors = run
    wh = data / "warehouse"
    values = _rows(wh, "review_litigation", "value")["辛县教育局"]
    assert len(values) == 15
    assert all(v == (None,) for v in values)
    rules = _rows(wh, "validation_issues", "rule, message")["辛县教育局"]
    assert "report.tables_missing" not in {r for r, _m in rules}
    assert any("table 四 printed with every cell blank" in m for _r, m in rules)
    # tables 二 and 三 of the same report are read as printed
    assert (
        _rows(wh, "applications", "row_code, total")["辛县教育局"]
        == _rows(wh, "applications", "row_code, total")["乙县教育局"]
    )


def test_scanned_article_reads_its_cells_with_confidence(run):
    """戊县教育局: the article body is two PNG scans; OCR rebuilds the grids from the ruling lines
    and word boxes. Every value it publishes equals the text report's; the rest are null with
    an ``ocr.low_confidence`` issue or missing rows (never a guess)."""
    data, _summary, _errors = run
    wh = data / "warehouse"
    (fmt, conf, pages), *_ = duckdb.sql(
        f"""SELECT format, ocr_confidence, page_urls FROM
            read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true)
            WHERE publisher = '戊县教育局'"""
    ).fetchall()
    assert fmt == "image"
    assert conf > 70
    assert [p.rsplit(".", 1)[1] for p in pages] == ["html", "png", "png"]
    cols = (
        "row_code, natural_person, commercial_enterprise, research_institution, "
        "social_welfare_org, legal_service_org, other_org, total"
    )
    scanned = {r[0]: r[1:] for r in _rows(wh, "applications", cols)["戊县教育局"]}
    reference = {r[0]: r[1:] for r in _rows(wh, "applications", cols)["乙县教育局"]}
    read = 0
    for code, values in scanned.items():
        for got, want in zip(values, reference[code], strict=True):
            if got is not None:
                read += 1
                assert got == want, code
    assert read >= 0.8 * sum(len(v) for v in reference.values())  # most cells read
    for table, key in (
        ("active_disclosure", "article, item, metric, value"),
        ("review_litigation", "proceeding, outcome, value"),
    ):
        got = {r[:-1]: r[-1] for r in _rows(wh, table, key)["戊县教育局"]}
        want = {r[:-1]: r[-1] for r in _rows(wh, table, key)["乙县教育局"]}
        assert set(got) == set(want), table
        assert all(v is None or v == want[k] for k, v in got.items()), table


def test_legacy_report_publishes_legacy_figures_not_template_rows(run):
    data, _summary, _errors = run
    wh = data / "warehouse"
    (template, status, overall, problems), *_ = duckdb.sql(
        f"""SELECT template, validation_status, text_overall, text_problems FROM
            read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true)
            WHERE publisher = '子县教育局' AND year = 2017"""
    ).fetchall()
    assert template == "legacy"
    assert status == "valid"  # no false errors
    assert overall.startswith("2017年，我县认真贯彻落实")
    assert problems.startswith("主要问题是部分单位信息更新不够及时")
    for table in ("applications", "active_disclosure", "review_litigation"):
        assert "子县教育局" not in _rows(wh, table, "1"), table  # never template rows
    figures = _rows(wh, "legacy_figures", "section, label, unit, value, cumulative, source_row")
    got = figures["子县教育局"]
    assert ("二、依申请公开情况", "2．同意部分公开答复数", "件", 1.0, 9.0, 9) in got
    assert ("一、主动公开情况", "2．政府公报公开数", "条", 56.0, None, 4) in got  # blank 累计
    assert (None, "三、行政复议数量", "件", 0.0, 1.0, 11) in got
    assert len(got) == 11


def test_table_2_written_as_prose(run):
    data, _summary, _errors = run
    wh = data / "warehouse"
    cols = "article, item, metric, value, unit"
    assert (
        _rows(wh, "active_disclosure", cols)["丑县教育局"]
        == _rows(wh, "active_disclosure", cols)["乙县教育局"]
    )
    rules = {r for (r,) in _rows(wh, "validation_issues", "rule")["丑县教育局"]}
    assert "active_disclosure.from_prose" in rules
    assert "report.tables_missing" not in rules


def test_borderless_pdf_places_numbers_by_column_position(run):
    """寅县教育局: no ruling lines, blank cells for 0, merged and wrapped labels: every number
    stays in its column (a blank cell is null, never the next column's number)."""
    data, _summary, _errors = run
    wh = data / "warehouse"
    cols = (
        "row_code, natural_person, commercial_enterprise, research_institution, "
        "social_welfare_org, legal_service_org, other_org, total"
    )
    got = _rows(wh, "applications", cols)["寅县教育局"]
    want = [
        (row[0], *(None if v == 0 else v for v in row[1:]))
        for row in _rows(wh, "applications", cols)["乙县教育局"]
    ]
    assert got == want
    key = "proceeding, outcome, value"
    assert (
        _rows(wh, "review_litigation", key)["寅县教育局"]
        == _rows(wh, "review_litigation", key)["乙县教育局"]
    )
    # table 二: its one-number rows (行政许可 1,038, 行政事业性收费 12.5 万元) under their own
    # headers are read too, so nothing is missing and no row is silently dropped
    key = "article, item, metric, value, unit"
    assert (
        _rows(wh, "active_disclosure", key)["寅县教育局"]
        == _rows(wh, "active_disclosure", key)["乙县教育局"]
    )
    rules = {r for (r,) in _rows(wh, "validation_issues", "rule").get("寅县教育局", [])}
    assert "table.rows_missing" not in rules


def test_reparse_from_the_archive_rebuilds_the_multipage_article(run, forms_site):
    """The page relation lives in the archive index: a reparse (no network) publishes the
    3-page article again as one report with its page URLs, and the scan with its images."""
    from flows.pipeline import reparse

    data, _summary, _errors = run
    _root, sites_file = forms_site
    out = data / "warehouse-reparse"
    summary = reparse(
        years=[2021], data_dir=str(data), sites_file=str(sites_file), warehouse=str(out)
    )
    assert summary["failed"] is None
    rows = dict(
        duckdb.sql(
            f"""SELECT publisher, len(page_urls) FROM
                read_parquet('{out}/reports/*/*.parquet', hive_partitioning = true)"""
        ).fetchall()
    )
    assert rows["甲县教育局"] == 3
    assert rows["戊县教育局"] == 3
    assert "己县教育局" not in rows
    cols = "row_code, total"
    assert (
        _rows(out, "applications", cols)["甲县教育局"]
        == _rows(data / "warehouse", "applications", cols)["乙县教育局"]
    )
