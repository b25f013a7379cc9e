"""Compaction: keep the number of files per leaf partition bounded.

A publish appends one stem (``part-<stem>.parquet`` in every table) per year it touches, so
leaves gain files. Two compactions merge stems, through the same journal as a publish:

- :func:`auto_compact` (after every publish, per touched year): size-tiered. Stems are grouped in
  tiers by report count (powers of :data:`FANIN`); when a year has more than :data:`MAX_FILES`
  stems, the smallest tier holding at least :data:`FANIN` stems is merged into one, repeatedly.
  Each report is rewritten O(log n) times over the life of the warehouse.
- :func:`compact` (``xxgk compact``): every year down to one stem, files written by an older
  schema version upgraded, stale ``is_current`` flags re-marked, foreign files merged, stale
  temp files removed, a layout-1 warehouse upgraded.
"""

from __future__ import annotations

import math
import os
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse import journal
from warehouse.commit import Transaction
from warehouse.index import (
    INDEX_SCHEMA,
    carried_hashes,
    cross_year_source,
    entries_from_reports,
    index_years,
    read_index,
)
from warehouse.locking import WRITE_LOCK, file_lock
from warehouse.manifest import upgrade
from warehouse.schemas import METADATA_VERSION_KEY, PARTITION_FIELD, SCHEMA_VERSION, SCHEMAS, TABLES
from warehouse.storage import Store, open_store, stem_of
from warehouse.versions import mark_current

MAX_FILES_ENV = "XXGK_MAX_FILES_PER_PARTITION"
MAX_FILES = 8
"""Default bound on files per leaf partition (``XXGK_MAX_FILES_PER_PARTITION``)."""
FANIN = 4


def _tables() -> list[str]:
    return [t for t in TABLES if {"report_id", PARTITION_FIELD} <= set(SCHEMAS[t].names)]


def max_files() -> int:
    """The configured bound on files per leaf (at least 2)."""
    return max(2, int(os.environ.get(MAX_FILES_ENV, MAX_FILES)))


@dataclass(frozen=True)
class CompactResult:
    """What a compaction changed (paths relative to the warehouse root)."""

    leaves_rewritten: list[str] = field(default_factory=list)
    files_removed: int = 0
    temp_files_removed: int = 0
    years: list[int] = field(default_factory=list)
    upgraded: bool = False
    """The warehouse was converted from layout 1 (``_schema.json`` in table directories)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (for ``xxgk compact``)."""
        return asdict(self)


def plan_tiers(sizes: dict[str, int], bound: int) -> list[list[str]]:
    """Groups of stems to merge so that at most ``bound`` stems remain (size-tiered)."""
    live = dict(sizes)
    groups: list[list[str]] = []
    while len(live) > bound:
        tiers: dict[int, list[str]] = {}
        for stem, n in sorted(live.items(), key=lambda kv: (kv[1], kv[0])):
            tiers.setdefault(int(math.log(max(n, 1), FANIN)), []).append(stem)
        full = [t for t in sorted(tiers) if len(tiers[t]) >= FANIN]
        if full:
            group = tiers[full[0]]
        else:  # no tier is full: merge the smallest stems
            group = sorted(live, key=lambda s: (live[s], s))[: max(2, len(live) - bound + 1)]
        merged = f"m{len(groups)}"
        live[merged] = sum(live.pop(s) for s in group)
        groups.append([g for s in group for g in _expand(s, groups)])
    return [g for g in groups if not any(set(g) < set(h) for h in groups)]


def _expand(stem: str, groups: list[list[str]]) -> list[str]:
    if stem.startswith("m") and stem[1:].isdigit() and int(stem[1:]) < len(groups):
        return groups[int(stem[1:])]
    return [stem]


def _merge(tx: Transaction, year: int, stems: list[str], new_stem: str) -> list[str]:
    store = tx.store
    written = []
    for table in _tables():
        paths = [store.part_path(table, year, s) for s in stems]
        data = store.read_partition(table, year, files=paths)
        final = store.part_path(table, year, new_stem)
        tx.write_data(table, year, final, data)
        written.append(tx._rel(final))
        for path in paths:
            if store.fs.get_file_info(path).type == pafs.FileType.File:
                tx.delete_data(path)
    return written


def auto_compact(store: Store, year: int, index: pa.Table, run_id: str) -> list[str]:
    """Merge stems of ``year`` when it has more than :func:`max_files` (one commit)."""
    sizes = dict(Counter(index["stem"].to_pylist()))
    groups = plan_tiers(sizes, max_files())
    if not groups:
        return []
    tx = Transaction(store, f"{run_id}-c")
    stems = index["stem"].to_pylist()
    written: list[str] = []
    for k, group in enumerate(groups):
        new_stem = f"{run_id}-c{k}"
        written += _merge(tx, year, sorted(group), new_stem)
        members = set(group)
        stems = [new_stem if s in members else s for s in stems]
    column = pa.array(stems, pa.string())
    field_index = index.schema.get_field_index("stem")
    tx.write_index(year, index.set_column(field_index, INDEX_SCHEMA.field("stem"), column))
    tx.commit()
    return written


def _old_version(store: Store, path: str) -> bool:
    meta = pq.read_schema(path, filesystem=store.fs).metadata or {}
    return meta.get(METADATA_VERSION_KEY) != str(SCHEMA_VERSION).encode()


def _flags_hold(index: pa.Table) -> bool:
    """Whether the stored ``is_current`` flags are what :func:`mark_current` gives (not so
    after the grouping changed, e.g. flags stored before it went by ``publisher_key``)."""
    return bool(mark_current(index)["is_current"].equals(index["is_current"]))


def compact(
    root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None
) -> CompactResult:
    """Rewrite every year with several stems, foreign files or an old schema version as one
    stem (``xxgk compact``); safe any time: writers are locked out, readers see old or new."""
    store = open_store(root, filesystem)
    run_id = "compact-" + uuid.uuid4().hex[:8]
    rewritten: list[str] = []
    removed = 0
    years_done: list[int] = []
    with file_lock(store, WRITE_LOCK, exclusive=True):
        temps = journal.recover(store) if store.is_local else 0
        upgraded = upgrade(store)
        tables = _tables()
        years = sorted(
            {y for t in tables for y in store.partition_years(t)} | set(index_years(store))
        )
        for year in years:
            files = {t: store.data_files(t, year) for t in tables}
            stems = {stem_of(f) for fs in files.values() for f in fs}
            old = read_index(store, [year])
            if (
                len(stems) <= 1
                and set(old["stem"].to_pylist()) == stems
                and not any(_old_version(store, f) for fs in files.values() for f in fs)
                and _flags_hold(old)
            ):
                continue
            tx = Transaction(store, run_id)
            new_stem = f"{run_id}-{year}"
            reports = None
            children = {}
            for table in tables:
                data = store.read_partition(table, year)
                if (kept := cross_year_source(table, data)) is not None:
                    children[table] = kept
                if table == "reports":  # older schema versions have no is_current
                    data = mark_current(data)
                    reports = data
                if not files[table] and data.num_rows == 0:
                    continue
                final = store.part_path(table, year, new_stem)
                if reports is not None and reports.num_rows:
                    tx.write_data(table, year, final, data)
                    rewritten.append(tx._rel(final))
                    removed -= 1
                for path in files[table]:
                    tx.delete_data(path)
                    removed += 1
            assert reports is not None
            hashes, kinds = carried_hashes(old, reports["report_id"].to_pylist())
            entries = entries_from_reports(
                reports, new_stem, hashes, children=children, kinds=kinds
            )
            tx.write_index(year, entries if reports.num_rows else INDEX_SCHEMA.empty_table())
            tx.commit()
            years_done.append(year)
    return CompactResult(sorted(rewritten), removed, temps, years_done, upgraded)
