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
    of a publisher whose latest wording and first region did not change."""
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
        a.region = a.region or region
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
        if region is not None and (key not in first or (year, rid) < first[key][:2]):
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


def _first_regions(store: Store, keys: set[str]) -> dict[str, tuple[int, str, str]]:
    """The first stored report with a region of each publisher ``keys``, as (year, report_id,
    region): the index files on disk (this commit's are still staged) scanned from the oldest
    year, a few columns, stopping once every publisher is found."""
    found: dict[str, tuple[int, str, str]] = {}
    pending = set(keys)
    for year in index_years(store):
        if not pending:
            break
        rows = read_year(store, year, ["report_id", DIM_KEY, "region_code"])
        mask = pc.and_(
            pc.is_in(rows[DIM_KEY], value_set=pa.array(sorted(pending), pa.string())),
            pc.fill_null(pc.not_equal(rows["region_code"], ""), False),
        )
        hit = rows.filter(mask)
        for rid, key, region in zip(
            hit["report_id"].to_pylist(),
            hit[DIM_KEY].to_pylist(),
            hit["region_code"].to_pylist(),
            strict=True,
        ):
            if key not in found or rid < found[key][1]:
                found[key] = (year, rid, region)
        pending -= set(found)
    return found


def _added(old: dict[str, dict[str, object]], new: pa.Table, store: Store) -> pa.Table:
    """Rows of publishers that only gained reports (``new``: their new index rows): each
    stored row merged with the new reports, exactly what :func:`build` gives over all of them;
    identified again only when the latest wording or the first region changed."""
    firsts = _first_regions(store, set(old))
    by_key: dict[str, list[tuple[int, str, str, str | None, str]]] = {}
    for rid, year, name, key, region, site in zip(
        *(new[c].to_pylist() for c in ["report_id", "year", "publisher", DIM_KEY]),
        new["region_code"].to_pylist(),
        new["site"].to_pylist(),
        strict=True,
    ):
        by_key.setdefault(key, []).append((int(year), rid, name, region, site))
    out: dict[str, list[object]] = {name: [] for name in _NAMES}
    for key in sorted(by_key):
        rows = sorted(by_key[key], key=lambda r: (r[0], r[1]))
        was = old.get(key)
        first = firsts.get(key)
        before = first[2] if first else None
        for year, rid, _, region, _ in rows:
            if region and (first is None or (year, rid) < first[:2]):
                first = (year, rid, region)
        region = first[2] if first else None
        latest = max((r[0], r[2]) for r in rows)
        names = {r[2] for r in rows}
        sites = {r[4] for r in rows}
        years = {r[0] for r in rows}
        count = len(rows)
        if was is not None:
            latest = max(latest, (int(str(was["last_year"])), str(was["publisher"])))
            names |= set(was["names"])  # type: ignore[call-overload]
            sites |= set(was["sites"])  # type: ignore[call-overload]
            years |= {int(str(was["first_year"])), int(str(was["last_year"]))}
            count += int(str(was["reports"]))
        if was is not None and latest[1] == was["publisher"] and region == before:
            ident = {c: was[c] for c in _IDENTITY}
        else:
            ident = _identity(latest[1], region)
        values: dict[str, object] = {
            "publisher_key": key,
            "publisher": latest[1],
            "names": sorted(names),
            **ident,
            "first_year": min(years),
            "last_year": max(years),
            "reports": count,
            "sites": sorted(sites),
        }
        for col in _NAMES:
            out[col].append(values[col])
    return pa.table(out, schema=SCHEMA)


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
    lost = {k for k in removed[DIM_KEY].to_pylist() if k is not None}
    gained = {k for k in entries[DIM_KEY].to_pylist() if k is not None} - lost
    parts = []
    if lost:
        wanted = pa.array(sorted(lost), pa.string())
        rows = _index_rows(store, updated, wanted)
        new_ids = set(entries["report_id"].to_pylist())
        parts.append(build(rows, _known(old, rows, new_ids, removed)))
    if gained:
        mine = pc.is_in(entries[DIM_KEY], value_set=pa.array(sorted(gained), pa.string()))
        stored = old.filter(pc.is_in(old["publisher_key"], value_set=pa.array(sorted(gained))))
        cols = {c: stored[c].to_pylist() for c in stored.column_names}  # ~10x to_pylist
        was = {
            str(values[0]): dict(zip(cols, values, strict=True))
            for values in zip(*cols.values(), strict=True)
        }
        parts.append(_added(was, entries.filter(mine), store))
    touched = pa.array(sorted(lost | gained), pa.string())
    kept = old.filter(pc.invert(pc.is_in(old["publisher_key"], value_set=touched)))
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
    table = build(read_table("reports", root, columns=_COLUMNS, filesystem=filesystem))
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
        return build(read_table("reports", root, columns=_COLUMNS, filesystem=filesystem))
    return pq.read_table(path, filesystem=store.fs, schema=SCHEMA)
