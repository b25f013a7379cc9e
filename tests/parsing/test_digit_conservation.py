"""Digit conservation (issue 11): a published number is one number printed in its own cell.

Each fixture in ``tests/fixtures/digits`` is one spammed cell; it replaces a clean cell of a
report fixture. Spam glued before or after a number is removed and the number published; spam
inside a number (or spam carrying digits of its own) leaves the value null with an error
``spam.ambiguous_cell`` naming the cell, the report invalid and the whole removal recorded.
"""

from __future__ import annotations

from typing import Any

import pytest

from parsing.pipeline import parse_document
from tests.parsing.digit_cases import REPORTS, load_cases, published, raw_report, substitute

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_digit_case(case: dict[str, Any]) -> None:
    page = (REPORTS / case["base"] / "input.html").read_text(encoding="utf-8")
    clean = parse_document(raw_report(case["base"]))
    truth, _ = published(clean, case["table"], case["row"], case["column"])
    report = parse_document(
        raw_report(case["base"], substitute(page, case["anchor"], case["cell"], case["html"]))
    )
    value, source_text = published(report, case["table"], case["row"], case["column"])
    issues = [i for i in report.validation_issues if i.rule == "spam.ambiguous_cell"]
    if case["expect"] == "null":
        assert value is None
        assert report.validation_status == "invalid"
        assert len(issues) == 1, report.validation_issues
        issue = issues[0]
        assert case["row"] in issue.message
        assert case["column"] in issue.message
        assert issue.severity == "error"
        assert issue.actual == source_text  # the raw cell text
        assert any(case["removed"] in r.removed_text for r in report.spam_removals)
        cells = getattr(report, f"{case['table']}_cells_quarantined")
        assert cells == 1
    else:
        assert value == case["expect"] == truth
        assert not issues
        assert report.spam_detected
    assert source_text is not None
    assert "".join(case["html"].split("<")[0].split()) in "".join(source_text.split())
    # every other value of the report is the clean one
    for table in ("active_disclosure", "review_litigation"):
        for got, want in zip(getattr(report, table), getattr(clean, table), strict=True):
            if (table, got.source_row, got.source_col) != (table, *_where(case, report)):
                assert got.value == want.value
    for got_app, want_app in zip(report.applications, clean.applications, strict=True):
        if got_app.row_code != case["row"]:
            assert got_app.values() == want_app.values()


def _where(case: dict[str, Any], report: Any) -> tuple[int | None, int | None]:
    if case["table"] != "active_disclosure":
        return None, None
    for r in report.active_disclosure:
        if (r.item, r.metric) == (case["row"], case["column"]):
            return r.source_row, r.source_col
    return None, None


def test_untouched_values_keep_their_provenance() -> None:
    report = parse_document(raw_report("02_trs_2021_tpl_2022"))
    for row in report.active_disclosure + report.review_litigation:
        assert row.source_kind == "html_table"
        assert row.source_table is not None
        assert row.source_row is not None
        assert row.source_col is not None
        assert row.source_text is not None
    for app in report.applications:
        assert app.source_col is not None
        assert len(app.source_col) == 7
        assert app.source_text is not None
        assert len(app.source_text) == 7
    assert report.applications_cells_expected == 175
    assert report.applications_cells_found == 175
    assert report.review_litigation_cells_found == 15
    assert report.active_disclosure_cells_expected == 10
    assert report.active_disclosure_cells_quarantined == 0
