"""Regressions from the code review: layouts and wordings that once gave wrong numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import RawDocument, parse_document
from parsing.extract.grid import split_text_row
from parsing.metadata import government_name, publisher_from_title, year_from_title
from parsing.numbers import parse_cell_number
from parsing.validate import carry_over

REVIEW = Path(__file__).parents[1] / "fixtures" / "review"


def _parse(name: str):
    path = REVIEW / name
    return parse_document(
        RawDocument(content=path.read_bytes(), filename=name, publisher="某某县人民政府")
    )


def _row(report, code):
    return next(r.values() for r in report.applications if r.row_code == code)


def test_legal_entity_subtotal_column_is_not_taken_for_the_total():
    report = _parse("orgtotal.html")  # 法人或其他组织 has its own 小计 column
    assert _row(report, "1") == [5, 1, 0, 0, 0, 0, 6]
    assert report.validation_status == "valid"


def test_one_bad_cell_in_table_four_keeps_the_other_fourteen_in_place():
    report = _parse("rev_bad.html")  # one cell reads 1O
    values = [x.value for x in report.review_litigation]
    assert len(values) == 15
    assert values[2] is None
    assert values.count(None) == 1
    assert [i.rule for i in report.validation_issues] == ["values.not_a_number"]


def test_rows_copied_from_a_pdf_with_single_spaces_are_read():
    report = _parse("single.txt")
    assert _row(report, "1") == [5, 1, 0, 0, 0, 0, 6]
    assert len(report.review_litigation) == 15


def test_wu_in_brackets_is_an_empty_cell():
    assert _parse("wu.html").validation_status == "valid"
    assert parse_cell_number("（无）").value is None
    assert parse_cell_number("（无）").ok


@pytest.mark.parametrize(
    ("text", "value", "ok"),
    [("1 038", 1038, True), ("5 6", None, False), ("〇", 0, True), ("-0", 0, True)],
)
def test_spaces_inside_cells(text, value, ok):
    n = parse_cell_number(text)
    assert (n.value, n.ok) == (value, ok)


def test_split_keeps_prose_whole():
    assert split_text_row("2021年共收到申请 5 件，办结 5 件。") is None
    assert split_text_row("（七）总计  5 1  0  0  0  0  6") == ["（七）总计", *"5100006"]


@pytest.mark.parametrize(
    ("title", "publisher", "year"),
    [
        ("2021年某某县教育局政府信息公开工作年度报告", "某某县教育局", 2021),
        ("某某县教育局政府信息公开工作2021年度报告", "某某县教育局", 2021),
        ("关于印发某某县2021年政府信息公开工作年度报告的通知", "某某县人民政府", 2021),
        (
            "某某市高新技术产业开发区2021年政府信息公开工作年度报告",
            "某某市高新技术产业开发区",
            2021,
        ),
        ("某某县二〇二一年政府信息公开工作年度报告", "某某县人民政府", 2021),
        ("某某县城关街道办事处2022年政府信息公开工作年度报告", "某某县城关街道办事处", 2022),
    ],
)
def test_publisher_and_year_from_title_variants(title, publisher, year):
    assert publisher_from_title(title, "某某县人民政府") == publisher
    assert year_from_title(title) == year


def test_year_in_chinese_numerals_in_title_and_body():
    report = _parse("cn_both.html")
    assert report.year == 2021


def test_year_first_title_names_the_department():
    assert _parse("yearfirst.html").publisher == "某某县教育局"


def test_zones_are_not_people_s_governments():
    assert government_name("某某工业园区") == "某某工业园区"
    assert government_name("某某县") == "某某县人民政府"


def test_carry_over_compares_consecutive_years_of_one_publisher():
    sample = (
        Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"
    ).read_bytes()
    cur = parse_document(RawDocument(content=sample, filename="s.txt", publisher="合阳县人民政府"))
    prev = cur.model_copy(update={"year": 2019})
    assert carry_over(prev, cur) is None  # row 4 of 2019 (zeros) = row 2 of 2020 (zeros)
    changed = [
        r.model_copy(update={"natural_person": 2, "total": 2}) if r.row_code == "4" else r
        for r in prev.applications
    ]
    issue = carry_over(prev.model_copy(update={"applications": changed}), cur)
    assert issue is not None
    assert issue.rule == "cross_year.carry_over"
    assert "natural_person (2 → 0)" in issue.message
    assert carry_over(cur, cur) is None  # not consecutive years
