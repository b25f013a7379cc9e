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

from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from parsing.models import APPLICANT_COLUMNS, ValidationIssue
from parsing.validate import ITEM_COUNT_ARTICLES, check_carry_over, check_item_counts
from warehouse.rows import CARRY_OVER_RULE, ITEM_COUNT_RULE, IssueRow
from warehouse.versions import group_starts, series

Counts = list[int | None]
CheckFn = Callable[[list[int | None], list[int | None]], ValidationIssue | None]
REPORT_COLUMNS = ["report_id", "year", "publisher", "fetched_at", "spam_verdict"]
"""Columns :func:`carry_over_issues` needs (plus ``publisher_key`` where present)."""
_NO_TIME = -(2**63)


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
    cols["series"] = table["series"].to_pylist()
    return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]


class Pairs:
    """The (previous-year report, report) pairs :func:`pairs` finds: row positions into
    ``table`` (the reports of the series concerned, with a ``series`` column), in the order
    the checks report them."""

    def __init__(self, table: pa.Table, prev: pa.Array, cur: pa.Array) -> None:
        self.table = table
        self.prev = prev
        self.cur = cur

    def __len__(self) -> int:
        return len(self.cur)

    def column(self, name: str, side: str) -> pa.ChunkedArray:
        """``name`` of the previous (``side="prev"``) or current report of every pair."""
        return self.table[name].take(self.prev if side == "prev" else self.cur)

    def records(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The pairs as (previous-year report, report) records (:data:`REPORT_COLUMNS`,
        ``series``; ``fetched_at`` as integer microseconds)."""
        prev = _records(self.table.take(self.prev))
        cur = _records(self.table.take(self.cur))
        return list(zip(prev, cur, strict=True))


def _positions_py(table: pa.Table, wanted_years: set[int]) -> tuple[list[int], list[int]]:
    """:func:`_positions` row by row in Python (the general path: any nulls)."""
    recs = _records(table)
    by_key: dict[tuple[str, int], list[int]] = {}
    for i, rec in enumerate(recs):
        by_key.setdefault((rec["series"], rec["year"]), []).append(i)
    prev_at: list[int] = []
    cur_at: list[int] = []
    for (publisher, year), current in sorted(by_key.items()):
        if year not in wanted_years or (publisher, year - 1) not in by_key:
            continue
        prev = max(by_key[(publisher, year - 1)], key=lambda i: _rank(recs[i]))
        for i in sorted(current, key=lambda i: str(recs[i]["report_id"])):
            prev_at.append(prev)
            cur_at.append(i)
    return prev_at, cur_at


def _positions(table: pa.Table, wanted_years: set[int]) -> tuple[pa.Array, pa.Array]:
    """(previous, current) row positions of the pairs in ``table``: for every (series, year)
    in ``wanted_years`` (ascending) whose series has a report of the year before, each of its
    reports (by report_id) with the series' Y-1 report ranked first by :func:`_rank`."""
    ids = table["report_id"].combine_chunks()
    names = table["series"].combine_chunks()
    years = table["year"].combine_chunks()
    if ids.null_count or names.null_count or years.null_count:
        prev_at, cur_at = _positions_py(table, wanted_years)
        return pa.array(prev_at, pa.int64()), pa.array(cur_at, pa.int64())
    years = pc.cast(years, pa.int64())
    keys = pa.table(
        {
            "s": names,
            "y": years,
            "open": pc.fill_null(pc.not_equal(table["spam_verdict"], "quarantine"), True),
            "t": pc.fill_null(pc.cast(table["fetched_at"], pa.int64()), _NO_TIME),
            "id": ids,
        }
    )
    # groups in descending (series, year), each's best report first: the sort is stable, so
    # of tied reports the first stays first (as max keeps it)
    best = pc.sort_indices(keys, sort_keys=[(c, "descending") for c in keys.column_names])
    starts = group_starts([names.take(best), years.take(best)])
    reps = best.filter(starts)
    group_names = names.take(reps)
    group_years = years.take(reps)
    n = len(reps)
    # group k pairs with group k + 1 when that is the same series, the year before
    follows = pc.and_(
        pc.equal(group_names.slice(0, n - 1), group_names.slice(1)),
        pc.equal(pc.subtract(group_years.slice(0, n - 1), 1), group_years.slice(1)),
    )
    wanted = pa.array(sorted(wanted_years), pa.int64())
    follows = pc.and_(follows, pc.is_in(group_years.slice(0, n - 1), value_set=wanted))
    paired = pa.concat_arrays([follows, pa.array([False])])
    prev_rep = pa.concat_arrays([reps.slice(1), pa.array([0], reps.type)])
    # the reports in the order they are reported: groups ascending, then report_id (stable)
    order = pc.sort_indices(
        keys, sort_keys=[("s", "ascending"), ("y", "ascending"), ("id", "ascending")]
    )
    rising = group_starts([names.take(order), years.take(order)])
    # the j-th group ascending is the (n - 1 - j)-th descending
    group = pc.subtract(n, pc.cumulative_sum(pc.cast(rising, pa.int64())))
    keep = paired.take(group)
    return prev_rep.take(group).filter(keep), order.filter(keep)


def pairs(reports: pa.Table, publishers: Iterable[str], years: Iterable[int]) -> Pairs:
    """(previous-year report, report) for every report of the series ``publishers`` (publisher
    keys, or names for rows without a key) in ``years`` (computed once when a caller runs
    both checks).

    The previous report is the series' Y-1 report ranked first by :func:`_rank`.
    """
    wanted_years = set(years)
    names = series(reports)
    mine = pc.is_in(names, value_set=pa.array(sorted(set(publishers)), pa.string()))
    table = pa.Table.from_arrays(
        [reports[c] for c in REPORT_COLUMNS] + [names], names=[*REPORT_COLUMNS, "series"]
    ).filter(mine)
    if table.num_rows == 0:
        empty = pa.array([], pa.int64())
        return Pairs(table, empty, empty)
    prev, cur = _positions(table, wanted_years)
    return Pairs(table, prev, cur)


def _row(
    rule: str, prev: tuple[str, int], cur: tuple[str, int], issue: ValidationIssue
) -> IssueRow:
    message = f"{issue.message} (previous report {prev[0]}, {prev[1]})"
    return (cur[0], cur[1], rule, issue.severity, message, issue.expected, issue.actual)


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
    found = pairs(reports, publishers, years) if paired is None else paired
    if len(found) == 0:
        return []
    codes = applications["row_code"]
    # the first row 4 of each previous report, the first row 2 of each report
    rows4 = applications.filter(pc.equal(codes, "4"))
    rows2 = applications.filter(pc.equal(codes, "2"))
    at4 = pc.index_in(
        found.column("report_id", "prev"), value_set=rows4["report_id"].combine_chunks()
    )
    at2 = pc.index_in(
        found.column("report_id", "cur"), value_set=rows2["report_id"].combine_chunks()
    )
    both = pc.and_(pc.is_valid(at4), pc.is_valid(at2))
    if not pc.any(both).as_py():
        return []
    row4 = [rows4[c].combine_chunks().take(at4) for c in APPLICANT_COLUMNS]
    row2 = [rows2[c].combine_chunks().take(at2) for c in APPLICANT_COLUMNS]
    if check is None or check is check_carry_over:
        # check_carry_over reports a column only where both values are known and differ: a
        # pair with no such column has no issue (the comparison left out is exact)
        differ = pa.array([False] * len(found))
        for p, c in zip(row4, row2, strict=True):
            differ = pc.or_(differ, pc.fill_null(pc.not_equal(p, c), False))
        both = pc.and_(both, differ)
    check = check or check_carry_over
    prev = _ids_years(found, "prev", both)
    cur = _ids_years(found, "cur", both)
    fours = [col.filter(both).to_pylist() for col in row4]
    twos = [col.filter(both).to_pylist() for col in row2]
    out: list[IssueRow] = []
    for p, c, four, two in zip(
        prev,
        cur,
        map(list, zip(*fours, strict=True)),
        map(list, zip(*twos, strict=True)),
        strict=True,
    ):
        if (issue := check(four, two)) is not None:
            out.append(_row(CARRY_OVER_RULE, p, c, issue))
    return out


def _ids_years(found: Pairs, side: str, mask: pa.Array | None = None) -> list[tuple[str, int]]:
    """(report_id, year) of the ``side`` report of each pair (where ``mask``)."""
    ids = found.column("report_id", side)
    years = found.column("year", side)
    if mask is not None:
        ids, years = ids.filter(mask), years.filter(mask)
    return list(zip(ids.to_pylist(), years.to_pylist(), strict=True))


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
    found = pairs(reports, publishers, years) if paired is None else paired
    values = _item_values(active)
    out: list[IssueRow] = []
    if not values or len(found) == 0:
        return out
    for p, c in zip(_ids_years(found, "prev"), _ids_years(found, "cur"), strict=True):
        counts = values.get(p[0])
        if not counts:  # no previous counts: check_item_counts has nothing to compare
            continue
        before = {k: (v[0], v[1]) for k, v in counts.items()}
        now = {k: v[0] for k, v in values.get(c[0], {}).items()}
        if (issue := check_item_counts(before, now)) is not None:
            out.append(_row(ITEM_COUNT_RULE, p, c, issue))
    return out


def changed_reports(before: pa.Table, after: pa.Table, columns: list[str]) -> set[str]:
    """The reports whose issue rows differ between ``before`` and ``after``: compared as
    multisets of ``columns`` rows (the first column is ``report_id``), grouped in Arrow
    (``after`` read in ``before``'s types)."""
    old = before.select(columns)
    new = after.select(columns).cast(old.schema)
    if old.num_rows + new.num_rows == 0:
        return set()
    side = "_after"  # 0: a row of before, 1: of after
    rows = pa.Table.from_arrays(
        [pa.chunked_array(old[c].chunks + new[c].chunks, old.schema.field(c).type) for c in columns]
        + [pa.array([0] * old.num_rows + [1] * new.num_rows, pa.int64())],
        names=[*columns, side],
    )
    # equal rows (nulls equal, as None == None) form one group; a report is unchanged when
    # each of its groups has as many rows after as before
    counts = rows.group_by(columns, use_threads=False).aggregate([(side, "sum"), (side, "count")])
    differ = pc.not_equal(pc.multiply(counts[f"{side}_sum"], 2), counts[f"{side}_count"])
    return set(pc.unique(counts[columns[0]].filter(differ)).to_pylist())
