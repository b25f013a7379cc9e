"""publish: round trip, idempotence, replacement by report_id, cross-year issues, layout."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest

from parsing.models import Report
from warehouse import TABLES, compact, publish, read_table, reports_to_tables, summary
from warehouse.publish import sort_rows
from warehouse.synthetic import generate_reports, make_report


def _leaf_files(wh: Path) -> list[Path]:
    return sorted(p for p in wh.rglob("*") if p.is_file() and p.name.endswith(".parquet"))


def test_round_trip_exact_rows(wh: Path, reports: list[Report]) -> None:
    res = publish(reports, wh)
    assert res.reports == len(reports)
    expected = reports_to_tables(reports)
    for name in TABLES:
        got = read_table(name, wh)
        if name == "validation_issues":  # warehouse-computed item-count warnings: own test
            got = got.filter(pc.not_equal(got["rule"], "cross_year.item_count"))
        want = sort_rows(expected[name]).sort_by([("year", "ascending")])
        want = want.take(pc.sort_indices(want, [("year", "ascending"), ("report_id", "ascending")]))
        assert got.schema.equals(want.schema), name
        assert got.equals(want), name
        assert res.rows_written[name] == want.num_rows
    apps = read_table("applications", wh, years=[2020])
    assert set(apps["year"].to_pylist()) == {2020}
    assert apps.filter(pc.equal(apps["row_code"], "2"))["total"].null_count == 0


def test_same_publish_twice_is_identical(wh: Path, reports: list[Report], snap: Any) -> None:
    publish(reports, wh)
    first = snap(wh)
    files = {p: p.read_bytes() for p in _leaf_files(wh)}
    again = publish(list(reversed(reports)), wh)
    assert again.files_written == []  # nothing changed, nothing rewritten
    assert again.unchanged == len(reports)
    assert {p: p.read_bytes() for p in _leaf_files(wh)} == files
    second = snap(wh)
    for name in TABLES:
        assert second[name].equals(first[name]), name
        ids = second["reports"]["report_id"]
        assert len(pc.unique(ids)) == len(ids)


def test_backfill_in_batches_equals_one_shot(
    tmp_path: Path, reports: list[Report], snap: Any
) -> None:
    one, batched = tmp_path / "one", tmp_path / "batched"
    publish(reports, one)
    for i in range(0, len(reports), 5):
        publish(reports[i : i + 5], batched)
    publish(reports[3:11], batched)  # a rerun of part of the backfill
    a, b = snap(one), snap(batched)
    for name in TABLES:
        assert a[name].equals(b[name]), name


def test_republish_replaces_children(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    old = reports[5]
    new = make_report(1, old.year, version=3)  # same publisher index 1 / year: same report_id
    assert new.report_id == old.report_id
    new = new.model_copy(update={"applications": new.applications[:3], "spam_removals": []})
    publish([new], wh)
    apps = read_table("applications", wh)
    mine = apps.filter(pc.equal(apps["report_id"], new.report_id))
    assert mine["row_code"].to_pylist() == ["1", "2", "3.1"]
    spam = read_table("spam_removals", wh)
    assert new.report_id not in spam["report_id"].to_pylist()
    rep = read_table("reports", wh)
    assert rep.num_rows == len(reports)
    row = rep.filter(pc.equal(rep["report_id"], new.report_id))
    assert row["parser_version"].to_pylist() == ["0.1.3"]


def test_report_moving_year_leaves_no_rows_behind(wh: Path) -> None:
    only = make_report(0, 2020)
    publish([only], wh)
    assert len(list((wh / "reports" / "year=2020").glob("part-*.parquet"))) == 1
    moved = only.model_copy(update={"year": 2021})
    publish([moved], wh)
    for name in TABLES:
        table = read_table(name, wh)
        assert set(table["year"].to_pylist()) <= {2021}, name
    # the emptied year directory is gone in every table
    assert not any(wh.glob("*/year=2020"))
    assert read_table("review_litigation", wh).num_rows == 15


def test_carry_over_issues_recomputed(wh: Path) -> None:
    r2019 = make_report(2, 2019)
    row4 = r2019.application("4")
    assert row4 is not None
    carried = [v or 0 for v in row4.values()[:6]]
    good2020 = make_report(2, 2020, carried=carried)
    bad2020 = make_report(2, 2020, carried=carried, break_carry_over=True)

    def carry_rows() -> list[dict[str, Any]]:
        issues = read_table("validation_issues", wh)
        hits = issues.filter(pc.equal(issues["rule"], "cross_year.carry_over"))
        rows: list[dict[str, Any]] = hits.to_pylist()
        return rows

    publish([bad2020], wh)
    assert carry_rows() == []  # no previous year yet
    publish([r2019], wh)  # publishing Y-1 triggers the check stored on year Y
    rows = carry_rows()
    assert len(rows) == 1
    assert rows[0]["report_id"] == bad2020.report_id
    assert rows[0]["year"] == 2020
    assert rows[0]["severity"] == "warning"
    assert "natural_person" in rows[0]["message"]
    publish([r2019], wh)
    assert len(carry_rows()) == 1  # idempotent
    publish([good2020], wh)  # the fixed report clears it
    assert carry_rows() == []


def test_files_modes_and_bounded_files_per_leaf_after_many_runs(
    wh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XXGK_MAX_FILES_PER_PARTITION", "4")
    for night in range(30):
        batch = [make_report(i, 2020 + (i % 2), version=night % 3) for i in range(night % 4, 6)]
        batch.append(make_report(100 + night, 2020))  # a new report every night: appended
        publish(batch, wh)
    leaves = [p for p in wh.glob("*/year=*") if p.is_dir()]
    assert leaves
    for leaf in leaves:
        names = [p.name for p in leaf.iterdir()]
        assert all(n.startswith("part-") and n.endswith(".parquet") for n in names), names
        assert 1 <= len(names) <= 4, (leaf, names)
    # the same stems in every table of a year
    stems = {p.name for p in (wh / "reports" / "year=2020").iterdir()}
    assert {p.name for p in (wh / "spam_removals" / "year=2020").iterdir()} == stems
    assert read_table("reports", wh, years=[2020]).num_rows == 3 + 30
    for path in wh.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_compact_merges_extra_files_and_cleans_temps(
    wh: Path, reports: list[Report], snap: Any
) -> None:
    for i in range(0, len(reports), 6):  # four publishes: four stems per year
        publish(reports[i : i + 6], wh)
    before = snap(wh)
    leaf = wh / "applications" / "year=2020"
    assert len(list(leaf.iterdir())) > 1
    # a foreign file (a manual copy of some rows) and a crashed writer's temp
    import pyarrow.parquet as pq

    data = read_table("applications", wh, years=[2020])
    stems = sorted(leaf.iterdir())
    first = pq.read_table(stems[0])
    one = pc.equal(first["report_id"], first["report_id"][0])  # one whole report moved out
    pq.write_table(first.filter(one), leaf / "part-manual.parquet")
    pq.write_table(first.filter(pc.invert(one)), stems[0])
    (leaf / ".part-0.parquet.tmp-dead").write_bytes(b"PAR1 half written")
    assert read_table("applications", wh, years=[2020]).num_rows == data.num_rows
    res = compact(wh)
    assert res.temp_files_removed == 1
    assert res.files_removed > 0
    assert set(res.years) == {2019, 2020, 2021, 2022}
    for name in TABLES:
        for year_dir in (wh / name).iterdir():
            assert len(list(year_dir.iterdir())) == 1, year_dir
    assert len([p for p in res.leaves_rewritten if "year=2020" in p]) == len(TABLES)
    after = snap(wh)
    for name in TABLES:
        assert after[name].equals(before[name]), name
    assert compact(wh).leaves_rewritten == []
    # the index follows the merged stems: unchanged reports are still skipped by hash
    again = publish(reports, wh)
    assert again.unchanged == len(reports)
    assert again.files_written == []


def test_summary_counts(wh: Path, reports: list[Report]) -> None:
    quarantined = reports[0].model_copy(
        update={"spam_verdict": "quarantine", "spam_detected": True}
    )
    invalid = reports[1].model_copy(update={"validation_status": "invalid"})
    publish([quarantined, invalid, *reports[2:]], wh)
    s = summary(wh)
    assert s.schema.field("year").type == pa.int16()
    assert sum(s["reports"].to_pylist()) == len(reports)
    row = s.filter(
        pc.and_(pc.equal(s["year"], reports[0].year), pc.equal(s["site"], reports[0].site))
    )
    assert row["quarantined"].to_pylist()[0] >= 1
    assert sum(s["invalid"].to_pylist()) >= 1
    assert summary(wh.parent / "nowhere").num_rows == 0


def test_non_local_filesystem_path(tmp_path: Path, reports: list[Report]) -> None:
    """The object-store code path (no rename, no lock), exercised on a SubTreeFileSystem."""
    fs = pafs.SubTreeFileSystem(str(tmp_path), pafs.LocalFileSystem())
    publish(reports, "bucket/warehouse", filesystem=fs)
    publish(reports[:4], "bucket/warehouse", filesystem=fs)
    got = read_table("reports", "bucket/warehouse", filesystem=fs)
    assert got.num_rows == len(reports)
    assert list((tmp_path / "bucket/warehouse/reports/year=2019").glob("part-*.parquet"))
    assert not list(tmp_path.rglob("*.tmp-*"))


def test_file_uri_is_local(tmp_path: Path, reports: list[Report]) -> None:
    publish(reports[:3], f"file://{tmp_path}/wh")
    assert read_table("reports", tmp_path / "wh").num_rows == 3


def test_unknown_table_is_a_clear_error(wh: Path) -> None:
    with pytest.raises(KeyError, match="unknown warehouse table"):
        read_table("report", wh)


def test_empty_publish_is_a_no_op(wh: Path) -> None:
    res = publish([], wh)
    assert res.reports == 0
    assert res.files_written == []
    assert read_table("reports", wh).num_rows == 0


def test_generated_shapes_are_realistic() -> None:
    reps = list(generate_reports(3, range(2020, 2022)))
    assert {r.template for r in reps} == {"2019", "2021"}
    for r in reps:
        assert 23 <= len(r.applications) <= 25
        assert len(r.review_litigation) == 15


def test_stream_with_repeated_ids_keeps_the_last(reports: list[Report]) -> None:
    from warehouse.rows import collect

    newer = make_report(0, 2019, version=5)  # same id as reports[0], different content
    stream = iter([*reports, newer])
    batch = collect(stream, chunk_size=4)
    assert batch.reports == len(reports)
    rep = batch.tables["reports"]
    mine = rep.filter(pc.equal(rep["report_id"], newer.report_id))
    assert mine["parser_version"].to_pylist() == ["0.1.5"]
    apps = batch.tables["applications"]
    assert apps.filter(pc.equal(apps["report_id"], newer.report_id)).num_rows == len(
        newer.applications
    )
