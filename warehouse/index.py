"""The report index: report_id → (year, stem, content hash) plus the few report columns that
decide ``is_current`` and the cross-year pairing, one Arrow IPC file per year next to the tables
(``<root>/_index/year=YYYY.arrow``, LZ4-compressed, listed in the manifest; not a dataset).

Arrow IPC, not Parquet: a publish reads the index of a few years whole and the ids of every
year, and an IPC file decodes ~4x faster than the same rows in Parquet (memory-mapped, no page
decoding) and writes ~2.5x faster. Indexes written as Parquet (``year=YYYY.parquet``, by
release 0.1 and until this change) are converted once, under the write lock
(:func:`warehouse.manifest.upgrade`).

It lets a publish skip unchanged reports by hash before reading any partition, and find the
one stem whose files hold a report's rows, so a replacement rewrites only those files. It is
rebuilt from the ``reports`` table when missing (warehouses written before it existed) or when
it lacks a column that decides the grouping (``publisher_key``: indexes written before it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from parsing.models import APPLICANT_COLUMNS
from parsing.publishers import identify
from parsing.validate import ITEM_COUNT_ARTICLES
from warehouse.schemas import PARTITION_FIELD, SCHEMA_VERSION, SCHEMAS
from warehouse.storage import FILE_MODE, FileStat, Store, sort_rows, stem_of
from warehouse.versions import series

INDEX_DIR = "_index"
ROWS_VERSION = 1
"""Bump when the Report → rows mapping changes, so every report is rewritten once."""

_REPORT_FIELDS = [
    "report_id",
    PARTITION_FIELD,
    "publisher",
    "publisher_key",
    "title",
    "published_date",
    "fetched_at",
    "spam_verdict",
    "is_current",
    "region_code",
    "site",
]
DIM_KEY = "dim_key"
"""The report's row in the ``publishers`` dimension: ``publisher_key``, else the key
:func:`parsing.publishers.identify` gives (reports written before the key existed)."""
HASH_KIND = "hash_kind"
"""Which function made ``row_hash``: :data:`HASH_XXH3` (:func:`row_hash`), else (null, or
:data:`HASH_BLAKE2B`: entries written before the column existed) :func:`row_hash_blake2b`."""
HASH_BLAKE2B = 1
HASH_XXH3 = 2
XY_APPLICATIONS = "xy_applications"
XY_ACTIVE = "xy_active"
_XY_FIELDS = {
    XY_APPLICATIONS: ("applications", ["row_code", *APPLICANT_COLUMNS]),
    XY_ACTIVE: ("active_disclosure", ["article", "item", "metric", "value"]),
}
"""The cross-year checks' inputs kept in the index, so a publish pairs a report with the year
before without reading that year's data files: rows 2 and 4 of table 三 and the 20.5/20.6/20.8
``prev_count``/``change`` values of table 二 (:mod:`warehouse.cross_year`)."""


def _xy_type(column: str) -> pa.DataType:
    table, fields = _XY_FIELDS[column]
    return pa.list_(pa.struct([SCHEMAS[table].field(f).with_nullable(True) for f in fields]))


INDEX_SCHEMA = pa.schema(
    [SCHEMAS["reports"].field(c) for c in _REPORT_FIELDS]
    + [
        pa.field("stem", pa.string(), nullable=False),
        pa.field("row_hash", pa.binary(16)),
        pa.field(DIM_KEY, pa.string()),
    ]
    + [pa.field(c, _xy_type(c)) for c in _XY_FIELDS]
    + [pa.field(HASH_KIND, pa.int8())]
)
REPORT_COLUMNS = [c for c in _REPORT_FIELDS]
GROUPING_COLUMNS = ("publisher_key", "region_code", "site", DIM_KEY, XY_APPLICATIONS, XY_ACTIVE)
"""Index columns added after the index existed: a year's index without one is rebuilt."""


_VERSIONS = f"|{SCHEMA_VERSION}|{ROWS_VERSION}".encode()


def row_hash(report_json: bytes) -> bytes:
    """The content hash of one report's rows (its model JSON, the schema and rows versions):
    128-bit XXH3, ~20x faster than BLAKE2b on ~17 kB of JSON (index entries say which
    function made theirs: :data:`HASH_KIND`)."""
    digest = xxhash.xxh3_128(report_json)
    digest.update(_VERSIONS)
    return digest.digest()


def row_hash_blake2b(report_json: bytes) -> bytes:
    """The content hash index entries written before :data:`HASH_KIND` hold (BLAKE2b-128 of
    the same bytes): stored reports with such a hash are compared with it."""
    digest = hashlib.blake2b(report_json, digest_size=16)
    digest.update(_VERSIONS)
    return digest.digest()


def same_content(stored: bytes | None, kind: int | None, report_json: bytes, new: bytes) -> bool:
    """Whether a stored hash (made by the function ``kind`` names) is the hash of
    ``report_json`` (``new``: its :func:`row_hash`)."""
    if stored is None:
        return False
    if kind == HASH_XXH3:
        return stored == new
    return stored == row_hash_blake2b(report_json)


def carried_hashes(old: pa.Table, ids: list[str]) -> tuple[pa.Array, pa.Array]:
    """The stored hash and hash kind of each of ``ids`` in the index rows ``old`` (null where
    absent), for index rows rewritten without a change of the reports' rows."""
    kinds = old[HASH_KIND].to_pylist() if HASH_KIND in old.column_names else [None] * len(old)
    pairs = zip(old["row_hash"].to_pylist(), kinds, strict=True)
    known = dict(zip(old["report_id"].to_pylist(), pairs, strict=True))
    got = [known.get(r, (None, None)) for r in ids]
    return (
        pa.array([g[0] for g in got], pa.binary(16)),
        pa.array([g[1] for g in got], pa.int8()),
    )


INDEX_SUFFIX = ".arrow"
LEGACY_SUFFIX = ".parquet"
"""The suffix of index files written as Parquet (release 0.1), converted by the next publish."""
_COMPRESSION = "lz4"
"""LZ4 frames: 2.7x smaller than uncompressed IPC, decoded at ~1 ms per 14k entries."""


def index_path(store: Store, year: int, suffix: str = INDEX_SUFFIX) -> str:
    return store.path(INDEX_DIR, f"{PARTITION_FIELD}={year}{suffix}")


def index_years(store: Store, suffix: str = INDEX_SUFFIX) -> list[int]:
    """Years that have an index file (``suffix``: :data:`LEGACY_SUFFIX` for the Parquet files
    of an older writer)."""
    out = []
    for info in store.list_dir(store.path(INDEX_DIR)):
        name = info.base_name
        if name.startswith(f"{PARTITION_FIELD}=") and name.endswith(suffix):
            out.append(int(name[len(PARTITION_FIELD) + 1 : -len(suffix)]))
    return sorted(out)


def _open(store: Store, path: str) -> pa.NativeFile:
    # memory-mapped locally: index files are only ever replaced by a rename, never rewritten in
    # place, so a mapping stays valid while a table still uses it
    return pa.memory_map(path) if store.is_local else store.fs.open_input_file(path)


def year_schema(store: Store, year: int) -> pa.Schema:
    """The schema one year's index file was written with."""
    with _open(store, index_path(store, year)) as source:
        return pa.ipc.open_file(source).schema


def read_year(store: Store, year: int, columns: list[str] | None = None) -> pa.Table:
    """One year's index file as it is stored (``columns``: only those the file has, in that
    order), decoded on the calling thread.

    A file in :data:`INDEX_SCHEMA` (every file this writer makes) is opened once, with the
    columns' positions in that schema; any other (its columns differ there) again, with the
    positions its own schema gives."""
    with _open(store, index_path(store, year)) as source:
        if columns is None:
            return pa.ipc.open_file(source, options=_read_options(None)).read_all()
        fields = sorted({_INDEX_POSITIONS[c] for c in columns if c in _INDEX_POSITIONS})
        reader = pa.ipc.open_file(source, options=_read_options(fields))
        if reader.schema.names != [_INDEX_NAMES[i] for i in fields]:  # not this writer's file
            names = pa.ipc.open_file(source).schema.names
            fields = sorted({names.index(c) for c in columns if c in names})
            reader = pa.ipc.open_file(source, options=_read_options(fields))
        table = reader.read_all()
        return table.select([c for c in columns if c in table.column_names])


def _read_options(fields: list[int] | None) -> pa.ipc.IpcReadOptions:
    if fields is None:
        return pa.ipc.IpcReadOptions(use_threads=False)
    return pa.ipc.IpcReadOptions(included_fields=fields, use_threads=False)


_INDEX_NAMES = INDEX_SCHEMA.names
_INDEX_POSITIONS = {name: i for i, name in enumerate(_INDEX_NAMES)}


def read_legacy_year(store: Store, year: int) -> pa.Table:
    """The Parquet index file of ``year`` an older writer left (:data:`LEGACY_SUFFIX`)."""
    path = index_path(store, year, LEGACY_SUFFIX)
    return pq.ParquetFile(path, filesystem=store.fs).read(use_threads=False)


def outdated(store: Store, year: int) -> bool:
    """Whether the index file of ``year`` lacks one of :data:`GROUPING_COLUMNS`."""
    names = year_schema(store, year).names
    return any(c not in names for c in GROUPING_COLUMNS)


def lacks_grouping(table: pa.Table) -> bool:
    """Whether index rows ``table`` lack one of :data:`GROUPING_COLUMNS`."""
    return any(c not in table.column_names for c in GROUPING_COLUMNS)


def conform(part: pa.Table, schema: pa.Schema) -> pa.Table:
    """``part`` with ``schema``'s columns; a column an older index lacks comes back null."""
    missing = [n for n in schema.names if n not in part.column_names]
    for name in missing:
        part = part.append_column(name, pa.nulls(part.num_rows, schema.field(name).type))
    target = pa.schema(
        [f.with_nullable(True) if f.name in missing else f for f in schema], schema.metadata
    )
    return part.select(schema.names).cast(target)


def read_index(
    store: Store,
    years: Iterable[int] | None = None,
    *,
    ids: pa.Array | None = None,
    publishers: pa.Array | None = None,
    columns: list[str] | None = None,
) -> pa.Table:
    """Index rows of ``years`` (default all), optionally only ``ids`` / the series
    ``publishers`` (publisher keys, or names for rows without a key) and ``columns``.

    A year is memory-mapped, decompressed and filtered at once (a year's index is small: ~2.4
    MB for 14k reports); by ids, only the id column is decoded for a year without a hit. An
    index written before ``publisher_key`` existed reads with that column null. Files are
    decoded on the calling thread: for files this small Arrow's thread pool cost more CPU and
    wall time than it saved.
    """
    schema = (
        INDEX_SCHEMA if columns is None else pa.schema([INDEX_SCHEMA.field(c) for c in columns])
    )
    needed = None
    if columns is not None:
        extra = ["report_id"] if ids is not None else []
        if publishers is not None:
            extra += ["publisher", "publisher_key"]
        needed = list(dict.fromkeys([*columns, *extra]))
    wanted = index_years(store) if years is None else sorted(set(years) & set(index_years(store)))
    parts = []
    for year in wanted:
        if ids is not None and publishers is None:  # by id: the id column first, the rest on a hit
            hit = pc.is_in(read_year(store, year, ["report_id"])["report_id"], value_set=ids)
            if not pc.any(hit).as_py():
                continue
            parts.append(read_year(store, year, needed).filter(hit))
            continue
        part = read_year(store, year, needed)
        if ids is None and publishers is None:
            parts.append(part)
            continue
        mask = None
        if ids is not None:
            mask = pc.is_in(part["report_id"], value_set=ids)
        if publishers is not None:
            term = pc.is_in(series(part), value_set=publishers)
            mask = term if mask is None else pc.and_(mask, term)
        part = part.filter(mask)
        if part.num_rows:
            parts.append(part)
    if not parts:
        return schema.empty_table()
    return pa.concat_tables([conform(p, schema) for p in parts])


def write_index(
    store: Store, year: int, rows: pa.Table, path: str, *, sync: bool = True
) -> FileStat:
    """Write one year's index (``rows`` in :data:`INDEX_SCHEMA`) to ``path``, a temporary name
    the caller renames onto :func:`index_path` (never the live file: readers memory-map it;
    ``sync=False``: the caller fsyncs it)."""
    store.makedirs(path.rpartition("/")[0])
    data = sort_rows(rows.cast(INDEX_SCHEMA))
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=_COMPRESSION)
    with pa.ipc.new_file(sink, INDEX_SCHEMA, options=options) as writer:
        writer.write_table(data)
    body = sink.getvalue()
    if store.is_local:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        Path(path).chmod(FILE_MODE)  # not world-writable whatever the umask
    else:
        with store.fs.open_output_stream(path) as out:
            out.write(body)
    return FileStat(rows=data.num_rows, bytes=body.size, sha256="")


def entries_from_reports(
    reports: pa.Table,
    stem: str | pa.Array,
    hashes: pa.Array | None = None,
    children: dict[str, pa.Table] | None = None,
    kinds: pa.Array | None = None,
) -> pa.Table:
    """Index rows for ``reports`` (rows of the reports table) stored under ``stem``;
    ``children`` (``applications`` and ``active_disclosure`` rows of these reports) give the
    cross-year inputs (null without). ``hashes`` are :func:`row_hash` values unless ``kinds``
    (:data:`HASH_KIND`, for hashes carried over from older entries) says otherwise."""
    n = reports.num_rows
    stems = pa.array([stem] * n, pa.string()) if isinstance(stem, str) else stem
    if hashes is None:
        hashes = pa.nulls(n, pa.binary(16))
    if kinds is None:
        kinds = pc.if_else(
            pc.is_null(hashes), pa.scalar(None, pa.int8()), pa.scalar(HASH_XXH3, pa.int8())
        )
    xy = [
        pa.nulls(n, _xy_type(c))
        if children is None
        else _nest(reports["report_id"], _xy_source(c, children[_XY_FIELDS[c][0]]), c)
        for c in _XY_FIELDS
    ]
    cols = [reports[c] for c in REPORT_COLUMNS] + [stems, hashes, dim_keys(reports), *xy, kinds]
    return pa.Table.from_arrays(cols, schema=INDEX_SCHEMA)


def _xy_source(column: str, rows: pa.Table) -> pa.Table:
    """The rows of a child table that the cross-year checks read."""
    if column == XY_APPLICATIONS:
        mask = pc.is_in(rows["row_code"], value_set=pa.array(["2", "4"]))
    else:
        mask = pc.and_(
            pc.is_in(rows["article"], value_set=pa.array(list(ITEM_COUNT_ARTICLES))),
            pc.is_in(rows["metric"], value_set=pa.array(["prev_count", "change"])),
        )
    return rows.filter(mask)


def cross_year_source(table: str, rows: pa.Table) -> pa.Table | None:
    """The rows of ``table`` that the index keeps for the cross-year checks (None: none)."""
    for column, (name, _) in _XY_FIELDS.items():
        if name == table:
            return _xy_source(column, rows)
    return None


def _nest(ids: pa.ChunkedArray | pa.Array, rows: pa.Table, column: str) -> pa.Array:
    """``rows`` (with ``report_id``) as one list per id of ``ids``, in their order."""
    at: dict[str, list[int]] = {}
    for i, rid in enumerate(rows["report_id"].to_pylist()):
        at.setdefault(rid, []).append(i)
    order: list[int] = []
    offsets = [0]
    for rid in ids.to_pylist():
        order += at.get(rid, [])
        offsets.append(len(order))
    kind = _xy_type(column).value_type
    take = pa.array(order, pa.int64())
    values = pa.StructArray.from_arrays(
        [rows[f.name].combine_chunks().take(take).cast(f.type) for f in kind], fields=list(kind)
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def cross_year_rows(entries: pa.Table, column: str) -> pa.Table:
    """The cross-year input rows kept in index rows ``entries`` (``report_id`` plus the
    fields of ``column``), as a flat table."""
    lists = entries[column].combine_chunks()
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    ids = entries["report_id"].combine_chunks().take(parents)
    kind = _xy_type(column).value_type
    return pa.Table.from_arrays(
        [ids, *(flat.field(i) for i in range(kind.num_fields))],
        names=["report_id", *(f.name for f in kind)],
    )


def dim_keys(reports: pa.Table) -> pa.Array:
    """The ``publishers`` key of every row (needs ``publisher``, ``publisher_key``,
    ``region_code``): the stored key, computed only for rows without one."""
    keys = reports["publisher_key"].combine_chunks()
    missing = pc.fill_null(pc.equal(keys, ""), True)
    if not pc.any(missing).as_py():
        return keys
    names = reports["publisher"].to_pylist()
    regions = reports["region_code"].to_pylist()
    out = keys.to_pylist()
    for i, gap in enumerate(missing.to_pylist()):
        if gap:
            out[i] = identify(names[i], regions[i]).publisher_key
    return pa.array(out, pa.string())


def rebuild_year(store: Store, year: int, old: pa.Table | None = None) -> pa.Table:
    """The index rows of ``year`` rebuilt from the ``reports`` files (hashes kept from ``old``,
    for a rebuild that did not change any report's rows)."""
    parts = []
    for path in store.data_files("reports", year):
        data = store.read_partition("reports", year, REPORT_COLUMNS, files=[path])
        children = {}
        for column, (table, fields) in _XY_FIELDS.items():
            part = store.part_path(table, year, stem_of(path))
            rows = store.read_partition(table, year, ["report_id", *fields], files=[part])
            children[table] = _xy_source(column, rows)
        parts.append(entries_from_reports(data, stem_of(path), children=children))
    rows = pa.concat_tables(parts) if parts else INDEX_SCHEMA.empty_table()
    if old is not None and old.num_rows and rows.num_rows:
        hashes, kinds = carried_hashes(old, rows["report_id"].to_pylist())
        for name, column in (("row_hash", hashes), (HASH_KIND, kinds)):
            at = rows.schema.get_field_index(name)
            rows = rows.set_column(at, INDEX_SCHEMA.field(name), column)
    return rows
