"""One atomic change of the warehouse: staged files, deletions and the next manifest, committed
through the journal (local) or written in place (object stores, single writer).

Every writer (publish, automatic and manual compaction) builds a :class:`Transaction`: data files
and index files are staged under temp names, the manifest too; :meth:`Transaction.commit` writes
the journal (the commit point), swaps everything in under the swap lock, deletes what the change
removed and drops the journal. A writer killed at any point leaves the previous or the next
version; the next writer rolls a committed journal forward (:func:`warehouse.journal.recover`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import pyarrow as pa

from warehouse import journal
from warehouse.index import index_path, write_index
from warehouse.locking import SWAP_LOCK, file_lock
from warehouse.manifest import MANIFEST, manifest_bytes, read_manifest, write_schema_files
from warehouse.schemas import PARTITION_FIELD
from warehouse.storage import FileStat, Store, fsync_paths, sort_rows

log = logging.getLogger(__name__)
PAUSE_ENV = "XXGK_WAREHOUSE_PAUSE"
"""Test hook: ``stage:SECONDS`` sleeps after staging, ``swap:SECONDS`` after the first swap."""


def _pause(point: str) -> None:
    spec = os.environ.get(PAUSE_ENV, "")
    name, _, seconds = spec.partition(":")
    if name == point:
        log.warning("test hook %s: pausing %s s at %s", PAUSE_ENV, seconds, point)
        time.sleep(float(seconds or "0"))


@dataclass
class Transaction:
    """Files staged for one commit (paths are absolute store paths)."""

    store: Store
    run_id: str
    swaps: list[tuple[str, str]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    written: dict[str, FileStat] = field(default_factory=dict)
    index_written: dict[str, FileStat] = field(default_factory=dict)
    index_deleted: list[str] = field(default_factory=list)
    side: bool = False

    def _rel(self, path: str) -> str:
        root = self.store.root.rstrip("/")
        return path[len(root) + 1 :] if root else path

    def _target(self, final: str) -> str:
        if self.store.is_local:
            temp = self.store.temp_path(final, self.run_id)
            self.swaps.append((temp, final))
            return temp
        return final  # object stores: one overwrite-by-key upload per file

    def write_data(self, table: str, year: int, final: str, rows: pa.Table) -> None:
        """Stage ``rows`` (logical schema, ``year`` included) as the data file ``final``."""
        del table, year
        body = sort_rows(rows).drop_columns([PARTITION_FIELD])
        self.written[self._rel(final)] = self.store.write_parquet(
            body, self._target(final), sync=False
        )

    def write_side(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        """Stage a file outside the partitioned tables (the ``publishers`` dimension; rows in
        ``order`` if given), swapped in with this commit; not listed in the manifest."""
        self.store.write_parquet(rows, self._target(final), sync=False, order=order)
        self.side = True

    def write_side_ipc(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        """Stage a writer's side file in Arrow IPC (local warehouses only)."""
        if self.store.is_local:
            self.store.write_ipc(rows, self._target(final), order)

    def delete_data(self, final: str) -> None:
        self.deletes.append(final)
        self.written.pop(self._rel(final), None)

    def write_index(self, year: int, rows: pa.Table) -> None:
        """Stage ``year``'s report index (deleted when ``rows`` is empty)."""
        final = index_path(self.store, year)
        if rows.num_rows == 0:
            if self.store.fs.get_file_info(final).size is not None:
                self.deletes.append(final)
            self.index_deleted.append(self._rel(final))
            return
        stat = write_index(self.store, year, rows, self._target(final), sync=False)
        self.index_written[self._rel(final)] = stat

    @property
    def empty(self) -> bool:
        return not (self.swaps or self.deletes or self.written or self.index_written)

    def commit(self) -> None:
        """Stage the manifest, commit the journal, swap, delete, finish."""
        if self.empty:
            return
        store = self.store
        write_schema_files(store)
        deleted = [self._rel(d) for d in self.deletes]
        manifest = manifest_bytes(
            read_manifest(store),
            self.run_id,
            self.written,
            deleted,
            self.index_written,
            self.index_deleted,
        )
        final_manifest = store.path(MANIFEST)
        if not store.is_local:
            store.write_bytes(final_manifest, manifest)
            journal.apply(store, journal.Plan(self.run_id, [], self.deletes))
            return
        temp = store.temp_path(final_manifest, self.run_id)
        store.write_bytes(temp, manifest, atomic=False)
        self.swaps.append((temp, final_manifest))
        staged_dirs = sorted({final.rpartition("/")[0] for _, final in self.swaps})
        # staged files and their directory entries durable before the commit point
        fsync_paths([temp for temp, _ in self.swaps] + staged_dirs)
        _pause("stage")
        plan = journal.Plan(self.run_id, self.swaps, self.deletes)
        journal.commit(store, plan)
        with file_lock(store, SWAP_LOCK, exclusive=True):
            for i, (src, dst) in enumerate(self.swaps):
                store.replace(src, dst, sync=False)
                if i == 0:
                    _pause("swap")
            journal.apply(store, journal.Plan(self.run_id, [], self.deletes))
        fsync_paths(staged_dirs)  # renames durable before the journal goes
        journal.finish(store)
