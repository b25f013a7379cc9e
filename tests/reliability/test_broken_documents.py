"""Broken documents at parse level: a report with a clear status, or a typed ParseError."""

from __future__ import annotations

import pytest
from broken_docs import all_documents

from parsing import ParseError, RawDocument, Report, parse_document

DOCS = all_documents()


def _parse(name: str, **hints: object) -> Report:
    body, ctype = DOCS[name]
    return parse_document(
        RawDocument(
            content=body,
            media_type=ctype,
            url=f"http://127.0.0.1/b/{name}",
            site="broken",
            publisher="残缺县人民政府",
            **hints,  # type: ignore[arg-type]
        )
    )


def _row(report: Report, code: str) -> list[int | None]:
    row = next(a for a in report.applications if a.row_code == code)
    return [
        row.natural_person,
        row.commercial_enterprise,
        row.research_institution,
        row.social_welfare_org,
        row.legal_service_org,
        row.other_org,
        row.total,
    ]


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_broken_document_gives_a_report_or_a_typed_error(name):
    try:
        report = _parse(name)
    except ParseError as exc:
        kind = exc.kind
    else:
        kind = None
    if kind is not None:
        assert kind in {"not_a_report", "corrupt_document", "missing_year", "empty_file"}
        return
    assert report.validation_status in {"valid", "warning", "invalid"}
    assert report.year in (2019, 2020, 2021)


@pytest.mark.parametrize(
    ("name", "kind"), [("empty.html", "empty_file"), ("junk.html", "not_a_report")]
)
def test_empty_and_junk_are_not_reports(name, kind):
    with pytest.raises(ParseError) as info:
        _parse(name)
    assert info.value.kind == kind


def test_duplicated_tables_are_read_once():
    report = _parse("duplicated_tables.html")
    codes = [a.row_code for a in report.applications]
    assert len(codes) == len(set(codes)) == 23
    assert len(report.review_litigation) == 15
    assert _row(report, "1") == [5, 1, 0, 0, 1, 0, 7]
    assert report.validation_status == "valid"


def test_an_injected_spam_row_is_removed_and_recorded_without_touching_numbers():
    report = _parse("spam_row.html")
    assert report.spam_detected
    assert any("澳门" in s.removed_text for s in report.spam_removals)
    assert _row(report, "1") == [5, 1, 0, 0, 1, 0, 7]
    assert all(88 not in _row(report, a.row_code) for a in report.applications)
    assert report.validation_status == "valid"


def test_negative_numbers_make_the_report_invalid_with_an_issue():
    report = _parse("negative_numbers.html")
    assert report.validation_status == "invalid"
    assert "values.non_negative" in {i.rule for i in report.validation_issues}
    assert _row(report, "1")[1] == -1  # kept as printed, flagged


def test_totals_that_do_not_add_up_are_published_invalid():
    report = _parse("bad_totals.html")
    assert report.validation_status == "invalid"
    assert {"applications.row_total", "applications.results_total"} <= {
        i.rule for i in report.validation_issues
    }


def test_numbers_with_letters_make_the_report_invalid():
    report = _parse("letters_in_numbers.html")
    assert report.validation_status == "invalid"


def test_numbers_with_letters_stay_in_their_columns():
    report = _parse("letters_in_numbers.html")
    row = _row(report, "1")
    assert row[2] == 5  # '５件' in 科研机构
    assert row[4:] == [0, 0, 7]  # 法律服务机构, 其他, 总计 keep their place


def test_a_charset_header_that_lies_is_overruled_by_the_bytes():
    report = _parse("lying_charset.html", charset="utf-8")
    assert report.publisher == "谎称县人民政府"
    assert report.validation_status == "valid"


def test_a_report_served_as_octet_stream_is_sniffed_as_html():
    report = _parse("wrong_type.html")
    assert report.format == "html"
    assert _row(report, "1") == [5, 1, 0, 0, 1, 0, 7]


@pytest.mark.parametrize("name", ["truncated.html", "no_tables.html"])
def test_a_report_missing_its_tables_is_not_valid(name):
    report = _parse(name)
    assert report.validation_status != "valid"
    assert report.validation_issues


def test_junk_with_a_report_title_hint_is_still_not_a_report():
    with pytest.raises(ParseError):
        _parse("junk.html", title_hint="残缺县2020年政府信息公开工作年度报告", year_hint=2020)
