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
from warehouse.index import DIM_KEY, index_path, index_years
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
_COLUMNS = ["publisher", "publisher_key", "region_code", "site", "year"]


@dataclass
class _Acc:
    names: Counter[str] = field(default_factory=Counter)
    latest: tuple[int, str] = (0, "")
    region: str | None = None
    years: set[int] = field(default_factory=set)
    sites: set[str] = field(default_factory=set)
    reports: int = 0


def build(reports: pa.Table) -> pa.Table:
    """The publishers table from ``reports`` rows (needs ``publisher``, ``region_code``,
    ``site``, ``year``; ``publisher_key`` where present)."""
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
    rows: dict[str, list[object]] = {f.name: [] for f in SCHEMA}
    for key in sorted(acc):
        a = acc[key]
        name = a.latest[1]
        who = identify(name, a.region)
        values: dict[str, object] = {
            "publisher_key": key,
            "publisher": name,
            "names": sorted(a.names),
            "region_code": who.region_code or a.region,
            "region_code_source": who.region_source or ("site" if a.region else None),
            "province_code": who.province.code if who.province else None,
            "province_name": who.province.name if who.province else None,
            "prefecture_code": who.prefecture.code if who.prefecture else None,
            "prefecture_name": who.prefecture.name if who.prefecture else None,
            "county_code": who.county.code if who.county else None,
            "county_name": who.county.name if who.county else None,
            "level": who.level,
            "parent": who.parent,
            "first_year": min(a.years),
            "last_year": max(a.years),
            "reports": a.reports,
            "sites": sorted(a.sites),
        }
        for f in SCHEMA:
            rows[f.name].append(values[f.name])
    return pa.table(rows, schema=SCHEMA)


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
            rows = pq.read_table(
                index_path(store, year), columns=_INDEX_COLUMNS, filesystem=store.fs
            )
        if keys is not None:
            rows = rows.filter(pc.is_in(rows[DIM_KEY], value_set=keys))
        if rows.num_rows == 0:
            continue
        rows = rows.take(pc.sort_indices(rows, sort_keys=[("report_id", "ascending")]))
        parts.append(
            pa.table(
                {
                    "publisher": rows["publisher"],
                    "publisher_key": rows[DIM_KEY],
                    "region_code": rows["region_code"],
                    "site": rows["site"],
                    "year": pa.array([year] * rows.num_rows, pa.int16()),
                }
            )
        )
    if not parts:
        return pa.table({c: pa.array([], pa.string()) for c in _COLUMNS[:-1]}).append_column(
            "year", pa.array([], pa.int16())
        )
    return pa.concat_tables(parts)


def stage_publishers(tx: Transaction, updated: dict[int, pa.Table], keys: set[str]) -> int:
    """Stage the publishers dimension in ``tx``: the rows of the publishers ``keys`` rebuilt
    from the report index (``updated``: the index of the years this commit rewrites), the other
    rows kept from the current file (rebuilt whole when there is none); returns its rows.

    Work follows the publishers concerned (one scan of a few index columns), not the
    reports table."""
    store = tx.store
    final = f"{store.path(TABLE)}/{FILE}"
    old = None
    if store.fs.get_file_info(final).type == pafs.FileType.File:
        old = pq.read_table(final, filesystem=store.fs, schema=SCHEMA)
    if old is None:
        table = build(_index_rows(store, updated, None))
    else:
        wanted = pa.array(sorted(keys), pa.string())
        fresh = build(_index_rows(store, updated, wanted))
        kept = old.filter(pc.invert(pc.is_in(old["publisher_key"], value_set=wanted)))
        table = pa.concat_tables([kept, fresh])
        table = table.take(pc.sort_indices(table, sort_keys=[("publisher_key", "ascending")]))
    tx.write_side(final, table)
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
