"""Issue 11 §4: one body keeps one series across wordings. ``is_current`` and the cross-year
rules group reports by ``publisher_key`` (the name where the key is null), and an index written
before ``publisher_key`` existed is rebuilt, not trusted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from parsing.models import Report
from parsing.publishers import publisher_key
from warehouse import compact, publish, read_table
from warehouse.index import GROUPING_COLUMNS, index_years, read_index, year_schema
from warehouse.storage import open_store
from warehouse.synthetic import make_report

SHORT = "渭南高新区管委会"
LONG = "渭南高新技术产业开发区管理委员会"
GOV, GOV_FULL = "合阳县政府", "陕西省合阳县人民政府"


def _as(report: Report, name: str, **update: Any) -> Report:
    """``report`` published under the wording ``name`` (key computed as the parser does)."""
    title = f"{name}{report.year}年政府信息公开工作年度报告"
    fields = {"publisher": name, "publisher_key": publisher_key(name), "title": title}
    return report.model_copy(update={**fields, **update})


def _carry_rows(wh: Path) -> list[dict[str, Any]]:
    issues = read_table("validation_issues", wh)
    rows: list[dict[str, Any]] = issues.filter(
        pc.equal(issues["rule"], "cross_year.carry_over")
    ).to_pylist()
    return rows


def _current(wh: Path) -> dict[str, bool]:
    table = read_table("reports", wh)
    return dict(zip(table["report_id"].to_pylist(), table["is_current"].to_pylist(), strict=True))


def _pair(break_carry_over: bool) -> tuple[Report, Report]:
    r2019 = make_report(2, 2019)
    row4 = r2019.application("4")
    assert row4 is not None
    carried = [v or 0 for v in row4.values()[:6]]
    r2020 = make_report(2, 2020, carried=carried, break_carry_over=break_carry_over)
    return _as(r2019, SHORT), _as(r2020, LONG)


def test_the_two_wordings_share_one_key() -> None:
    assert publisher_key(SHORT) == publisher_key(LONG)
    assert publisher_key(GOV) == publisher_key(GOV_FULL) == "610524:合阳县人民政府"


def test_carry_over_is_paired_across_a_wording_change(wh: Path) -> None:
    prev, bad = _pair(break_carry_over=True)
    publish([bad], wh)
    assert _carry_rows(wh) == []  # no previous year yet
    publish([prev], wh)  # publishing Y-1 checks the stored Y report of the same series
    rows = _carry_rows(wh)
    assert [(r["report_id"], r["year"]) for r in rows] == [(bad.report_id, 2020)]
    assert prev.report_id in rows[0]["message"]
    _, good = _pair(break_carry_over=False)
    publish([good], wh)  # the fixed report clears it
    assert _carry_rows(wh) == []


def test_carry_over_in_one_batch_and_after_compaction(wh: Path) -> None:
    prev, bad = _pair(break_carry_over=True)
    publish([prev, bad], wh)
    assert [r["report_id"] for r in _carry_rows(wh)] == [bad.report_id]
    compact(wh)
    assert [r["report_id"] for r in _carry_rows(wh)] == [bad.report_id]


def test_without_keys_the_wordings_stay_two_series(wh: Path) -> None:
    """Rows without a key (written before it existed) fall back to the name."""
    prev, bad = _pair(break_carry_over=True)
    publish([prev.model_copy(update={"publisher_key": None}), bad], wh)
    assert _carry_rows(wh) == []


def test_one_current_report_across_two_wordings_of_one_year(wh: Path) -> None:
    base = make_report(3, 2021)
    first = _as(base, SHORT, published_date=date(2022, 1, 20))
    second = _as(base, LONG, report_id="repost-long", published_date=date(2022, 2, 1))
    publish([first], wh)
    assert _current(wh) == {first.report_id: True}
    publish([second], wh)
    assert _current(wh) == {first.report_id: False, "repost-long": True}
    compact(wh)  # compaction re-marks by the same grouping
    assert _current(wh) == {first.report_id: False, "repost-long": True}


def _strip_key_from_index(wh: Path, legacy_index: Callable[..., None]) -> None:
    """Rewrite every index file as an older version wrote it: Parquet, no ``publisher_key``,
    nor the columns added after it (the publishers dimension key, the cross-year inputs)."""
    from warehouse.index import GROUPING_COLUMNS

    legacy_index(wh, lambda rows: rows.drop_columns(list(GROUPING_COLUMNS)))


def test_an_index_without_publisher_key_still_publishes_correctly(
    wh: Path, legacy_index: Callable[..., None]
) -> None:
    base = make_report(3, 2021)
    first = _as(base, GOV, published_date=date(2022, 1, 20))
    prev, bad = _pair(break_carry_over=True)
    publish([first, prev], wh)
    _strip_key_from_index(wh, legacy_index)
    store = open_store(wh)
    old = pa.concat_tables(pq.read_table(p) for p in (wh / "_index").glob("*.parquet"))
    assert "publisher_key" not in old.column_names
    assert old.num_rows == 2

    second = _as(base, GOV_FULL, report_id="repost-long", published_date=date(2022, 2, 1))
    res = publish([first, second, bad], wh)
    assert res.unchanged == 1  # the stored hash survived the rebuild: first is skipped
    assert _current(wh) == {
        first.report_id: False,
        "repost-long": True,
        prev.report_id: True,
        bad.report_id: True,
    }
    assert [r["report_id"] for r in _carry_rows(wh)] == [bad.report_id]
    index = read_index(store)
    keys = dict(
        zip(index["report_id"].to_pylist(), index["publisher_key"].to_pylist(), strict=True)
    )
    assert keys == {  # rebuilt with the reports' keys
        first.report_id: publisher_key(GOV),
        "repost-long": publisher_key(GOV),
        prev.report_id: publisher_key(SHORT),
        bad.report_id: publisher_key(SHORT),
    }
    assert not list((wh / "_index").glob("*.parquet"))  # converted, then deleted
    for year in index_years(store):
        assert "publisher_key" in year_schema(store, year).names
    assert read_table("reports", wh).num_rows == 4  # replaced, never duplicated


def test_compact_re_marks_flags_stored_by_the_name_grouping(
    wh: Path, legacy_index: Callable[..., None]
) -> None:
    """A warehouse whose writer grouped by name holds two current versions of one body and
    year; ``compact`` re-marks them (the publish only re-marks publishers it touches)."""
    base = make_report(3, 2021)
    first = _as(base, SHORT, published_date=date(2022, 1, 20))
    second = _as(base, LONG, report_id="repost-long", published_date=date(2022, 2, 1))
    publish([first, second], wh)

    def all_current(table: pa.Table) -> pa.Table:  # as the older writer stored them
        i = table.schema.get_field_index("is_current")
        flags = pa.array([True] * table.num_rows, pa.bool_())
        return table.set_column(i, table.schema.field(i), flags)

    for path in (wh / "reports").glob("year=*/*.parquet"):
        pq.write_table(all_current(pq.read_table(path)), path)
    legacy_index(wh, lambda rows: all_current(rows).drop_columns(list(GROUPING_COLUMNS)))
    assert _current(wh) == {first.report_id: True, "repost-long": True}
    compact(wh)
    assert _current(wh) == {first.report_id: False, "repost-long": True}
