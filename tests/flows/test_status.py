"""Coverage: expected vs found per site and year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.status import status_table
from flows.summary import expected_years
from parsing import RawDocument, parse_document
from warehouse import publish

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"


def test_due_dates_differ_for_governments_and_departments():
    assert expected_years(date(2022, 3, 1)) == [2019, 2020]
    assert expected_years(date(2022, 4, 1)) == [2019, 2020, 2021]
    assert expected_years(date(2022, 2, 1), government=False) == [2019, 2020, 2021]
    assert expected_years(date(2022, 1, 15), government=False) == [2019, 2020]


def test_status_shows_found_and_missing_years(tmp_path):
    raw = RawDocument(
        content=SAMPLE.read_bytes(),
        filename="r.txt",
        site="heyang",
        publisher="合阳县人民政府",
        url="http://127.0.0.1/heyang/2020.html",
    )
    publish([parse_document(raw)], tmp_path / "warehouse")
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "heyang"\npublisher = "合阳县人民政府"\nregion_code = "610524"\n'
        'start_urls = ["http://127.0.0.1/heyang/"]\nallowed_domains = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    lines = status_table(str(tmp_path / "warehouse"), sites, today=date(2022, 5, 1)).splitlines()
    rows = {tuple(line.split()[:2]): line.split() for line in lines[1:]}
    assert rows[("heyang", "2020")][2:] == ["1", "0", "0", "ok"]
    assert rows[("heyang", "2021")][-1] == "MISSING"
    assert rows[("heyang", "2019")][-1] == "MISSING"


def test_a_crawl_that_hit_a_bound_is_incomplete_in_the_run_and_in_status(tmp_path):
    """limit_reached → site status ``incomplete`` in the run summary and in ``xxgk status``."""
    from crawler.__main__ import write_state
    from crawler.summary import CrawlSummary
    from flows.summary import RunSummary, add_crawl

    crawl = CrawlSummary(site="heyang", documents_found=3)
    url = "http://127.0.0.1/heyang/index_500.html"  # url-ok: data, never fetched
    crawl.add_error("limit_reached", url, "page_limit: 500 list pages", bound="page_limit")
    assert crawl.status == "incomplete"
    assert crawl.limits_hit == ["page_limit"]
    run = RunSummary(run_id="r", flow="nightly")
    add_crawl(run, crawl.model_dump())
    assert run.sites["heyang"].status == "incomplete"
    assert run.incomplete_sites == ["heyang"]
    assert run.to_dict()["incomplete_sites"] == ["heyang"]
    assert run.sites["heyang"].reasons[0] == f"bound page_limit hit at {url}"

    raw = RawDocument(
        content=SAMPLE.read_bytes(),
        filename="r.txt",
        site="heyang",
        publisher="合阳县人民政府",
        url="http://127.0.0.1/heyang/2020.html",
    )
    publish([parse_document(raw)], tmp_path / "warehouse")
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "heyang"\npublisher = "合阳县人民政府"\nregion_code = "610524"\n'
        'start_urls = ["http://127.0.0.1/heyang/"]\nallowed_domains = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    write_state(tmp_path / "data", crawl)
    text = status_table(
        str(tmp_path / "warehouse"),
        sites,
        today=date(2022, 5, 1),
        crawl_state_dir=tmp_path / "data" / "state" / "crawls",
    )
    assert "heyang               crawl incomplete" in text
    assert f"page_limit at {url}" in text
