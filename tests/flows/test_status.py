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
