"""The vectorized ``is_current`` ranking, cross-year pairing and checks give exactly what the
row-by-row implementations they replaced gave (reference copies below), on seeded random
inputs: several reports per series and year, missing years, null and empty publisher keys,
quarantined reports, ties in dates and capture times, null dates, corrected titles, rows 2/4
equal, differing, null or missing, and 2019-template item counts."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from parsing.models import APPLICANT_COLUMNS, ValidationIssue
from parsing.validate import ITEM_COUNT_ARTICLES, check_carry_over, check_item_counts
from warehouse import cross_year, versions
from warehouse.index import INDEX_SCHEMA
from warehouse.publish import _Publisher, _set_flags, _StemEdit
from warehouse.rows import (
    CARRY_OVER_RULE,
    CROSS_YEAR_RULES,
    ITEM_COUNT_RULE,
    IssueRow,
    issues_table,
)
from warehouse.schemas import SCHEMAS
from warehouse.versions import series

# -- reference copies (the implementations before the vectorized ones) ---------------------

_CORRECTED = ("更正", "修订", "修正")
_MIN_DATE = date(1900, 1, 1)
_MIN_TIME = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _ref_rank_version(row: dict[str, Any]) -> tuple[bool, date, datetime, str]:
    title = row["title"] or ""
    return (
        any(word in title for word in _CORRECTED),
        row["published_date"] or _MIN_DATE,
        row["fetched_at"] or _MIN_TIME,
        row["report_id"],
    )


def ref_mark_current(reports: pa.Table) -> pa.Table:
    if reports.num_rows == 0:
        return reports
    cols = ["report_id", "year", "title", "published_date", "fetched_at"]
    values = [reports[c].to_pylist() for c in cols]
    values.append(series(reports).to_pylist())
    rows = [dict(zip([*cols, "series"], row, strict=True)) for row in zip(*values, strict=True)]
    best: dict[tuple[str, int], int] = {}
    for i, row in enumerate(rows):
        key = (row["series"], row["year"])
        if key not in best or _ref_rank_version(row) > _ref_rank_version(rows[best[key]]):
            best[key] = i
    current = set(best.values())
    flags = pa.array([i in current for i in range(len(rows))], pa.bool_())
    index = reports.schema.get_field_index("is_current")
    return reports.set_column(index, reports.schema.field(index), flags)


_NO_TIME = -(2**63)
_REPORT_COLUMNS = ["report_id", "year", "publisher", "fetched_at", "spam_verdict"]


def _ref_rows_by_report(applications: pa.Table) -> dict[tuple[str, str], list[int | None]]:
    wanted = applications.filter(pc.is_in(applications["row_code"], pa.array(["2", "4"])))
    ids = wanted["report_id"].to_pylist()
    codes = wanted["row_code"].to_pylist()
    counts = [wanted[c].to_pylist() for c in APPLICANT_COLUMNS]
    out: dict[tuple[str, str], list[int | None]] = {}
    for i, (rid, code) in enumerate(zip(ids, codes, strict=True)):
        out.setdefault((rid, code), [col[i] for col in counts])
    return out


def _ref_rank(rec: dict[str, Any]) -> tuple[bool, int, str]:
    return (
        rec["spam_verdict"] != "quarantine",
        rec["fetched_at"] if rec["fetched_at"] is not None else _NO_TIME,
        rec["report_id"],
    )


def _ref_records(table: pa.Table) -> list[dict[str, Any]]:
    cols = {
        c: (
            pc.cast(table[c], pa.int64()).to_pylist() if c == "fetched_at" else table[c].to_pylist()
        )
        for c in _REPORT_COLUMNS
    }
    cols["series"] = series(table).to_pylist()
    return [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]


def _ref_pairs_iter(
    reports: pa.Table, publishers: Iterable[str], years: Iterable[int]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    wanted_years = set(years)
    by_key: dict[tuple[str, int], list[dict[str, Any]]] = {}
    mine = pc.is_in(series(reports), value_set=pa.array(sorted(set(publishers)), pa.string()))
    for rec in _ref_records(reports.filter(mine)):
        by_key.setdefault((rec["series"], rec["year"]), []).append(rec)
    for (publisher, year), current in sorted(by_key.items()):
        if year not in wanted_years or (publisher, year - 1) not in by_key:
            continue
        prev = max(by_key[(publisher, year - 1)], key=_ref_rank)
        for cur in sorted(current, key=lambda r: str(r["report_id"])):
            yield prev, cur


def ref_pairs(reports: pa.Table, publishers: Iterable[str], years: Iterable[int]) -> list[Any]:
    return list(_ref_pairs_iter(reports, publishers, years))


def _ref_row(rule: str, prev: dict[str, Any], cur: dict[str, Any], issue: Any) -> IssueRow:
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


def ref_carry_over_issues(
    reports: pa.Table,
    applications: pa.Table,
    publishers: Iterable[str],
    years: Iterable[int],
    check: Callable[..., Any] | None = None,
) -> list[IssueRow]:
    check = check or check_carry_over
    rows = _ref_rows_by_report(applications)
    out: list[IssueRow] = []
    for prev, cur in _ref_pairs_iter(reports, publishers, years):
        row4 = rows.get((prev["report_id"], "4"))
        row2 = rows.get((cur["report_id"], "2"))
        if row4 is not None and row2 is not None and (issue := check(row4, row2)) is not None:
            out.append(_ref_row(CARRY_OVER_RULE, prev, cur, issue))
    return out


def _ref_item_values(active: pa.Table) -> dict[str, dict[str, list[float | None]]]:
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


def ref_item_count_issues(
    reports: pa.Table, active: pa.Table, publishers: Iterable[str], years: Iterable[int]
) -> list[IssueRow]:
    values = _ref_item_values(active)
    out: list[IssueRow] = []
    for prev, cur in _ref_pairs_iter(reports, publishers, years):
        before = {k: (v[0], v[1]) for k, v in values.get(prev["report_id"], {}).items()}
        now = {k: v[0] for k, v in values.get(cur["report_id"], {}).items()}
        if (issue := check_item_counts(before, now)) is not None:
            out.append(_ref_row(ITEM_COUNT_RULE, prev, cur, issue))
    return out


def ref_set_flags(table: pa.Table, flags: dict[str, bool]) -> pa.Table:
    ids = table["report_id"].to_pylist()
    old = table["is_current"].to_pylist()
    col = pa.array([flags.get(r, o) for r, o in zip(ids, old, strict=True)], pa.bool_())
    index = table.schema.get_field_index("is_current")
    return table.set_column(index, table.schema.field(index), col)


def ref_mark_versions(self: Any, new_entries: pa.Table) -> pa.Table:
    batch = self.batch
    peers = self.near.filter(
        pc.is_in(self.near["year"], value_set=pa.array(sorted(self.touched), pa.int16()))
    )
    marked = ref_mark_current(pa.concat_tables([peers, new_entries]))
    flags = marked["is_current"]
    old_flags = peers["is_current"].to_pylist()
    for i, (rid, year, stem) in enumerate(
        zip(
            peers["report_id"].to_pylist(),
            peers["year"].to_pylist(),
            peers["stem"].to_pylist(),
            strict=True,
        )
    ):
        if flags[i].as_py() != old_flags[i]:
            self.edits[(year, stem)].flags[rid] = bool(flags[i].as_py())
    new_flags = flags.slice(peers.num_rows)
    entries = new_entries.set_column(
        new_entries.schema.get_field_index("is_current"),
        INDEX_SCHEMA.field("is_current"),
        new_flags,
    )
    by_id = dict(
        zip(entries["report_id"].to_pylist(), entries["is_current"].to_pylist(), strict=True)
    )
    reports = batch.tables["reports"]
    col = pa.array([by_id[r] for r in reports["report_id"].to_pylist()], pa.bool_())
    index = reports.schema.get_field_index("is_current")
    batch.tables["reports"] = reports.set_column(index, reports.schema.field(index), col)
    return entries


_ISSUE_KEY = ["report_id", "rule", "severity", "message", "expected", "actual"]


def ref_edit_stored_issues(self: Any, affected: pa.Table, issues: pa.Table) -> None:
    if affected.num_rows == 0:
        return
    rules = {"rule": pa.array(list(CROSS_YEAR_RULES))}
    current = self._stored_rows("validation_issues", affected, _ISSUE_KEY, rules)
    stem_of = {
        rid: (year, stem)
        for rid, year, stem in zip(
            affected["report_id"].to_pylist(),
            affected["year"].to_pylist(),
            affected["stem"].to_pylist(),
            strict=True,
        )
    }

    def keyed(table: pa.Table) -> dict[str, list[tuple[object, ...]]]:
        out: dict[str, list[tuple[object, ...]]] = defaultdict(list)
        for row in zip(*(table[c].to_pylist() for c in _ISSUE_KEY), strict=True):
            out[str(row[0])].append(row)
        return out

    before, after = keyed(current), keyed(issues)
    for rid, where in stem_of.items():
        if sorted(before.get(rid, []), key=repr) != sorted(after.get(rid, []), key=repr):
            self.edits[where].cross_year.add(rid)
    for where in {stem_of[r] for r in after if r in stem_of}:
        ids = pa.array(sorted({r for r, w in stem_of.items() if w == where}), pa.string())
        self.cross_rows[where].append(issues.filter(pc.is_in(issues["report_id"], value_set=ids)))


# -- random inputs ---------------------------------------------------------------------------

_TITLES = [
    None,
    "",
    "2020年政府信息公开工作年度报告",
    "年度报告（更正版）",
    "修订稿",
    "报告修正",
    "更",
]
_DATES = [None, date(1899, 12, 31), date(1900, 1, 1), date(2021, 1, 30), date(2021, 3, 1)]
_TIMES = [
    None,
    datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2024, 5, 1, 8, tzinfo=UTC),
    datetime(2024, 5, 1, 8, tzinfo=UTC) + timedelta(microseconds=1),
]
_IDS = ["r1", "r10", "r2", "a", "报告", "é", "z9", "r1x"]
_UTC_US = pa.timestamp("us", tz="UTC")


def _rows(rng: random.Random, n: int, years: list[int]) -> dict[str, list[Any]]:
    names = ["甲县人民政府", "乙管委会", "乙管理委员会", "丙局", ""]
    keys = [None, "", "k-yi", "k-bing", "甲县人民政府"]
    ids = [f"{rng.choice(_IDS)}{rng.randrange(8)}" for _ in range(n)]
    if n and rng.random() < 0.3:  # a duplicated id (same rank fields, other columns differ)
        ids[rng.randrange(n)] = ids[0]
    return {
        "report_id": ids,
        "year": [rng.choice(years) for _ in range(n)],
        "publisher": [rng.choice(names) for _ in range(n)],
        "publisher_key": [rng.choice(keys) for _ in range(n)],
        "title": [rng.choice(_TITLES) for _ in range(n)],
        "published_date": [rng.choice(_DATES) for _ in range(n)],
        "fetched_at": [rng.choice(_TIMES) for _ in range(n)],
        "spam_verdict": [rng.choice([None, "clean", "quarantine", "suspect"]) for _ in range(n)],
        "is_current": [rng.choice([True, False, None]) for _ in range(n)],
        "stem": [rng.choice(["s1", "s2", "s3"]) for _ in range(n)],
    }


_TYPES = {
    "report_id": pa.string(),
    "year": pa.int16(),
    "publisher": pa.string(),
    "publisher_key": pa.string(),
    "title": pa.string(),
    "published_date": pa.date32(),
    "fetched_at": _UTC_US,
    "spam_verdict": pa.string(),
    "is_current": pa.bool_(),
    "stem": pa.string(),
}


def _table(rows: dict[str, list[Any]], chunks: int = 1) -> pa.Table:
    table = pa.table({c: pa.array(v, _TYPES[c]) for c, v in rows.items()})
    if chunks > 1 and table.num_rows > 1:  # several chunks, as concatenated tables have
        cut = table.num_rows // 2
        table = pa.concat_tables([table.slice(0, cut), table.slice(cut)])
    return table


def _random_reports(seed: int) -> pa.Table:
    rng = random.Random(seed)
    years = rng.sample([2018, 2019, 2020, 2021, 2022], rng.randint(1, 5))
    return _table(_rows(rng, rng.randint(0, 40), years), chunks=rng.randint(1, 2))


def _applications(rng: random.Random, ids: list[str]) -> pa.Table:
    cols: dict[str, list[Any]] = {"report_id": [], "row_code": []}
    for c in APPLICANT_COLUMNS:
        cols[c] = []
    base = [rng.randrange(3) for _ in APPLICANT_COLUMNS]
    for rid in sorted(set(ids)):
        for code in rng.sample(["1", "2", "4", "4", "2", None], rng.randint(0, 4)):
            cols["report_id"].append(rid)
            cols["row_code"].append(code)
            for c, b in zip(APPLICANT_COLUMNS, base, strict=True):
                # mostly the shared values (row 2 = last year's row 4), sometimes off or null
                roll = rng.random()
                cols[c].append(None if roll < 0.1 else b + 1 if roll < 0.2 else b)
    types = {c: SCHEMAS["applications"].field(c).type for c in APPLICANT_COLUMNS}
    return pa.table(
        {
            "report_id": pa.array(cols["report_id"], pa.string()),
            "row_code": pa.array(cols["row_code"], pa.string()),
            **{c: pa.array(cols[c], types[c]) for c in APPLICANT_COLUMNS},
        }
    )


def _active(rng: random.Random, ids: list[str]) -> pa.Table:
    rows: dict[str, list[Any]] = {"report_id": [], "article": [], "item": [], "metric": []}
    values: list[float | None] = []
    for rid in sorted(set(ids)):
        if rng.random() < 0.4:
            continue
        for item in rng.sample(["规章", "规范性文件", "其他"], rng.randint(1, 3)):
            metrics = ["prev_count", "change", "prev_count", "change", "current"]
            for metric in rng.sample(metrics, rng.randint(1, 5)):  # 2 values: the last counts
                rows["report_id"].append(rid)
                rows["article"].append(rng.choice([*ITEM_COUNT_ARTICLES, "20.1"]))
                rows["item"].append(item)
                rows["metric"].append(metric)
                values.append(rng.choice([None, 0.0, 1.0, 2.0, 2.0, 3.0, -1.0]))
    return pa.table({**{c: pa.array(v, pa.string()) for c, v in rows.items()}, "value": values})


SEEDS = range(400)


def _publishers(rng: random.Random, reports: pa.Table) -> list[str]:
    names = sorted(set(series(reports).to_pylist()) - {None})
    some = names if rng.random() < 0.5 else rng.sample(names, rng.randint(0, len(names)))
    return some + rng.choice([[], ["nobody"]])


# -- is_current --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_mark_current_as_reference(seed: int) -> None:
    reports = _random_reports(seed)
    got = versions.mark_current(reports)
    assert got.equals(ref_mark_current(reports))
    assert got["is_current"].null_count == 0


def test_mark_current_ranks_null_dates_as_the_lowest() -> None:
    # a null date ties with 1900-01-01 (then the capture time decides) and ranks above 1899
    rows = _rows(random.Random(0), 4, [2020])
    rows.update(
        report_id=["a", "b", "c", "d"],
        publisher=["p"] * 4,
        publisher_key=[None] * 4,
        title=[None] * 4,
        published_date=[None, date(1900, 1, 1), date(1899, 12, 31), None],
        fetched_at=[_TIMES[3], _TIMES[2], _TIMES[4], None],
    )
    got = versions.mark_current(_table(rows))
    assert got.equals(ref_mark_current(_table(rows)))
    assert got["is_current"].to_pylist() == [True, False, False, False]


@pytest.mark.parametrize("seed", range(40))
def test_mark_current_general_path_as_reference(seed: int) -> None:
    """Null years (or ids, or unranked column types) take the row-by-row path."""
    rng = random.Random(seed)
    rows = _rows(rng, rng.randint(1, 20), [2019, 2020])
    rows["year"] = [y if rng.random() < 0.7 else None for y in rows["year"]]
    reports = _table(rows)
    assert versions.mark_current(reports).equals(ref_mark_current(reports))
    naive = reports.set_column(
        reports.schema.get_field_index("fetched_at"),
        "fetched_at",
        pc.cast(reports["fetched_at"], pa.timestamp("us")),
    )
    try:
        want = ref_mark_current(naive)
    except TypeError as exc:  # naive against aware times
        with pytest.raises(TypeError, match=str(exc)[:20]):
            versions.mark_current(naive)
    else:
        assert versions.mark_current(naive).equals(want)


# -- is_current in a publish: flips of stored peers, the batch's reports ---------------------


def _publisher(near: pa.Table, touched: set[int], batch_reports: pa.Table) -> Any:
    job = _Publisher.__new__(_Publisher)
    job.near = near
    job.touched = touched
    job.edits = defaultdict(_StemEdit)
    job.batch = SimpleNamespace(tables={"reports": batch_reports})
    return job


@pytest.mark.parametrize("seed", range(200))
def test_mark_versions_as_reference(seed: int) -> None:
    rng = random.Random(seed)
    rows = _rows(rng, rng.randint(0, 30), [2019, 2020, 2021])
    rows["report_id"] = [f"old{i}-{r}" for i, r in enumerate(rows["report_id"])]
    near = _table(rows, chunks=rng.randint(1, 2))
    new = _rows(rng, rng.randint(1, 12), [2020, 2021])
    new["report_id"] = [f"new{i}" for i in range(len(new["report_id"]))]
    if rng.random() < 0.3:  # a repeated id (a batch has none; the lookup by id keeps the last)
        new["report_id"][-1] = new["report_id"][0]
    new["is_current"] = [False] * len(new["report_id"])
    entries = _table(new)
    batch = entries.select(["report_id", "year", "publisher", "is_current"])
    if rng.random() < 0.5:  # the batch's rows in another order than the entries
        batch = batch.take(pa.array(rng.sample(range(batch.num_rows), batch.num_rows)))
    touched = set(rng.sample([2019, 2020, 2021], rng.randint(1, 3)))
    ref, got = _publisher(near, touched, batch), _publisher(near, touched, batch)
    want = ref_mark_versions(ref, entries)
    assert got.mark_versions(entries).equals(want)
    assert got.batch.tables["reports"].equals(ref.batch.tables["reports"])
    assert list(got.edits) == list(ref.edits)
    for where, edit in ref.edits.items():
        assert list(got.edits[where].flags.items()) == list(edit.flags.items())


@pytest.mark.parametrize("seed", range(200))
def test_set_flags_as_reference(seed: int) -> None:
    rng = random.Random(seed)
    table = _table(_rows(rng, rng.randint(0, 30), [2020]), chunks=rng.randint(1, 2))
    ids = table["report_id"].to_pylist() + ["elsewhere"]
    flags = {rid: rng.random() < 0.5 for rid in rng.sample(ids, rng.randint(1, len(ids)))}
    assert _set_flags(table, flags).equals(ref_set_flags(table, flags))


# -- cross-year pairs and checks -------------------------------------------------------------


def _cross_year_input(seed: int) -> tuple[pa.Table, pa.Table, pa.Table, list[str], set[int]]:
    rng = random.Random(seed)
    reports = _random_reports(seed)
    ids = reports["report_id"].to_pylist()
    years = set(rng.sample([2017, 2018, 2019, 2020, 2021, 2022, 2023], rng.randint(0, 7)))
    return reports, _applications(rng, ids), _active(rng, ids), _publishers(rng, reports), years


@pytest.mark.parametrize("seed", SEEDS)
def test_pairs_as_reference(seed: int) -> None:
    reports, _, _, publishers, years = _cross_year_input(seed)
    found = cross_year.pairs(reports, publishers, years)
    assert found.records() == ref_pairs(reports, publishers, years)
    assert len(found) == len(ref_pairs(reports, publishers, years))


@pytest.mark.parametrize("seed", range(60))
def test_pairs_general_path_as_reference(seed: int) -> None:
    """Null ids or years take the row-by-row path (which fails where the old one did)."""
    rng = random.Random(seed)
    reports = _random_reports(seed)
    rows = reports.to_pydict()
    column = rng.choice(["year", "report_id"])
    rows[column] = [v if rng.random() < 0.8 else None for v in rows[column]]
    reports = _table(rows)
    publishers, years = _publishers(rng, reports), {2019, 2020, 2021}
    try:
        want = ref_pairs(reports, publishers, years)
    except TypeError:
        with pytest.raises(TypeError):
            cross_year.pairs(reports, publishers, years)
        return
    assert cross_year.pairs(reports, publishers, years).records() == want


@pytest.mark.parametrize("seed", SEEDS)
def test_carry_over_issues_as_reference(seed: int) -> None:
    reports, apps, _, publishers, years = _cross_year_input(seed)
    want = ref_carry_over_issues(reports, apps, publishers, years)
    assert cross_year.carry_over_issues(reports, apps, publishers, years) == want
    paired = cross_year.pairs(reports, publishers, years)
    assert cross_year.carry_over_issues(reports, apps, publishers, years, paired=paired) == want


def _always(prev: list[int | None], cur: list[int | None]) -> ValidationIssue | None:
    """A check that reports equal rows too (the skip of equal rows is check_carry_over's)."""
    return ValidationIssue(
        rule=CARRY_OVER_RULE, severity="warning", message=f"{prev} {cur}", expected="e"
    )


@pytest.mark.parametrize("seed", range(100))
def test_carry_over_issues_with_another_check_as_reference(seed: int) -> None:
    reports, apps, _, publishers, years = _cross_year_input(seed)
    want = ref_carry_over_issues(reports, apps, publishers, years, _always)
    assert cross_year.carry_over_issues(reports, apps, publishers, years, _always) == want


@pytest.mark.parametrize("seed", SEEDS)
def test_item_count_issues_as_reference(seed: int) -> None:
    reports, _, active, publishers, years = _cross_year_input(seed)
    want = ref_item_count_issues(reports, active, publishers, years)
    assert cross_year.item_count_issues(reports, active, publishers, years) == want
    paired = cross_year.pairs(reports, publishers, years)
    assert cross_year.item_count_issues(reports, active, publishers, years, paired=paired) == want


def test_random_inputs_reach_every_case() -> None:
    """The seeds above produce issues of both rules, equal rows, null-only differences and
    flips, so the comparisons are not vacuous."""
    carry = items = pairs = compared = 0
    for seed in SEEDS:
        reports, apps, active, publishers, years = _cross_year_input(seed)
        pairs += len(ref_pairs(reports, publishers, years))
        carry += len(ref_carry_over_issues(reports, apps, publishers, years))
        compared += len(ref_carry_over_issues(reports, apps, publishers, years, _always))
        items += len(ref_item_count_issues(reports, active, publishers, years))
    # pairs whose rows 2/4 are both there, of which some agree (no issue), and some issues
    assert pairs > 500
    assert compared > carry + 50
    assert carry > 100
    assert items > 50


# -- which stored reports' cross-year issues change --------------------------------------------


def _issue_rows(rng: random.Random, ids: list[str], n: int) -> list[IssueRow]:
    rows: list[IssueRow] = []
    for _ in range(n):
        rows.append(
            (
                rng.choice(ids),
                2021,
                rng.choice(list(CROSS_YEAR_RULES)),
                "warning",
                rng.choice(["上年结转 differs", "上一年项目数量 differs", ""]),
                rng.choice([None, "", "[1, 2]"]),
                rng.choice([None, "[1, 3]"]),
            )
        )
    return rows


def _issue_job(current: pa.Table) -> Any:
    job = _Publisher.__new__(_Publisher)
    job.edits = defaultdict(_StemEdit)
    job.cross_rows = defaultdict(list)
    job._stored_rows = lambda table, ctx, columns, match: current
    return job


@pytest.mark.parametrize("seed", range(300))
def test_edit_stored_issues_as_reference(seed: int) -> None:
    rng = random.Random(seed)
    ids = [f"r{i}" for i in range(rng.randint(1, 12))]
    affected_ids = rng.sample(ids, rng.randint(0, len(ids)))
    affected = pa.table(
        {
            "report_id": pa.array(affected_ids, pa.string()),
            "year": pa.array([rng.choice([2021, 2022]) for _ in affected_ids], pa.int16()),
            "stem": pa.array([rng.choice(["s1", "s2"]) for _ in affected_ids], pa.string()),
        }
    )
    before = _issue_rows(rng, ids, rng.randint(0, 20))
    roll = rng.random()
    if roll < 0.3:  # the same rows, in another order (no change)
        after = rng.sample(before, len(before))
    elif roll < 0.6:  # one row fewer, or one repeated
        after = before[1:] if before and rng.random() < 0.5 else before + before[:1]
    else:
        after = _issue_rows(rng, ids, rng.randint(0, 20))
    current = issues_table(before).select(_ISSUE_KEY)
    if rng.random() < 0.2:  # a column of another type: the row-by-row comparison
        current = current.set_column(
            3,
            pa.field("message", pa.large_string()),
            pc.cast(current["message"], pa.large_string()),
        )
    issues = issues_table(after)
    ref, got = _issue_job(current), _issue_job(current)
    ref_edit_stored_issues(ref, affected, issues)
    got._edit_stored_issues(affected, issues)
    assert list(got.edits) == list(ref.edits)
    for where, edit in ref.edits.items():
        assert list(got.edits[where].cross_year) == list(edit.cross_year)
    assert sorted(got.cross_rows) == sorted(ref.cross_rows)
    for where, tables in ref.cross_rows.items():
        assert len(got.cross_rows[where]) == len(tables)
        for mine, theirs in zip(got.cross_rows[where], tables, strict=True):
            assert mine.equals(theirs)


def test_changed_reports_compares_multisets() -> None:
    rows = [("a", 2021, "r", "warning", "m", None, "x"), ("b", 2021, "r", "warning", "m", "", "")]
    before = issues_table(rows + rows[:1]).select(_ISSUE_KEY)
    assert (
        cross_year.changed_reports(before, issues_table(rows[::-1] + rows[:1]), _ISSUE_KEY) == set()
    )
    assert cross_year.changed_reports(before, issues_table(rows), _ISSUE_KEY) == {"a"}
    nulls = [("b", 2021, "r", "warning", "m", None, None)]
    assert cross_year.changed_reports(before, issues_table(rows[:1] * 2 + nulls), _ISSUE_KEY) == {
        "b"
    }
    assert cross_year.changed_reports(before.slice(0, 0), issues_table([]), _ISSUE_KEY) == set()
