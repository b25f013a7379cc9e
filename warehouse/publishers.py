"""The ``publishers`` dimension: one row per publisher (by ``publisher_key``), rebuilt on publish.

Built from the ``reports`` table (every year, a few columns), so it is always consistent with
it: the wordings seen, the division (province / prefecture / county names and codes from
``parsing.regions``), the level (省级, 市级, 县级, 乡镇, 功能区, 部门), the parent government of
departments, towns and zones, the first and last report year, the number of reports and the
sites the publisher appears on. Reports written before ``publisher_key`` existed get their key
computed here from ``publisher`` and ``region_code``.

Stored as one Parquet file ``<root>/publishers/part-0.parquet`` (no partitions, nothing else in
the directory), replaced atomically in the publish's commit. A publish rebuilds only the rows of
the publishers it concerns, from the report index (:func:`stage_publishers`).
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from parsing.publishers import identify
from warehouse.commit import Transaction
from warehouse.index import DIM_KEY, index_years, read_year
from warehouse.read import read_table
from warehouse.storage import Store, open_store

TABLE = "publishers"
FILE = "part-0.parquet"
SCHEMA = pa.schema(
    [
        pa.field("publisher_key", pa.string(), nullable=False),
        pa.field("publisher", pa.string(), nullable=False),
        pa.field("names", pa.list_(pa.string()), nullable=False),
        pa.field("region_code", pa.string()),
        pa.field("region_code_source", pa.string()),
        pa.field("province_code", pa.string()),
        pa.field("province_name", pa.string()),
        pa.field("prefecture_code", pa.string()),
        pa.field("prefecture_name", pa.string()),
        pa.field("county_code", pa.string()),
        pa.field("county_name", pa.string()),
        pa.field("level", pa.string(), nullable=False),
        pa.field("parent", pa.string()),
        pa.field("first_year", pa.int16(), nullable=False),
        pa.field("last_year", pa.int16(), nullable=False),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("sites", pa.list_(pa.string()), nullable=False),
    ],
    metadata={b"xxgk.table": TABLE.encode()},
)
_NAMES = SCHEMA.names  # once: iterating a schema builds a Field object per column
_COLUMNS = ["publisher", "publisher_key", "region_code", "site", "year"]
_READ = ["report_id", *_COLUMNS]
"""The ``reports`` columns a full build reads (``report_id`` orders the rows of a year)."""
_MAX_CHUNKS = 16


@dataclass
class _Acc:
    names: Counter[str] = field(default_factory=Counter)
    latest: tuple[int, str] = (0, "")
    region: str | None = None
    years: set[int] = field(default_factory=set)
    sites: set[str] = field(default_factory=set)
    reports: int = 0


_IDENTITY = [
    "region_code",
    "region_code_source",
    "province_code",
    "province_name",
    "prefecture_code",
    "prefecture_name",
    "county_code",
    "county_name",
    "level",
    "parent",
]
"""The columns :func:`parsing.publishers.identify` decides (from the latest wording and the
first region seen)."""
Known = dict[str, tuple[str, str | None, dict[str, object]]]
"""publisher key → (wording, region) identified before, and the identity columns it gave."""


def _identity(name: str, region: str | None) -> dict[str, object]:
    who = identify(name, region)
    return {
        "region_code": who.region_code or region,
        "region_code_source": who.region_source or ("site" if region else None),
        "province_code": who.province.code if who.province else None,
        "province_name": who.province.name if who.province else None,
        "prefecture_code": who.prefecture.code if who.prefecture else None,
        "prefecture_name": who.prefecture.name if who.prefecture else None,
        "county_code": who.county.code if who.county else None,
        "county_name": who.county.name if who.county else None,
        "level": who.level,
        "parent": who.parent,
    }


def build(reports: pa.Table, known: Known | None = None) -> pa.Table:
    """The publishers table from ``reports`` rows (needs ``publisher``, ``region_code``,
    ``site``, ``year``; ``publisher_key`` where present). ``known`` saves the identification
    of a publisher whose latest wording and first region did not change.

    A publisher's region is the first non-empty ``region_code`` by (year, report_id), as the
    merge of a publish finds it; rows without ``report_id`` are taken in the order given."""
    if "report_id" in reports.column_names:  # the files of a year are not in report_id order
        reports = reports.take(
            pc.sort_indices(reports, sort_keys=[("year", "ascending"), ("report_id", "ascending")])
        )
    cols = {c: reports[c].to_pylist() if c in reports.column_names else None for c in _COLUMNS}
    n = reports.num_rows
    keys = cols["publisher_key"] or [None] * n
    acc: dict[str, _Acc] = {}
    for i in range(n):
        name = cols["publisher"][i]  # type: ignore[index]
        region = cols["region_code"][i]  # type: ignore[index]
        year = int(cols["year"][i])  # type: ignore[index]
        key = keys[i] or identify(name, region).publisher_key
        a = acc.setdefault(key, _Acc())
        a.names[name] += 1
        a.latest = max(a.latest, (year, name))
        a.region = a.region or region or None  # an empty code is no region, as in _added
        a.years.add(year)
        a.sites.add(cols["site"][i])  # type: ignore[index]
        a.reports += 1
    rows: dict[str, list[object]] = {name: [] for name in _NAMES}
    for key in sorted(acc):
        a = acc[key]
        name = a.latest[1]
        seen = (known or {}).get(key)
        if seen is not None and seen[0] == name and seen[1] == a.region:
            ident = seen[2]
        else:
            ident = _identity(name, a.region)
        values: dict[str, object] = {
            "publisher_key": key,
            "publisher": name,
            "names": sorted(a.names),
            **ident,
            "first_year": min(a.years),
            "last_year": max(a.years),
            "reports": a.reports,
            "sites": sorted(a.sites),
        }
        for col in _NAMES:
            rows[col].append(values[col])
    return pa.table(rows, schema=SCHEMA)


def _known(old: pa.Table, rows: pa.Table, new_ids: set[str], removed: pa.Table) -> Known:
    """The identification the current file holds for the publishers in ``rows``, with the
    (wording, first region) it was made from: the region is recomputed from the rows stored
    before this publish (``rows`` less ``new_ids``, plus the ``removed`` index rows)."""
    first: dict[str, tuple[int, str, str]] = {}

    def see(key: str, year: int, rid: str, region: str | None) -> None:
        if region and (key not in first or (year, rid) < first[key][:2]):
            first[key] = (year, rid, region)

    for rid, key, year, region in zip(
        rows["report_id"].to_pylist(),
        rows["publisher_key"].to_pylist(),
        rows["year"].to_pylist(),
        rows["region_code"].to_pylist(),
        strict=True,
    ):
        if rid not in new_ids:
            see(key, year, rid, region)
    for rid, key, year, region in zip(
        removed["report_id"].to_pylist(),
        removed[DIM_KEY].to_pylist(),
        removed["year"].to_pylist(),
        removed["region_code"].to_pylist(),
        strict=True,
    ):
        see(key, year, rid, region)
    mine = old.filter(pc.is_in(old["publisher_key"], value_set=pc.unique(rows["publisher_key"])))
    out: Known = {}
    for row in mine.select(["publisher_key", "publisher", *_IDENTITY]).to_pylist():
        key = str(row.pop("publisher_key"))
        region = first[key][2] if key in first else None
        out[key] = (str(row.pop("publisher")), region, row)
    return out


_INDEX_COLUMNS = ["report_id", "publisher", DIM_KEY, "region_code", "site"]


def _index_rows(store: Store, updated: dict[int, pa.Table], keys: pa.Array | None) -> pa.Table:
    """Index rows (``_COLUMNS``, the dimension key as ``publisher_key``) of the publishers
    ``keys`` (all when None), in the reports table's order (year, then report_id): the years in
    ``updated`` from memory, the others from their index files (a few columns)."""
    parts = []
    for year in sorted(set(index_years(store)) | set(updated)):
        if year in updated:
            rows = updated[year].select(_INDEX_COLUMNS)
        else:
            rows = read_year(store, year, _INDEX_COLUMNS)
        if keys is not None:
            rows = rows.filter(pc.is_in(rows[DIM_KEY], value_set=keys))
        if rows.num_rows == 0:
            continue
        rows = rows.take(pc.sort_indices(rows, sort_keys=[("report_id", "ascending")]))
        parts.append(
            pa.table(
                {
                    "report_id": rows["report_id"],
                    "publisher": rows["publisher"],
                    "publisher_key": rows[DIM_KEY],
                    "region_code": rows["region_code"],
                    "site": rows["site"],
                    "year": pa.array([year] * rows.num_rows, pa.int16()),
                }
            )
        )
    if not parts:
        names = ["report_id", *_COLUMNS[:-1]]
        empty = pa.table({c: pa.array([], pa.string()) for c in names})
        return empty.append_column("year", pa.array([], pa.int16()))
    return pa.concat_tables(parts)


STATE = "_index/publishers.arrow"
"""The writer's copy of the dimension (Arrow IPC, uncompressed, committed with the Parquet
file): memory-mapped by the next publish instead of decoding the Parquet file."""


def _read_state(store: Store, final: str) -> pa.Table:
    """The current dimension: the writer's Arrow copy when it is there (local), else the file."""
    state = store.path(STATE)
    if store.is_local and store.fs.get_file_info(state).type == pafs.FileType.File:
        with pa.memory_map(state) as source:
            table = pa.ipc.open_file(source).read_all()
        if table.schema.equals(SCHEMA, check_metadata=False):
            return table
    return pq.ParquetFile(final, filesystem=store.fs).read(use_threads=False).cast(SCHEMA)


_NEW = ["report_id", "year", "publisher", DIM_KEY, "region_code", "site"]


def _runs(keys: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The distinct values of the sorted ``keys`` and the first and last row of each."""
    runs = pc.run_end_encode(keys, run_end_type=pa.int32())
    ends = runs.run_ends
    starts = pa.concat_arrays([pa.array([0], pa.int32()), ends])[:-1]
    return runs.values, starts, pc.subtract(ends, 1)


def _sorted_by(table: pa.Table, columns: list[str]) -> pa.Table:
    return table.take(pc.sort_indices(table, [(c, "ascending") for c in columns]))


def _first_regions(store: Store, keys: pa.Array) -> pa.Table:
    """The first stored report with a region of each publisher ``keys`` (``dim_key``, ``year``,
    ``report_id``, ``region_code``; publishers without one absent): the index files on disk
    (this commit's are still staged) scanned from the oldest year, a few columns, stopping once
    every publisher is found."""
    parts = []
    pending = keys
    for year in index_years(store):
        if len(pending) == 0:
            break
        rows = read_year(store, year, ["report_id", DIM_KEY, "region_code"])
        mask = pc.and_(
            pc.is_in(rows[DIM_KEY], value_set=pending),
            pc.fill_null(pc.not_equal(rows["region_code"], ""), False),
        )
        hit = rows.filter(mask)
        if hit.num_rows == 0:
            continue
        # each publisher's smallest report_id (a stable sort: ties keep the file's order)
        hit = _sorted_by(hit, [DIM_KEY, "report_id"]).combine_chunks()
        found, first, _ = _runs(_one(hit[DIM_KEY]))
        parts.append(
            pa.table(
                {
                    DIM_KEY: found,
                    "year": pa.array([year] * len(found), pa.int16()),
                    "report_id": hit["report_id"].take(first),
                    "region_code": hit["region_code"].take(first),
                }
            )
        )
        pending = pending.filter(pc.invert(pc.is_in(pending, value_set=found)))
    if not parts:
        return pa.table(
            {
                DIM_KEY: pa.array([], pa.string()),
                "year": pa.array([], pa.int16()),
                "report_id": pa.array([], pa.string()),
                "region_code": pa.array([], pa.string()),
            }
        )
    return pa.concat_tables(parts).combine_chunks()


def _one(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _sorted_sets(keys: list[pa.Array], values: list[pa.Array]) -> pa.Array:
    """The distinct ``values`` of each key, sorted, as one list per key in key order (every key
    has a value)."""
    pairs = pa.table({"k": pa.concat_arrays(keys), "v": pa.concat_arrays(values)})
    pairs = _sorted_by(pairs, ["k", "v"]).combine_chunks()
    k, v = _one(pairs["k"]), _one(pairs["v"])
    if len(k) > 1:  # drop repeats (equal to the row before)
        same = pc.and_(pc.equal(k[1:], k[:-1]), pc.equal(v[1:], v[:-1]))
        keep = pa.concat_arrays([pa.array([True]), pc.invert(same)])
        k, v = k.filter(keep), v.filter(keep)
    runs = pc.run_end_encode(k, run_end_type=pa.int32())
    offsets = pa.concat_arrays([pa.array([0], pa.int32()), runs.run_ends])
    return pa.ListArray.from_arrays(offsets, v)


def _added(stored: pa.Table, new: pa.Table, store: Store) -> pa.Table:
    """Rows of publishers that only gained reports (``new``: their new index rows; ``stored``:
    the dimension's rows of those of them it holds): each stored row merged with the new
    reports, exactly what :func:`build` gives over all of them; identified again only when the
    latest wording or the first region changed. Column by column: Python only for those
    identified again."""
    stored = stored.combine_chunks()
    # the new rows by publisher, then (year, wording): the last of each has its latest wording
    new = _sorted_by(new.select(_NEW), [DIM_KEY, "year", "publisher"]).combine_chunks()
    col = {c: _one(new[c]) for c in _NEW}
    keys, first, last = _runs(col[DIM_KEY])
    at = pc.index_in(keys, value_set=_one(stored["publisher_key"]))  # the stored row (null: new)
    was = {c: _one(stored[c]).take(at) for c in ["publisher", "first_year", "last_year", "reports"]}
    has = pc.is_valid(at)
    year, name = col["year"].take(last), col["publisher"].take(last)
    later = pc.fill_null(
        pc.or_(
            pc.greater(was["last_year"], year),
            pc.and_(pc.equal(was["last_year"], year), pc.greater(was["publisher"], name)),
        ),
        False,
    )
    latest = pc.if_else(later, was["publisher"], name)
    same_name = pc.fill_null(pc.equal(latest, was["publisher"]), False)
    # the first new report with a region of each publisher, by (year, report_id)
    regional = new.filter(pc.fill_null(pc.not_equal(col["region_code"], ""), False))
    regional = _sorted_by(regional, [DIM_KEY, "year", "report_id"]).combine_chunks()
    found, at_first, _ = _runs(_one(regional[DIM_KEY]))
    pick = pc.index_in(keys, value_set=found)
    n_row = at_first.take(pick)
    n_year = _one(regional["year"]).take(n_row)
    n_rid = _one(regional["report_id"]).take(n_row)
    n_region = _one(regional["region_code"]).take(n_row)
    has_new = pc.is_valid(pick)
    # the stored first region: needed where the stored row may be kept, or where it is
    # identified again (its wording changed)
    need = pc.and_(has, pc.or_(has_new, pc.invert(same_name)))
    s = _first_regions(store, keys.filter(need))
    s = s.take(pc.index_in(keys, value_set=_one(s[DIM_KEY])))
    s_year, s_rid, before = (_one(s[c]) for c in ["year", "report_id", "region_code"])
    earlier = pc.or_(
        pc.less(n_year, s_year), pc.and_(pc.equal(n_year, s_year), pc.less(n_rid, s_rid))
    )
    n_first = pc.and_(has_new, pc.fill_null(earlier, True))  # null: no stored region
    region = pc.if_else(n_first, n_region, before)
    # kept where the stored first region stays first, else where the new one equals it
    same_region = pc.or_(pc.invert(n_first), pc.fill_null(pc.equal(region, before), False))
    reuse = pc.and_(pc.and_(has, same_name), same_region)
    again = pc.invert(reuse)
    idents = [
        _identity(w, r)
        for w, r in zip(
            latest.filter(again).to_pylist(), region.filter(again).to_pylist(), strict=True
        )
    ]
    # identity columns: the stored row's value, else the new identification (after them)
    rank = pc.subtract(pc.cumulative_sum(again.cast(pa.int64())), 1)
    source = pc.if_else(reuse, at.cast(pa.int64()), pc.add(rank, len(stored)))
    values: dict[str, pa.Array] = {}
    for c in _IDENTITY:
        typ = SCHEMA.field(c).type
        both = pa.concat_arrays([_one(stored[c]), pa.array([d[c] for d in idents], typ)])
        values[c] = both.take(source)
    names, sites = (
        _sorted_sets(
            [col[DIM_KEY], _one(stored["publisher_key"]).take(pc.list_parent_indices(lists))],
            [col[column], pc.list_flatten(lists)],
        )
        for column, lists in [
            ("publisher", _one(stored["names"])),
            ("site", _one(stored["sites"])),
        ]
    )
    values.update(
        {
            "publisher_key": keys,
            "publisher": latest,
            "names": names,
            "first_year": pc.min_element_wise(
                col["year"].take(first), was["first_year"], was["last_year"]
            ),
            "last_year": pc.max_element_wise(year, was["first_year"], was["last_year"]),
            "reports": pc.add(
                pc.add(pc.subtract(last, first), 1).cast(pa.int64()),
                pc.fill_null(was["reports"], 0),
            ),
            "sites": sites,
        }
    )
    return pa.Table.from_arrays([values[c] for c in _NAMES], schema=SCHEMA)


def stage_publishers(
    tx: Transaction, updated: dict[int, pa.Table], entries: pa.Table, removed: pa.Table
) -> int:
    """Stage the publishers dimension in ``tx`` for a commit that adds the index rows
    ``entries`` and replaces the stored index rows ``removed`` (``updated``: the index of the
    years it rewrites); returns its rows.

    A publisher that only gains reports has its stored row merged with them (no scan of its
    history); one that loses a replaced report is rebuilt from the index rows of all its years;
    the other rows are kept. Without a file yet, the whole dimension is built from the index.
    Work follows the publishers concerned, not the reports table."""
    store = tx.store
    final = f"{store.path(TABLE)}/{FILE}"
    if store.fs.get_file_info(final).type != pafs.FileType.File:
        tx.write_side(final, table := build(_index_rows(store, updated, None)))
        tx.write_side_ipc(store.path(STATE), table)
        return int(table.num_rows)
    old = _read_state(store, final)
    lost = pc.unique(removed[DIM_KEY]).drop_null()
    gained = pc.unique(entries[DIM_KEY]).drop_null()
    gained = gained.filter(pc.invert(pc.is_in(gained, value_set=lost)))
    parts = []
    if len(lost):
        rows = _index_rows(store, updated, lost)
        new_ids = set(entries["report_id"].to_pylist())
        parts.append(build(rows, _known(old, rows, new_ids, removed)))
    touched = pc.is_in(old["publisher_key"], value_set=gained)
    if len(gained):
        mine = pc.is_in(entries[DIM_KEY], value_set=gained)
        parts.append(_added(old.filter(touched), entries.select(_NEW).filter(mine), store))
    if len(lost):
        touched = pc.or_(touched, pc.is_in(old["publisher_key"], value_set=lost))
    kept = old.filter(pc.invert(touched))
    table = pa.concat_tables([kept, *parts])
    order = pc.sort_indices(table, sort_keys=[("publisher_key", "ascending")])
    tx.write_side(final, table, order)  # sorted slice by slice: no sorted copy of the whole
    # the writer's copy needs no order (it is filtered by key): written as it is, its chunks
    # merged once they pile up (each publish adds some)
    state = table if table.column(0).num_chunks <= _MAX_CHUNKS else table.combine_chunks()
    tx.write_side_ipc(store.path(STATE), state)
    return int(table.num_rows)


def write_publishers(
    root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None
) -> int:
    """Rebuild ``<root>/publishers/part-0.parquet`` from the reports table; returns its rows.

    Written to a hidden temporary name and moved over the old file (atomic locally and a single
    overwrite-by-key upload on object stores)."""
    store = open_store(root, filesystem)
    table = build(read_table("reports", root, columns=_READ, filesystem=filesystem))
    final = f"{store.path(TABLE)}/{FILE}"
    store.remove(store.path(STATE))  # the writer's copy would be stale: the next publish reads this
    if store.is_local:  # same modes, fsync and rename as every leaf (warehouse.storage)
        temp = store.temp_path(final, uuid.uuid4().hex[:8])
        store.write_parquet(table, temp)
        store.replace(temp, final)
    else:  # object stores: one overwrite-by-key upload
        store.write_parquet(table, final)
    return int(table.num_rows)


def read_publishers(
    root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None
) -> pa.Table:
    """The publishers table; built in memory from ``reports`` when no publish wrote it yet (a
    warehouse published by an older version), empty with its schema for an empty warehouse."""
    store = open_store(root, filesystem)
    path = f"{store.path(TABLE)}/{FILE}"
    if store.fs.get_file_info(path).type != pafs.FileType.File:
        return build(read_table("reports", root, columns=_READ, filesystem=filesystem))
    return pq.read_table(path, filesystem=store.fs, schema=SCHEMA)
