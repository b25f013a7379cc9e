"""Issue 17 end to end on the demo sites: dates, regions, publishers, export, sql, report."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


@pytest.fixture(scope="module")
def nightly_run(demo_site, tmp_path_factory):
    from flows.pipeline import nightly

    _root, sites_file = demo_site
    data = tmp_path_factory.mktemp("analyst")
    summary = nightly(data_dir=str(data), sites_file=str(sites_file))
    assert summary["failed"] is None
    return data


def _reports(data: Path) -> dict[tuple[str, int], dict]:
    rows = duckdb.sql(
        f"SELECT * FROM read_parquet('{data}/warehouse/reports/*/*.parquet', "
        "hive_partitioning = true)"
    )
    cols = rows.columns
    return {
        (r[cols.index("publisher")], r[cols.index("year")]): dict(zip(cols, r, strict=False))
        for r in rows.fetchall()
    }


def test_document_dates_and_their_sources(nightly_run):
    reports = _reports(nightly_run)
    weinan = reports[("渭南市人民政府", 2021)]  # page: PubDate 2022-02-15; list: 2022-03-10
    assert (weinan["published_date"], weinan["published_date_source"]) == (
        date(2022, 2, 15),
        "meta",
    )
    sample = reports[("合阳县人民政府", 2020)]  # page without a date: the list's
    assert (sample["published_date"], sample["published_date_source"]) == (
        date(2022, 3, 10),
        "list",
    )
    docx = reports[("澄城县人民政府", 2021)]  # attachment: its article page's PubDate
    assert (docx["published_date"], docx["published_date_source"]) == (
        date(2022, 2, 28),
        "article_page",
    )


def test_region_is_the_publishers_own(nightly_run):
    reports = _reports(nightly_run)
    sample = reports[("合阳县人民政府", 2020)]
    assert sample["site"] == "demo_trs"  # found on the 渭南市 site (region 610500) …
    assert sample["region_code"] == "610524"  # … but 合阳县's own code
    assert sample["region_code_source"] == "publisher"
    assert sample["publisher_key"] == "610524:合阳县人民政府"
    assert reports[("渭南市人民政府", 2021)]["region_code"] == "610500"
    assert reports[("合阳县教育局", 2021)]["region_code"] == "610524"
    assert reports[("澄城县人民政府", 2020)]["region_code"] == "610525"


def test_publishers_dimension(nightly_run):
    wh = nightly_run / "warehouse"
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{wh}/publishers/*.parquet')")
    cols = rows.columns
    pubs = {
        r[cols.index("publisher_key")]: dict(zip(cols, r, strict=False)) for r in rows.fetchall()
    }
    heyang = pubs["610524:合阳县人民政府"]
    assert heyang["level"] == "县级"
    assert heyang["parent"] == "渭南市人民政府"
    assert heyang["sites"] == ["demo_trs"]
    assert (heyang["prefecture_name"], heyang["county_name"]) == ("渭南市", "合阳县")
    edu = pubs["610524:合阳县教育局"]
    assert (edu["level"], edu["parent"], edu["sites"]) == (
        "部门",
        "合阳县人民政府",
        ["demo_hanweb"],
    )
    chengcheng = pubs["610525:澄城县人民政府"]
    assert (chengcheng["first_year"], chengcheng["last_year"], chengcheng["reports"]) == (
        2020,
        2021,
        2,
    )
    assert pubs["610500:渭南市人民政府"]["level"] == "市级"


def test_export_every_format_and_wide(nightly_run, tmp_path):
    data = nightly_run
    for fmt in ("csv", "jsonl", "xlsx"):
        out = tmp_path / fmt
        res = runner.invoke(
            app, ["export", "--format", fmt, "--out", str(out), "--data-dir", str(data)]
        )
        assert res.exit_code == 0, res.output
        from warehouse.export import EXPORTABLE

        assert sorted(p.name for p in out.iterdir()) == sorted(
            f"{t}.{fmt}" for t in EXPORTABLE if t != "report_figures"
        )
    res = runner.invoke(
        app,
        [
            "export",
            "--wide",
            "--years",
            "2021",
            "--out",
            str(tmp_path / "wide"),
            "--data-dir",
            str(data),
        ],
    )
    assert res.exit_code == 0, res.output
    with (tmp_path / "wide" / "report_figures.csv").open(encoding="utf-8-sig") as fh:
        wide = {r["publisher"]: r for r in csv.DictReader(fh)}
    weinan = wide["渭南市人民政府"]
    # table 三 of the demo's 渭南市 2021 report: 14 new requests, 13 granted, 1 withheld
    assert (weinan["new_requests"], weinan["granted"], weinan["withheld"]) == ("14", "13", "1")
    assert weinan["results_total"] == "14"
    assert {r["year"] for r in wide.values()} == {"2021"}
    jsonl = (tmp_path / "jsonl" / "publishers.jsonl").read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line)["sites"] == ["demo_trs"] for line in jsonl)
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "xlsx" / "reports.xlsx", read_only=True)
    sheet = wb["reports"]
    header = next(sheet.iter_rows(values_only=True))
    assert "publisher_key" in header
    assert "published_date_source" in header
    bad = runner.invoke(
        app, ["export", "--format", "xml", "--out", str(tmp_path), "--data-dir", str(data)]
    )
    assert bad.exit_code != 0


def test_sql_views_and_csv(nightly_run, tmp_path):
    data = nightly_run
    res = runner.invoke(
        app,
        [
            "sql",
            "SELECT p.county_name, count(*) AS n FROM reports r JOIN publishers p USING "
            "(publisher_key) WHERE p.county_code = '610524' GROUP BY 1",
            "--data-dir",
            str(data),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "合阳县" in res.output
    out = tmp_path / "q.csv"
    res = runner.invoke(
        app,
        [
            "sql",
            "SELECT year, count(*) AS n FROM report_figures GROUP BY 1 ORDER BY 1",
            "--csv",
            str(out),
            "--data-dir",
            str(data),
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "year,n"
    bad = runner.invoke(app, ["sql", "SELECT nope FROM reports", "--data-dir", str(data)])
    assert bad.exit_code == 2
    assert "sql error" in bad.output


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_report_is_self_contained_and_draws_in_a_browser(nightly_run, tmp_path):
    data = nightly_run
    res = runner.invoke(app, ["report", "--data-dir", str(data)])
    assert res.exit_code == 0, res.output
    page = data / "report.html"
    assert str(page.resolve()) in res.output
    html = page.read_text(encoding="utf-8")
    svg_ns = 'xmlns="http://www.w3.org/2000/svg"'  # url-ok: a namespace name, never fetched
    assert "http://" not in html.replace(svg_ns, "")
    assert "https://" not in html
    assert "<link" not in html
    assert "src=" not in html
    for plot in (
        "coverage",
        "validation_status",
        "issue_rates",
        "spam_incidence",
        "spam_phrases",
        "spam_phrases_by_year",
        "site_health",
        "trends",
    ):
        assert f'data-plot="{plot}"' in html, plot
    assert "demo_trs" in html  # site health table
    assert "陕西省 渭南市" in html  # coverage by province / prefecture
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine: scripts/install-converters.sh installs it (root)")
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    import re

    plots = int(re.search(r'data-plots="(\d+)"', dom).group(1))
    drawn = int(re.search(r'data-plots-drawn="(\d+)"', dom).group(1))
    assert plots == 8
    assert drawn == plots  # every plot laid out marks with a non-empty box
    marks = [int(n) for n in re.findall(r'data-drawn="(\d+)"', dom)]
    assert len(marks) == plots
    assert all(n > 0 for n in marks)


def test_documented_publisher_joins_run(nightly_run):
    """The example joins of docs/DATASETS.md (publishers section) run and return rows."""
    import re

    from warehouse.sql import connect

    doc = (Path(__file__).resolve().parents[2] / "docs" / "DATASETS.md").read_text(encoding="utf-8")
    section = doc[doc.index("### publishers") : doc.index("### report_figures")]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    statements = [q.strip() for b in blocks for q in b.split(";") if q.strip()]
    assert len(statements) == 2
    con = connect(nightly_run / "warehouse")
    per_area = con.execute(statements[0]).fetchall()
    # 5 publishers seen in 渭南市 (市政府, 合阳县政府 and two of its bureaus, 澄城县政府); 4 in 2021
    assert ("渭南市", 2021, 4, 5) in per_area
    departments = con.execute(statements[1]).fetchall()
    assert sorted(r[0] for r in departments) == ["合阳县卫生健康局", "合阳县教育局"]
