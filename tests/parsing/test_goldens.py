"""Golden reports: every folder of tests/fixtures/reports parsed and compared field by field.

The expectations (``expected.json``) are hand-written from the numbers each fixture prints; they
are never regenerated from parser output (there is deliberately no ``--update-goldens``). See
tests/fixtures/reports/README.md for the keys and the decisions behind them.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from parsing.errors import ParseError
from parsing.inputs import RawDocument
from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ActiveDisclosure,
    ApplicationRow,
    Report,
    ReviewLitigation,
    ValidationIssue,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "reports"
SAMPLE = FIXTURES / "samples" / "heyang-2020-spam.txt"
SAMPLE_SHA256 = "c9c01b463e9dead8beab286a3a5602f2a473388a15e555c8ff7780c5537fa2d5"
CASES = sorted(p for p in REPORTS.iterdir() if (p / "expected.json").is_file())

ROWS_2019 = [
    "1", "2", "3.1", "3.2", *(f"3.3.{i}" for i in range(1, 9)), *(f"3.4.{i}" for i in range(1, 4)),
    *(f"3.5.{i}" for i in range(1, 6)), "3.6", "3.7", "4",
]  # fmt: skip
ROWS_2021 = [*ROWS_2019[:20], "3.6.1", "3.6.2", "3.6.3", "3.7", "4"]
METRICS = {
    "2019": {"new_made", "new_published", "total_published", "prev_count", "change", "decisions",
             "purchase_count", "purchase_amount"},
    "2021": {"made", "repealed", "in_force", "decisions", "fee_amount"},
}  # fmt: skip
SCALARS = (
    "template", "year", "publisher", "format", "validation_status", "spam_detected",
    "spam_chars_removed", "region_code",
)  # fmt: skip
TEXTS = {
    "text_overall_startswith": "text_overall",
    "text_problems_startswith": "text_problems",
    "text_other_startswith": "text_other",
}
KNOWN_KEYS = {
    *SCALARS, *TEXTS, "error", "validation_rules", "title_contains", "title_not_contains",
    "applications", "applications_row_codes", "active_disclosure", "review_litigation",
    "text_overall_not_contains", "spam_chars_removed_min", "published_date",
}  # fmt: skip

AdKey = tuple[str, str, str, float | None, str | None]


# ---------------------------------------------------------------- loading


def load_case(case: Path) -> tuple[RawDocument, dict[str, Any]]:
    """The RawDocument of a case folder and its expectation."""
    inputs = sorted(case.glob("input.*"))
    assert len(inputs) == 1, f"{case.name}: expected exactly one input.* file, found {inputs}"
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return RawDocument(content=inputs[0].read_bytes(), **meta), expected


def parse_document() -> Callable[[RawDocument], Report]:
    """``parsing.parse_document``, or skip while the lead's pipeline does not exist yet."""
    try:
        import parsing.pipeline as pipeline
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("parsing.pipeline"):
            pytest.skip("parsing.pipeline is not written yet")
        raise
    import parsing

    fn: Callable[[RawDocument], Report] = getattr(
        parsing, "parse_document", pipeline.parse_document
    )
    return fn


# ---------------------------------------------------------------- comparison


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _starts_with(text: str | None, snippet: str) -> bool:
    if text is None:
        return False
    lines = text.strip().splitlines()
    candidates = [text, "\n".join(lines[1:])]  # a leading heading line is tolerated
    return any(_norm(c).startswith(_norm(snippet)) for c in candidates)


def _ad_key(article: str, item: str, metric: str, value: Any, unit: str | None) -> AdKey:
    return (article, item, metric, None if value is None else float(value), unit)


def _fmt_rows(rows: set[AdKey]) -> str:
    return "\n      ".join(str(r) for r in sorted(rows, key=repr)) or "(none)"


def compare(report: Report, exp: dict[str, Any]) -> list[str]:
    """Every mismatch between a parsed report and a (partial) expectation, as readable lines."""
    diffs: list[str] = []
    for key, want in exp.items():
        if key in SCALARS:
            got = getattr(report, key)
            if got != want:
                diffs.append(f"{key}: expected {want!r}, got {got!r}")
        elif key == "published_date":
            got_date = None if report.published_date is None else report.published_date.isoformat()
            if got_date != want:
                diffs.append(f"published_date: expected {want!r}, got {got_date!r}")
        elif key == "validation_rules":
            got_rules = sorted({i.rule for i in report.validation_issues})
            if got_rules != sorted(want):
                issues = [(i.rule, i.severity, i.message) for i in report.validation_issues]
                diffs.append(
                    f"validation_rules: expected {sorted(want)}, got {got_rules}; {issues}"
                )
        elif key == "title_contains":
            if _norm(want) not in _norm(report.title):
                diffs.append(f"title: expected to contain {want!r}, got {report.title!r}")
        elif key == "title_not_contains":
            bad = [w for w in want if _norm(w) in _norm(report.title)]
            if bad:
                diffs.append(f"title: must not contain {bad}, got {report.title!r}")
        elif key in TEXTS:
            got_text = getattr(report, TEXTS[key])
            if not _starts_with(got_text, want):
                head = None if got_text is None else got_text[:60]
                diffs.append(f"{TEXTS[key]}: expected to start with {want!r}, got {head!r}")
        elif key == "text_overall_not_contains":
            bad = [w for w in want if w in (report.text_overall or "")]
            if bad:
                diffs.append(f"text_overall: spam left in section 一: {bad}")
        elif key == "spam_chars_removed_min":
            if report.spam_chars_removed < want:
                diffs.append(
                    f"spam_chars_removed: expected >= {want}, got {report.spam_chars_removed}"
                )
        elif key == "applications_row_codes":
            got_codes = [r.row_code for r in report.applications]
            if got_codes != want:
                diffs.append(
                    f"applications row codes:\n    expected {want}\n    got      {got_codes}"
                )
        elif key == "applications":
            for code, values in want.items():
                row = report.application(code)
                if row is None:
                    diffs.append(f"applications[{code}]: row missing")
                elif row.values() != values:
                    diffs.append(f"applications[{code}] ({row.row_label}): expected {values}, "
                                 f"got {row.values()}")  # fmt: skip
        elif key == "active_disclosure":
            want_set = {_ad_key(**e) for e in want}
            got_set = {
                _ad_key(a.article, a.item, a.metric, a.value, a.unit)
                for a in report.active_disclosure
            }
            if want_set != got_set:
                diffs.append(
                    "active_disclosure differs:\n    missing:\n      "
                    + _fmt_rows(want_set - got_set)
                    + "\n    unexpected:\n      "
                    + _fmt_rows(got_set - want_set)
                )
        elif key == "review_litigation":
            got_rl: dict[str, list[int | None]] = {}
            for proceeding in PROCEEDINGS:
                by_outcome = {
                    r.outcome: r.value
                    for r in report.review_litigation
                    if r.proceeding == proceeding
                }
                got_rl[proceeding] = [by_outcome.get(o) for o in OUTCOMES]
            for proceeding, values in want.items():
                if got_rl.get(proceeding) != values:
                    diffs.append(f"review_litigation[{proceeding}]: expected {values}, "
                                 f"got {got_rl.get(proceeding)}")  # fmt: skip
        else:
            diffs.append(f"unknown expectation key {key!r}")
    return diffs


# ---------------------------------------------------------------- the golden tests


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_report(case: Path) -> None:
    raw, exp = load_case(case)
    parse = parse_document()
    if "error" in exp:
        with pytest.raises(ParseError) as info:
            parse(raw)
        assert info.value.kind == exp["error"], f"{case.name}: {info.value.to_record()}"
        return
    report = parse(raw)
    diffs = compare(report, exp)
    assert not diffs, f"{case.name}: {len(diffs)} mismatch(es)\n  " + "\n  ".join(diffs)


FIVE = [4, 0, 0, 0, 1, 0, 5]


def test_heyang_sample_reproduces_every_number() -> None:
    """Brief item 11, written out number by number (independent of expected.json)."""
    case = REPORTS / "14_heyang_sample_2020"
    raw, _ = load_case(case)
    assert raw.content == SAMPLE.read_bytes()
    report = parse_document()(raw)
    assert (report.template, report.year, report.publisher) == ("2019", 2020, "合阳县人民政府")
    assert report.validation_status == "valid"
    assert report.spam_detected is True
    assert report.spam_chars_removed == 75
    rows = {r.row_code: r.values() for r in report.applications}
    assert list(rows) == ROWS_2019
    assert rows["1"] == FIVE
    assert rows["3.1"] == FIVE
    assert rows["3.7"] == FIVE
    assert rows["4"] == [0] * 7
    assert all(rows[c] == [0] * 7 for c in ROWS_2019 if c not in {"1", "3.1", "3.7"})
    ad = {(a.item, a.metric): (a.value, a.unit) for a in report.active_disclosure}
    assert ad[("行政许可", "prev_count")] == (266, None)
    assert ad[("行政许可", "change")] == (77, None)
    assert ad[("行政许可", "decisions")] == (1038, None)
    assert ad[("其他对外管理服务事项", "prev_count")] == (123, None)
    assert ad[("其他对外管理服务事项", "change")] == (16, None)
    assert ad[("其他对外管理服务事项", "decisions")] == (183, None)
    assert ad[("行政处罚", "prev_count")] == (51, None)
    assert ad[("行政处罚", "change")] == (0, None)
    assert ad[("行政处罚", "decisions")] == (689, None)
    assert ad[("行政强制", "prev_count")] == (23, None)
    assert ad[("行政强制", "change")] == (2, None)
    assert ad[("行政强制", "decisions")] == (13, None)
    assert ad[("行政事业性收费", "prev_count")] == (22, None)
    assert ad[("行政事业性收费", "change")] == (10, None)
    assert ad[("政府集中采购", "purchase_count")] == (81, None)
    assert ad[("政府集中采购", "purchase_amount")] == (7540.77, "万元")
    assert ad[("规范性文件", "new_made")] == (3, None)
    assert ad[("规范性文件", "new_published")] == (3, None)
    assert ad[("规范性文件", "total_published")] == (20, None)
    assert len(report.review_litigation) == 15
    assert all(r.value == 0 for r in report.review_litigation)


# ---------------------------------------------------------------- the fixtures themselves


def test_there_are_enough_cases_and_inputs_are_small() -> None:
    assert len(CASES) >= 18
    for case in CASES:
        for f in case.glob("input.*"):
            assert f.stat().st_size < 60_000, f
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == SAMPLE_SHA256


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_expectation_is_wellformed(case: Path) -> None:
    raw, exp = load_case(case)  # meta.json must be valid RawDocument kwargs
    assert raw.content
    unknown = set(exp) - KNOWN_KEYS
    assert not unknown, unknown
    if "error" in exp:
        assert set(exp) == {"error"}
        return
    codes = exp.get("applications_row_codes")
    if codes is not None:
        assert codes in (ROWS_2019, ROWS_2021)
        assert set(exp.get("applications", {})) <= set(codes)
        assert all(len(v) == 7 for v in exp["applications"].values())
    template = exp.get("template")
    for entry in exp.get("active_disclosure", []):
        assert set(entry) == {"article", "item", "metric", "value", "unit"}
        assert entry["article"] in {"20.1", "20.5", "20.6", "20.8", "20.9"}
        if template in METRICS:
            assert entry["metric"] in METRICS[template], entry
    for values in exp.get("review_litigation", {}).values():
        assert len(values) == 5


def _report_from_expectation(exp: dict[str, Any]) -> Report:
    """A Report that satisfies ``exp`` exactly: checks the comparator, not the parser."""
    apps = exp.get("applications", {})
    return Report(
        report_id="x",
        year=exp["year"],
        publisher=exp["publisher"],
        template=exp["template"],
        format=exp["format"],
        title=exp.get("title_contains", ""),
        region_code=exp.get("region_code"),
        spam_detected=exp.get("spam_detected", False),
        spam_chars_removed=exp.get("spam_chars_removed", exp.get("spam_chars_removed_min", 0)),
        validation_status=exp.get("validation_status", "valid"),
        text_overall=exp.get("text_overall_startswith"),
        text_problems=exp.get("text_problems_startswith"),
        text_other=exp.get("text_other_startswith"),
        published_date=exp.get("published_date"),
        applications=[
            ApplicationRow(
                row_code=code,
                row_label=code,
                **dict(zip(APPLICANT_COLUMNS, apps.get(code, [None] * 7), strict=True)),
            )
            for code in exp.get("applications_row_codes", [])
        ],
        active_disclosure=[ActiveDisclosure(**e) for e in exp.get("active_disclosure", [])],
        review_litigation=[
            ReviewLitigation(proceeding=p, outcome=o, value=v)
            for p, values in exp.get("review_litigation", {}).items()
            for o, v in zip(OUTCOMES, values, strict=True)
        ],
        validation_issues=[
            ValidationIssue(rule=r, severity="error", message="m")
            for r in exp.get("validation_rules", [])
        ],
    )


@pytest.mark.parametrize(
    "case", [c for c in CASES if "error" not in json.loads((c / "expected.json").read_text())]
)
def test_comparator_accepts_a_matching_report_and_flags_a_changed_number(case: Path) -> None:
    _, exp = load_case(case)
    report = _report_from_expectation(exp)
    assert compare(report, exp) == []
    if report.applications:
        first = report.applications[0]
        changed = first.model_copy(update={"total": (first.total or 0) + 1})
        report.applications[0] = changed
        assert any("applications[" in d for d in compare(report, exp))
