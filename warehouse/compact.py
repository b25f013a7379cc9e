"""``compact``: make every leaf one ``part-0.parquet`` in the current schema, drop temp files.

``publish`` already keeps one file per leaf; compaction is the safety net for leaves that
gained extra files (a manual copy, an older layout, a schema-version upgrade) and for stale
temp files of crashed writers. Each leaf is rewritten through the same stage-and-swap
protocol, under the write lock.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse import journal
from warehouse.locking import SWAP_LOCK, WRITE_LOCK, file_lock
from warehouse.manifest import update_manifest, write_schema_files
from warehouse.publish import sort_rows
from warehouse.schemas import METADATA_VERSION_KEY, PARTITION_FIELD, SCHEMA_VERSION, TABLES
from warehouse.storage import PART_NAME, FileStat, Store, open_store
from warehouse.versions import mark_current


@dataclass(frozen=True)
class CompactResult:
    """What ``compact`` changed."""

    leaves_rewritten: list[str] = field(default_factory=list)
    files_removed: int = 0
    temp_files_removed: int = 0


def _needs_rewrite(store: Store, files: list[str]) -> bool:
    if len(files) != 1 or not files[0].endswith("/" + PART_NAME):
        return True
    meta = pq.read_schema(files[0], filesystem=store.fs).metadata or {}
    return meta.get(METADATA_VERSION_KEY) != str(SCHEMA_VERSION).encode()


def compact(
    root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None
) -> CompactResult:
    """Rewrite leaves with several files or an old schema version into one file each."""
    store = open_store(root, filesystem)
    run_id = "compact-" + uuid.uuid4().hex[:8]
    rewritten: list[str] = []
    stats: dict[str, FileStat] = {}
    removed = 0
    with file_lock(store, WRITE_LOCK, exclusive=True):
        temps = journal.recover(store) if store.is_local else 0
        rel = len(store.root.rstrip("/")) + 1 if store.root else 0
        for table in TABLES:
            for year in store.partition_years(table):
                files = store.data_files(table, year)
                if not files or not _needs_rewrite(store, files):
                    continue
                data = store.read_partition(table, year)
                if table == "reports":  # older schema versions have no is_current
                    data = mark_current(data)
                data = sort_rows(data)
                final = store.part_path(table, year)
                target = store.temp_path(final, run_id) if store.is_local else final
                body = data.drop_columns([PARTITION_FIELD])
                stats[final[rel:]] = store.write_parquet(body, target)
                with file_lock(store, SWAP_LOCK, exclusive=True):
                    if store.is_local:
                        store.replace(target, final)
                    for extra in files:
                        if extra != final:
                            store.remove(extra)
                            removed += 1
                rewritten.append(final[rel:])
        if rewritten:
            write_schema_files(store)
            update_manifest(store, run_id, stats, [])
    return CompactResult(sorted(rewritten), removed, temps)
