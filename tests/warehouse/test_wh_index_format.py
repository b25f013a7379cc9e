"""The report index is stored as Arrow IPC (``_index/year=YYYY.arrow``): release 0.1's Parquet
index files are converted by the next publish (hashes kept, manifest updated, old files gone),
a conversion stopped half-way finishes, and a table read from an index file survives the file
being replaced (readers memory-map it: it is renamed over, never rewritten in place)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from parsing.models import Report
from warehouse import Spooled, compact, publish, read_table
from warehouse.index import (
    INDEX_SCHEMA,
    LEGACY_SUFFIX,
    index_path,
    index_years,
    read_index,
    read_year,
)
from warehouse.storage import open_store, sort_rows

YEARS = list(range(2019, 2023))


def _manifest_index(wh: Path) -> dict[str, dict[str, int]]:
    doc = json.loads((wh / "_manifest.json").read_text(encoding="utf-8"))
    return dict(doc["index"])


def _index(wh: Path) -> pa.Table:
    return sort_rows(read_index(open_store(wh)))


def _spooled(reports: list[Report]) -> list[Spooled]:
    return [Spooled.from_line(r.model_dump_json().encode()) for r in reports]


def test_index_files_are_arrow_ipc_listed_in_the_manifest(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    store = open_store(wh)
    assert index_years(store) == YEARS
    assert sorted(p.name for p in (wh / "_index").glob("year=*")) == [
        f"year={y}.arrow" for y in YEARS
    ]
    listed = _manifest_index(wh)
    assert set(listed) == {f"_index/year={y}.arrow" for y in YEARS}
    for year in YEARS:
        path = index_path(store, year)
        with pa.memory_map(path) as source:
            reader = pa.ipc.open_file(source)
            assert reader.schema.equals(INDEX_SCHEMA)
            rows = reader.read_all()
        entry = listed[f"_index/year={year}.arrow"]
        assert (entry["reports"], entry["bytes"]) == (rows.num_rows, Path(path).stat().st_size)
    assert read_year(store, 2020, ["stem", "report_id", "no-such-column"]).column_names == [
        "stem",
        "report_id",
    ]


def test_a_parquet_index_of_release_0_1_is_converted_hashes_kept(
    wh: Path, reports: list[Report], legacy_index: Callable[..., None]
) -> None:
    publish(reports, wh)
    before = _index(wh)
    legacy_index(wh)
    assert sorted(p.suffix for p in (wh / "_index").glob("year=*")) == [LEGACY_SUFFIX] * 4
    res = publish(_spooled(reports), wh)  # the stored hashes still decide: nothing rewritten
    assert (res.unchanged, res.files_written) == (len(reports), [])
    assert not list((wh / "_index").glob("*.parquet"))
    assert _index(wh).equals(before)
    assert set(_manifest_index(wh)) == {f"_index/year={y}.arrow" for y in YEARS}
    changed = reports[3].model_copy(update={"parser_version": "8.0.0"})
    assert publish([changed], wh).unchanged == 0
    rep = read_table("reports", wh)
    assert rep.num_rows == len(reports)  # replaced, not duplicated


def test_compact_converts_a_parquet_index_too(
    wh: Path, reports: list[Report], legacy_index: Callable[..., None]
) -> None:
    publish(reports, wh)
    before = _index(wh)
    legacy_index(wh)
    compact(wh)
    assert not list((wh / "_index").glob("*.parquet"))
    assert _index(wh).drop_columns(["stem"]).equals(before.drop_columns(["stem"]))


def test_a_conversion_stopped_before_deleting_the_old_files_finishes(
    wh: Path, reports: list[Report], legacy_index: Callable[..., None], tmp_path: Path
) -> None:
    """The run converted 2019 and 2020 (renamed on), then stopped before writing the manifest
    and deleting the Parquet files: the next publish converts the rest and cleans up."""
    publish(reports, wh)
    before = _index(wh)
    keep = tmp_path / "keep"
    keep.mkdir()
    for year in (2019, 2020):
        shutil.copy(wh / "_index" / f"year={year}.arrow", keep)
    legacy_index(wh)
    for year in (2019, 2020):
        shutil.copy(keep / f"year={year}.arrow", wh / "_index")
    publish(_spooled(reports), wh)
    assert sorted(p.name for p in (wh / "_index").glob("year=*")) == [
        f"year={y}.arrow" for y in YEARS
    ]
    assert _index(wh).equals(before)
    listed = _manifest_index(wh)
    assert set(listed) == {f"_index/year={y}.arrow" for y in YEARS}
    assert sum(e["reports"] for e in listed.values()) == len(reports)


def test_a_table_read_from_the_index_survives_its_file_being_replaced(
    wh: Path, reports: list[Report]
) -> None:
    publish(reports, wh)
    store = open_store(wh)
    year = reports[0].year
    path = index_path(store, year)
    held = read_year(store, year)  # memory-mapped: the buffers are the file's pages
    copy = held.to_pylist()
    inode = Path(path).stat().st_ino
    changed = [r.model_copy(update={"parser_version": "8.1.0"}) for r in reports if r.year == year]
    assert publish(changed, wh).unchanged == 0
    assert Path(path).stat().st_ino != inode  # renamed over, never truncated in place
    assert held.to_pylist() == copy
    stems = set(read_year(store, year, ["stem"])["stem"].to_pylist())
    assert stems != {row["stem"] for row in copy}


def test_a_file_in_another_column_order_reads_by_name(wh: Path, reports: list[Report]) -> None:
    """Columns are picked by their positions in this writer's schema, checked against the
    file's: a file whose columns sit elsewhere (another writer's) reads by name."""
    publish(reports, wh)
    store = open_store(wh)
    path = index_path(store, 2020)
    rows = read_year(store, 2020)
    moved = rows.select(list(reversed(rows.column_names)))
    with pa.OSFile(path + ".new", "wb") as sink, pa.ipc.new_file(sink, moved.schema) as writer:
        writer.write_table(moved)
    Path(path + ".new").replace(path)  # renamed over, as the writer does (``rows`` maps it)
    got = read_year(store, 2020, ["stem", "report_id", "year"])
    assert got.equals(rows.select(["stem", "report_id", "year"]))
