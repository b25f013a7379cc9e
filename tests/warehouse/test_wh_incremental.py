"""Publish proportional to the change: appends, targeted rewrites, skips by hash, the index,
automatic compaction and the upgrade of a layout-1 warehouse."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from parsing.models import ActiveDisclosure, Report
from warehouse import TABLES, Spooled, compact, publish, read_table, reports_to_tables
from warehouse.compact import plan_tiers
from warehouse.index import (
    HASH_KIND,
    HASH_XXH3,
    read_index,
    row_hash_blake2b,
)
from warehouse.storage import Store, open_store, sort_rows
from warehouse.synthetic import generate_reports, make_report


def _files(wh: Path) -> dict[str, bytes]:
    return {str(p.relative_to(wh)): p.read_bytes() for p in sorted(wh.glob("*/year=*/*.parquet"))}


def test_new_reports_only_append_files(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    before = _files(wh)
    newcomers = list(generate_reports(9, range(2019, 2023)))[len(reports) :]
    res = publish(newcomers, wh)
    after = _files(wh)
    assert res.files_deleted == []
    assert all(res.run_id in f for f in res.files_written)
    assert len(res.files_written) == len(TABLES) * 4  # one new file per leaf
    assert {k: v for k, v in after.items() if k in before} == before  # nothing rewritten
    assert read_table("reports", wh).num_rows == len(reports) + len(newcomers)


def test_replacing_a_report_rewrites_only_its_files(wh: Path, reports: list[Report]) -> None:
    first, second = reports[:12], reports[12:]
    publish(first, wh)
    res2 = publish(second, wh)
    before = _files(wh)
    target = second[-1]  # publisher 5, 2022
    changed = target.model_copy(update={"parser_version": "9.9.9"})
    res = publish([changed], wh)
    assert res.reports == 1
    after = _files(wh)
    old_stem = res2.run_id
    rewritten = {k for k in before if k in after and before[k] != after[k]}
    gone = set(before) - set(after)
    touched = rewritten | gone
    assert touched, "the old rows must go"
    assert all(old_stem in k and f"year={target.year}" in k for k in touched), touched
    # files of the first publish and other years are byte-identical
    for k, v in before.items():
        if old_stem not in k or f"year={target.year}" not in k:
            assert after[k] == v, k
    rep = read_table("reports", wh)
    row = rep.filter(pc.equal(rep["report_id"], target.report_id))
    assert row["parser_version"].to_pylist() == ["9.9.9"]
    assert rep.num_rows == len(reports)


def test_unchanged_reports_skip_before_any_partition_is_read(
    wh: Path, reports: list[Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(reports, wh)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a partition was read")

    monkeypatch.setattr(Store, "read_partition", boom)
    monkeypatch.setattr(Store, "read_file", boom)
    res = publish(list(reversed(reports)), wh)
    assert res.unchanged == len(reports)
    assert res.files_written == []


def test_spool_lines_hash_as_the_reports_read_from_them(wh: Path, reports: list[Report]) -> None:
    """The flow publishes spool lines hashed as they are; a warehouse written from the models
    read back from those lines (the hash of a second serialisation, as before) agrees: an
    unchanged line is skipped, a changed one replaces its report, and the other way round."""
    odd = reports[0].model_copy(  # values a JSON round trip could alter
        update={
            "fetched_at": datetime(
                2024, 5, 1, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))
            ),
            "title": 'Ｑ"\\\u2028 年报 🙂',
            "active_disclosure": [
                *reports[0].active_disclosure,
                ActiveDisclosure(article="20.9", item="x", metric="m1", value=0.1 + 0.2, unit=None),
                ActiveDisclosure(article="20.9", item="x", metric="m2", value=1e16, unit=None),
                ActiveDisclosure(article="20.9", item="x", metric="m3", value=-0.0, unit="万元"),
            ],
        }
    )
    lines = [r.model_dump_json().encode() + b"\n" for r in [odd, *reports[1:]]]
    publish([Report.model_validate_json(line) for line in lines], wh)  # the earlier flow
    res = publish([Spooled.from_line(line) for line in lines], wh)
    assert res.unchanged == len(lines)
    assert res.files_written == []
    changed = reports[3].model_copy(update={"parser_version": "9.9.9"})
    res = publish([Spooled.from_line(changed.model_dump_json().encode())], wh)
    assert (res.unchanged, res.reports) == (0, 1)
    rep = read_table("reports", wh)
    row = rep.filter(pc.equal(rep["report_id"], changed.report_id))
    assert row["parser_version"].to_pylist() == ["9.9.9"]
    assert publish([changed], wh).unchanged == 1  # a Report object hashes as its line did
    assert publish([reports[3]], wh).unchanged == 0  # and the old content is a change again


def test_blake2b_hashes_of_an_older_index_still_decide(
    wh: Path, reports: list[Report], legacy_index: Callable[..., None]
) -> None:
    """An index written before ``hash_kind`` (BLAKE2b hashes, no such column): unchanged reports
    are still skipped, a changed one replaced (its entry then XXH3), and a compaction keeps
    each entry's hash with its kind."""
    publish(reports, wh)
    legacy = {r.report_id: row_hash_blake2b(r.model_dump_json().encode()) for r in reports}

    def before_hash_kind(rows: pa.Table) -> pa.Table:  # what the code before hash_kind wrote
        rows = rows.drop_columns([HASH_KIND])
        old = pa.array([legacy[r] for r in rows["report_id"].to_pylist()], pa.binary(16))
        at = rows.schema.get_field_index("row_hash")
        return rows.set_column(at, rows.schema.field(at), old)

    legacy_index(wh, before_hash_kind)
    lines = [Spooled.from_line(r.model_dump_json().encode()) for r in reports]
    res = publish(lines, wh)
    assert (res.unchanged, res.files_written) == (len(reports), [])
    changed = reports[5].model_copy(update={"parser_version": "9.9.9"})
    assert publish([changed], wh).unchanged == 0
    compact(wh)
    index = read_index(open_store(wh))
    kinds = dict(zip(index["report_id"].to_pylist(), index[HASH_KIND].to_pylist(), strict=True))
    assert kinds.pop(changed.report_id) == HASH_XXH3
    assert set(kinds.values()) == {None}  # compared the old way, kept as they were
    rest = [changed, *reports[:5], *reports[6:]]
    assert publish(rest, wh).unchanged == len(reports)
    rep = read_table("reports", wh)
    row = rep.filter(pc.equal(rep["report_id"], changed.report_id))
    assert row["parser_version"].to_pylist() == ["9.9.9"]
    assert publish([reports[5]], wh).unchanged == 0


def test_index_points_at_the_files_holding_each_report(wh: Path, reports: list[Report]) -> None:
    publish(reports[:10], wh)
    publish(reports[10:], wh)
    store = open_store(wh)
    index = read_index(store)
    assert sorted(index["report_id"].to_pylist()) == sorted(r.report_id for r in reports)
    for row in index.to_pylist():
        path = wh / "reports" / f"year={row['year']}" / f"part-{row['stem']}.parquet"
        ids = pq.read_table(path, columns=["report_id"])["report_id"].to_pylist()
        assert row["report_id"] in ids
        assert row["row_hash"] is not None
    manifest = json.loads((wh / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["layout"] == 2
    assert set(manifest["index"]) == {f"_index/year={y}.arrow" for y in range(2019, 2023)}


def test_is_current_flips_in_the_older_stem(wh: Path) -> None:
    first = make_report(3, 2021)
    publish([first], wh)
    corrected = make_report(3, 2021).model_copy(
        update={
            "report_id": "corrected-" + first.report_id,
            "title": first.title + "（更正版）",
            "source_url": first.source_url + "?v=2",
        }
    )
    publish([corrected], wh)
    rep = read_table("reports", wh)
    flags = dict(zip(rep["report_id"].to_pylist(), rep["is_current"].to_pylist(), strict=True))
    assert flags == {first.report_id: False, corrected.report_id: True}
    publish([corrected.model_copy(update={"year": 2022})], wh)  # it moves away: first is back
    rep = read_table("reports", wh, years=[2021])
    assert rep["is_current"].to_pylist() == [True]


def test_size_tiered_plan_bounds_the_stems() -> None:
    sizes = {f"s{i}": 1000 for i in range(9)} | {"big": 50_000}
    groups = plan_tiers(sizes, 8)
    assert groups
    assert all(len(g) >= 2 for g in groups)
    merged = {s for g in groups for s in g}
    assert "big" not in merged  # the big stem is not rewritten for small appends
    assert len(sizes) - len(merged) + len(groups) <= 8
    assert plan_tiers({"a": 5, "b": 7}, 8) == []


def test_automatic_compaction_keeps_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XXGK_MAX_FILES_PER_PARTITION", "3")
    reps = list(generate_reports(12, range(2020, 2022)))
    nightly, one_shot = tmp_path / "nightly", tmp_path / "one"
    for i in range(0, len(reps), 2):
        publish(reps[i : i + 2], nightly)
    publish(reps, one_shot)
    for name in TABLES:
        assert read_table(name, nightly).equals(read_table(name, one_shot)), name
        for leaf in (nightly / name).iterdir():
            assert len(list(leaf.iterdir())) <= 3
    assert publish(reps, nightly).unchanged == len(reps)


def _write_layout_1(wh: Path, reports: list[Report]) -> None:
    """A warehouse as release 0.1 wrote it: part-0.parquet per leaf, _schema.json inside."""
    tables = reports_to_tables(reports)
    for name in TABLES:
        (wh / name).mkdir(parents=True)
        (wh / name / "_schema.json").write_text("{}", encoding="utf-8")
        for year in range(2019, 2023):
            leaf = wh / name / f"year={year}"
            leaf.mkdir()
            rows = sort_rows(tables[name].filter(pc.equal(tables[name]["year"], year)))
            pq.write_table(rows.drop_columns(["year"]), leaf / "part-0.parquet")
    (wh / "_manifest.json").write_text(
        json.dumps({"schema_version": 2, "files": {}}), encoding="utf-8"
    )


def test_layout_1_warehouse_is_upgraded(wh: Path, reports: list[Report], snap: Any) -> None:
    _write_layout_1(wh, reports)
    assert read_table("reports", wh).num_rows == len(reports)  # readable before the upgrade
    res = publish(reports[:2], wh)  # any writer upgrades first
    assert not list(wh.glob("*/_schema.json"))
    assert sorted(p.name for p in (wh / "_schemas").iterdir()) == sorted(
        f"{t}.json" for t in TABLES
    )
    for name in TABLES:  # only Parquet files inside the table directories
        assert all(p.suffix == ".parquet" for p in (wh / name).rglob("*") if p.is_file())
    assert res.unchanged == 0  # no hashes yet: rewritten once
    assert publish(reports[:2], wh).unchanged == 2
    got = snap(wh)
    ref = wh.parent / "reference"
    publish(reports, ref)
    want = snap(ref)
    for name in TABLES:
        if name == "validation_issues":  # 0.1 files carry no warehouse cross-year rows
            continue
        assert got[name].equals(want[name]), name
    assert compact(wh).years  # compact merges part-0 with the new stems
    for name in TABLES:
        for leaf in (wh / name).iterdir():
            assert len(list(leaf.iterdir())) == 1


def test_a_deleted_index_is_rebuilt_not_trusted(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    for path in (wh / "_index").iterdir():
        path.unlink()
    changed = [r.model_copy(update={"parser_version": "7.0.0"}) for r in reports[:3]]
    publish(changed, wh)
    rep = read_table("reports", wh)
    assert rep.num_rows == len(reports)  # replaced, not duplicated
    assert sorted(rep["parser_version"].to_pylist()).count("7.0.0") == 3
