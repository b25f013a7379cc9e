"""Publisher and year from trusted sources, with the source recorded (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing.inputs import RawDocument
from parsing.metadata import choose_publisher, choose_year, trusted_name
from parsing.models import Report
from parsing.pipeline import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metadata"
URL = "http://127.0.0.1/art/2022/1/20/art_1234_567.html"


def _parse(name: str, registry: str | None = "合阳县人民政府") -> Report:
    return parse_document(
        RawDocument(
            content=(FIXTURES / name).read_bytes(),
            media_type="text/html",
            url=URL,
            site="heyang",
            publisher=registry,
        )
    )


def _rules(report: Report) -> set[str]:
    return {i.rule for i in report.validation_issues}


def test_spammed_title_issuer_yields_to_the_page_metadata() -> None:
    report = _parse("spam_issuer_meta_names_body.html")
    assert report.publisher == "合阳县教育局"
    assert report.publisher_source == "meta"
    assert "澳门" not in report.title


def test_statistics_period_beats_the_publishing_year_in_the_title() -> None:
    report = _parse("title_publishing_year.html")
    assert report.year == 2021
    assert report.year_source == "body_period"
    assert "metadata.year_disagrees" in _rules(report)
    assert report.validation_status == "warning"


def test_spam_in_metadata_is_never_a_publisher() -> None:
    report = _parse("spam_in_metadata.html")
    assert report.publisher == "合阳县教育局"
    assert report.publisher_source == "title"


def test_disagreeing_sources_warn_and_metadata_wins() -> None:
    report = _parse("metadata_disagrees.html")
    assert report.publisher == "合阳县文化和旅游局"
    assert report.publisher_source == "meta"
    assert "metadata.publisher_disagrees" in _rules(report)


def test_registry_when_nothing_else_is_trustworthy() -> None:
    report = _parse("registry_only.html", registry="合阳县教育局")
    assert report.publisher == "合阳县教育局"
    assert report.publisher_source == "registry"


@pytest.mark.parametrize(
    "name",
    [
        "澳门金沙合阳县",
        "合阳县教育局xx88",
        "合阳县教育局|官网",
        "亚博体育合阳县教育局",
        "2021年",
        "县",
    ],
)
def test_untrusted_names(name: str) -> None:
    assert trusted_name(name) is None


def test_office_of_the_title_issuer_names_the_issuer() -> None:
    pub = choose_publisher({"meta": "澄城县人民政府办公室"}, "澄城县人民政府", None)
    assert pub == ("澄城县人民政府", "meta", [])
    own = choose_publisher({"meta": "澄城县人民政府办公室"}, "澄城县人民政府办公室", None)
    assert own[0] == "澄城县人民政府办公室"


def test_year_order() -> None:
    assert choose_year(period=None, title=2022, hint=2021, text=None, published=None)[:2] == (
        2022,
        "title",
    )
    year, source, note = choose_year(period=2021, title=2022, hint=None, text=None, published=None)
    assert (year, source) == (2021, "body_period")
    assert note is not None


def test_index_table_names_the_publisher() -> None:
    report = _parse("index_table.html")
    assert report.publisher == "合阳县教育局"
    assert report.publisher_source == "index_table"


def test_registry_publisher_not_named_in_the_document_is_unconfirmed() -> None:
    report = _parse("registry_only.html", registry="合阳县人民政府")  # a portal's department report
    assert report.publisher == "合阳县人民政府"
    assert report.publisher_source == "registry_unconfirmed"
    assert "metadata.publisher_unconfirmed" in _rules(report)
