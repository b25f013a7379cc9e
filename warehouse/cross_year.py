"""Cross-year check ``cross_year.carry_over``: 上年结转 (row 2, year Y) must equal last year's
结转下年度继续办理 (row 4, year Y-1) of the same publisher, column by column. A publisher is its
series (:func:`warehouse.versions.series`: the ``publisher_key``, else the name), so a body whose
title wording changed between the years is still paired.

The comparison itself is ``parsing.validate.check_carry_over(prev_row4, cur_row2)`` (the rule
the parser owns); this module finds the pairs in the warehouse. When a publisher has several
reports for Y-1, the comparison uses the one not quarantined with the latest ``fetched_at``
(then the largest ``report_id``), so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from parsing.models import APPLICANT_COLUMNS, ValidationIssue
from parsing.validate import ITEM_COUNT_ARTICLES, check_carry_over, check_item_counts
from warehouse.rows import CARRY_OVER_RULE, ITEM_COUNT_RULE, IssueRow
from warehouse.versions import series

Counts = list[int | None]
Pairs = list[tuple[dict[str, Any], dict[str, Any]]]
"""(previous-year report, report) records, as :func:`pairs` gives them."""
CheckFn = Callable[[list[int | None], list[int | None]], ValidationIssue | None]
REPORT_COLUMNS = ["report_id", "year", "publisher", "fetched_at", "spam_verdict"]
"""Columns :func:`carry_over_issues` needs (plus ``publisher_key`` where present)."""
_NO_TIME = -(2**63)


def _rows_by_report(applications: pa.Table) -> dict[tuple[str, str], Counts]:
    wanted = applications.filter(pc.is_in(applications["row_code"], pa.array(["2", "4"])))
    ids = wanted["report_id"].to_pylist()
    codes = wanted["row_code"].to_pylist()
    counts = [wanted[c].to_pylist() for c in APPLICANT_COLUMNS]
    out: dict[tuple[str, str], Counts] = {}
    for i, (rid, code) in enumerate(zip(ids, codes, strict=True)):
        out.setdefault((rid, code), [col[i] for col in counts])
    return out


def _rank(rec: dict[str, Any]) -> tuple[bool, int, str]:
    return (
        rec["spam_verdict"] != "quarantine",
        rec["fetched_at"] if rec["fetched_at"] is not None else _NO_TIME,
        rec["report_id"],
    )


def _records(table: pa.Table) -> list[dict[str, Any]]:
    """Rows as dicts, built column-wise (``Table.to_pylist`` is ~10x slower); ``fetched_at``
    as integer microseconds (only its order matters here)."""
    cols = {
        c: (
            pc.cast(table[c], pa.int64()).to_pylist() if c == "fetched_at" else table[c].to_pylist()
        )
        for c in REPORT_COLUMNS
    }
    cols["series"] = series(table).to_pylist()
    return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]


def _pairs(
    reports: pa.Table, publishers: Iterable[str], years: Iterable[int]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(previous-year report, report) for every report of the series ``publishers`` (publisher
    keys, or names for rows without a key) in ``years``.

    The previous report is the series' Y-1 report ranked first by :func:`_rank`.
    """
    wanted_years = set(years)
    by_key: dict[tuple[str, int], list[dict[str, Any]]] = {}
    mine = pc.is_in(series(reports), value_set=pa.array(sorted(set(publishers)), pa.string()))
    for rec in _records(reports.filter(mine)):
        by_key.setdefault((rec["series"], rec["year"]), []).append(rec)
    for (publisher, year), current in sorted(by_key.items()):
        if year not in wanted_years or (publisher, year - 1) not in by_key:
            continue
        prev = max(by_key[(publisher, year - 1)], key=_rank)
        for cur in sorted(current, key=lambda r: str(r["report_id"])):
            yield prev, cur


def pairs(reports: pa.Table, publishers: Iterable[str], years: Iterable[int]) -> Pairs:
    """The pairs both checks compare (computed once when a caller runs both)."""
    return list(_pairs(reports, publishers, years))


def _row(rule: str, prev: dict[str, Any], cur: dict[str, Any], issue: ValidationIssue) -> IssueRow:
    message = f"{issue.message} (previous report {prev['report_id']}, {prev['year']})"
    return (
        cur["report_id"],
        cur["year"],
        rule,
        issue.severity,
        message,
        issue.expected,
        issue.actual,
    )


def carry_over_issues(
    reports: pa.Table,
    applications: pa.Table,
    publishers: Iterable[str],
    years: Iterable[int],
    check: CheckFn | None = None,
    *,
    paired: Pairs | None = None,
) -> list[IssueRow]:
    """Issues for every report of the series ``publishers`` in ``years`` whose previous year
    is known.

    ``reports`` needs :data:`REPORT_COLUMNS` (and ``publisher_key`` where known) for years
    ``Y`` and ``Y-1``; ``applications`` needs ``report_id``, ``row_code`` and the count
    columns (other rows are ignored). ``paired``: :func:`pairs` of these arguments, if the
    caller has them already.
    """
    check = check or check_carry_over
    rows = _rows_by_report(applications)
    out: list[IssueRow] = []
    found = _pairs(reports, publishers, years) if paired is None else paired
    for prev, cur in found:
        row4 = rows.get((prev["report_id"], "4"))
        row2 = rows.get((cur["report_id"], "2"))
        if row4 is not None and row2 is not None and (issue := check(row4, row2)) is not None:
            out.append(_row(CARRY_OVER_RULE, prev, cur, issue))
    return out


def _item_values(active: pa.Table) -> dict[str, dict[str, list[float | None]]]:
    """report_id → item → [prev_count, change] for the 20.5/20.6/20.8 items."""
    wanted = active.filter(
        pc.and_(
            pc.is_in(active["article"], pa.array(list(ITEM_COUNT_ARTICLES))),
            pc.is_in(active["metric"], pa.array(["prev_count", "change"])),
        )
    )
    out: dict[str, dict[str, list[float | None]]] = {}
    for rid, item, metric, value in zip(
        wanted["report_id"].to_pylist(),
        wanted["item"].to_pylist(),
        wanted["metric"].to_pylist(),
        wanted["value"].to_pylist(),
        strict=True,
    ):
        out.setdefault(rid, {}).setdefault(item, [None, None])[metric == "change"] = value
    return out


def item_count_issues(
    reports: pa.Table,
    active: pa.Table,
    publishers: Iterable[str],
    years: Iterable[int],
    *,
    paired: Pairs | None = None,
) -> list[IssueRow]:
    """``cross_year.item_count`` issues (2019 template counts) for reports of the series
    ``publishers``.

    ``active`` needs report_id, article, item, metric and value (``paired``: as in
    :func:`carry_over_issues`).
    """
    values = _item_values(active)
    out: list[IssueRow] = []
    found = _pairs(reports, publishers, years) if paired is None else paired
    for prev, cur in found:
        before = {k: (v[0], v[1]) for k, v in values.get(prev["report_id"], {}).items()}
        now = {k: v[0] for k, v in values.get(cur["report_id"], {}).items()}
        if (issue := check_item_counts(before, now)) is not None:
            out.append(_row(ITEM_COUNT_RULE, prev, cur, issue))
    return out
