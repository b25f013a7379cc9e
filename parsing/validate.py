"""Arithmetic the national template implies, as rules with stable ids (see DATASETS.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ApplicationRow,
    Report,
    ValidationIssue,
    ValidationStatus,
)

_COLS = APPLICANT_COLUMNS


# Pydantic keeps a model's field values in its ``__dict__`` (its class has no attribute of a
# field's name): reading a model's fields from it costs one attribute lookup, where reading
# each field costs one lookup per field, and the lookups of a pydantic model (whose class
# defines ``__getattr__``) cost several times a dict lookup.


def application_values(row: ApplicationRow) -> list[int | None]:
    """``row.values()``, read from the model's ``__dict__``."""
    return counts_of(row.__dict__)


def counts_of(fields: dict[str, Any]) -> list[int | None]:
    """``row.values()`` from ``row.__dict__`` (the seven ``APPLICANT_COLUMNS`` in order; a
    renamed column raises ``KeyError`` here, a reordered one fails ``test_readout_counts``)."""
    return [
        fields["natural_person"],
        fields["commercial_enterprise"],
        fields["research_institution"],
        fields["social_welfare_org"],
        fields["legal_service_org"],
        fields["other_org"],
        fields["total"],
    ]


def _fmt(values: Sequence[int | None]) -> str:
    return "[" + ", ".join("null" if v is None else str(v) for v in values) + "]"


def _issue(
    rule: str, message: str, expected: object, actual: object, sev: str = "error"
) -> ValidationIssue:
    return ValidationIssue(
        rule=rule,
        severity="error" if sev == "error" else "warning",
        message=message,
        expected=str(expected),
        actual=str(actual),
    )


def has_none(values: list[int | None], n: int) -> bool:
    """``None in values[:n]`` (counts and nulls: only None equals None), in a compiled loop
    instead of a comparison call per element."""
    for i in range(n):  # noqa: SIM110 - ``any`` over a generator is what this avoids
        if values[i] is None:
            return True
    return False


def check_applications(rows: list[ApplicationRow]) -> list[ValidationIssue]:
    """``applications.balance``, ``applications.row_total`` and ``applications.results_total``."""
    issues: list[ValidationIssue] = []
    values: dict[str, list[int | None]] = {}  # each row read once; a repeated code: the last
    for r in rows:
        fields = r.__dict__
        code: str = fields["row_code"]
        vals = counts_of(fields)
        values[code] = vals
        total = vals[6]  # ``r.total``
        if total is not None and not has_none(vals, 6):
            s = sum(cast("list[int]", vals[:6]))  # no None: a plain sum (no generator per row)
            if s != total:
                issues.append(
                    _issue(
                        "applications.row_total",
                        f"row {code}: 总计 {total} ≠ sum of applicant columns {s}",
                        s,
                        total,
                    )
                )
    result_codes = [k for k in values if k.startswith("3.") and k != "3.7"]
    # 3.6 (2019) or 3.6.x (2021), never both counted
    if "3.6" in result_codes and any(k.startswith("3.6.") for k in result_codes):
        result_codes = [k for k in result_codes if not k.startswith("3.6.")]
    blank: list[int | None] = [None] * len(_COLS)
    row1, row2, row37, row4 = (values.get(code, blank) for code in ("1", "2", "3.7", "4"))
    results = [values[k] for k in result_codes]
    by_column = list(zip(*results, strict=True))  # each column's results (rows have 7 values)
    for i, col in enumerate(_COLS):
        a, b, c, d = row1[i], row2[i], row37[i], row4[i]
        if a is not None and b is not None and c is not None and d is not None and a + b != c + d:
            issues.append(
                _issue(
                    "applications.balance",
                    f"column {col}: 一 {a} + 二 {b} ≠ 三(七) {c} + 四 {d}",
                    a + b,
                    c + d,
                )
            )
        if c is None or not results:
            continue
        parts_vals = by_column[i]
        if None not in parts_vals:
            s = sum(cast("tuple[int, ...]", parts_vals))
            if s != c:
                issues.append(
                    _issue(
                        "applications.results_total",
                        f"column {col}: 三(七)总计 {c} ≠ sum of results {s}",
                        s,
                        c,
                    )
                )
    return issues


def check_review(report: Report) -> list[ValidationIssue]:
    """``review_litigation.total``: each 总计 = 维持 + 纠正 + 其他 + 尚未审结."""
    issues: list[ValidationIssue] = []
    vals: dict[tuple[str, str], int | None] = {}
    for x in report.review_litigation:
        fields = x.__dict__
        vals[(fields["proceeding"], fields["outcome"])] = fields["value"]
    for proc in PROCEEDINGS:
        parts = [vals.get((proc, o)) for o in OUTCOMES[:4]]
        total = vals.get((proc, "total"))
        if total is None or None in parts:
            continue
        s = sum(cast("list[int]", parts))
        if s != total:
            issues.append(
                _issue(
                    "review_litigation.total",
                    f"{proc}: 总计 {total} ≠ {_fmt(parts)} summed {s}",
                    s,
                    total,
                )
            )
    return issues


def check_non_negative(report: Report) -> list[ValidationIssue]:
    """Counts are non-negative integers (``values.non_negative``)."""
    bad: list[str] = []
    for r in report.applications:  # (a compiled loop: no generator, no list per row)
        for v in application_values(r):
            if v is not None and v < 0:
                bad.append(f"applications {r.row_code}")
                break
    for x in report.review_litigation:
        fields = x.__dict__
        value = fields["value"]
        if value is not None and value < 0:
            bad.append(f"review_litigation {x.proceeding}/{x.outcome}")
    for y in report.active_disclosure:
        fields = y.__dict__
        value = fields["value"]
        if value is not None and value < 0 and fields["metric"] != "change":
            bad.append(f"active_disclosure {y.item}/{y.metric}")
    if not bad:
        return []
    return [
        _issue("values.non_negative", "negative counts: " + "; ".join(bad[:10]), ">= 0", len(bad))
    ]


def check_year(report: Report) -> list[ValidationIssue]:
    """``report.year_plausible``: the covered year precedes publication and is ≥ 2008."""
    pub = report.published_date
    if report.year < 2008 or (pub is not None and report.year > pub.year):
        return [
            _issue(
                "report.year_plausible",
                f"report year {report.year} implausible (published {pub})",
                "2008 ≤ year ≤ published year",
                report.year,
                "warning",
            )
        ]
    return []


def check_carry_over(
    prev_row4: Sequence[int | None], cur_row2: Sequence[int | None]
) -> ValidationIssue | None:
    """``cross_year.carry_over``: this year's 上年结转 = the previous year's 结转下年度继续办理."""
    diffs = [
        (col, p, c)
        for col, p, c in zip(_COLS, prev_row4, cur_row2, strict=False)
        if p is not None and c is not None and p != c
    ]
    if not diffs:
        return None
    return ValidationIssue(
        rule="cross_year.carry_over",
        severity="warning",
        message="上年结转 differs from last year's 结转下年度继续办理 in "
        + ", ".join(f"{col} ({p} → {c})" for col, p, c in diffs),
        expected=_fmt(prev_row4),
        actual=_fmt(cur_row2),
    )


def carry_over(prev: Report, cur: Report) -> ValidationIssue | None:
    """Apply ``cross_year.carry_over`` to two reports of one publisher, consecutive years."""
    p4, c2 = prev.application("4"), cur.application("2")
    if p4 is None or c2 is None or prev.year + 1 != cur.year:
        return None
    return check_carry_over(p4.values(), c2.values())


ITEM_COUNT_ARTICLES = ("20.5", "20.6", "20.8")


def check_item_counts(
    prev: dict[str, tuple[float | None, float | None]], cur: dict[str, float | None]
) -> ValidationIssue | None:
    """``cross_year.item_count`` (2019 template, 20.5/20.6/20.8): last year's 上一年项目数量 +
    本年增/减 should be this year's 上一年项目数量. A warning: bodies restate their counts.

    Args:
        prev: item → (prev_count, change) of the previous year's report.
        cur: item → prev_count of this year's report.
    """
    diffs = [
        (item, p + c, cur[item])
        for item, (p, c) in sorted(prev.items())
        if p is not None
        and c is not None
        and cur.get(item) is not None
        and abs(p + c - (cur[item] or 0.0)) > 1e-6
    ]
    if not diffs:
        return None
    return ValidationIssue(
        rule="cross_year.item_count",
        severity="warning",
        message="上一年项目数量 differs from last year's count + 本年增/减 for "
        + ", ".join(f"{item} ({e:g} → {a:g})" for item, e, a in diffs),
        expected="; ".join(f"{item}={e:g}" for item, e, _ in diffs),
        actual="; ".join(f"{item}={a:g}" for item, _, a in diffs),
    )


def item_counts(prev: Report, cur: Report) -> ValidationIssue | None:
    """Apply ``cross_year.item_count`` to two reports of one publisher, consecutive years."""
    if prev.year + 1 != cur.year:
        return None
    before: dict[str, list[float | None]] = {}
    now: dict[str, float | None] = {}
    for a in prev.active_disclosure:
        if a.article in ITEM_COUNT_ARTICLES and a.metric in ("prev_count", "change"):
            before.setdefault(a.item, [None, None])[a.metric == "change"] = a.value
    for a in cur.active_disclosure:
        if a.article in ITEM_COUNT_ARTICLES and a.metric == "prev_count":
            now[a.item] = a.value
    return check_item_counts({k: (v[0], v[1]) for k, v in before.items()}, now)


def status_of(issues: list[ValidationIssue]) -> ValidationStatus:
    """``invalid`` if any error, ``warning`` if any warning, else ``valid``."""
    if any(i.severity == "error" for i in issues):
        return "invalid"
    if issues:
        return "warning"
    return "valid"


def validate_report(report: Report) -> list[ValidationIssue]:
    """All single-report rules."""
    issues = check_applications(report.applications) if report.template != "legacy" else []
    issues += check_review(report)
    issues += check_non_negative(report)
    issues += check_year(report)
    return issues
