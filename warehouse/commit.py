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
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
    workers: int = 0
    """Encode and write staged files on this many threads (0: in the caller's thread). Parquet
    encoding, hashing and file writes release the GIL, so on several cores the files of one
    commit are written side by side (as ``pq.write_to_dataset`` does). The caller must
    :meth:`close` the transaction (``commit`` does) before it lets go of the write lock."""
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)
    _pending: dict[str, Future[FileStat]] = field(default_factory=dict, repr=False)
    _pending_index: dict[str, Future[FileStat]] = field(default_factory=dict, repr=False)
    _side: list[Future[FileStat]] = field(default_factory=list, repr=False)

    def _submit(self, fn: Callable[[], FileStat]) -> Future[FileStat]:
        if self.workers <= 0:
            done: Future[FileStat] = Future()
            done.set_result(fn())
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="xxgk-stage")
        return self._pool.submit(fn)

    def close(self) -> None:
        """Wait for every staged write (their errors are raised by :meth:`commit`)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _drain(self) -> None:
        """Wait for the staged writes; a failed one raises here, before the commit point."""
        try:
            for rel, future in list(self._pending.items()):
                self.written[rel] = future.result()
            for rel, future in list(self._pending_index.items()):
                self.index_written[rel] = future.result()
            for side in self._side:
                side.result()
        finally:
            self._pending.clear()
            self._pending_index.clear()
            self._side.clear()
            self.close()

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
        rel, target, store = self._rel(final), self._target(final), self.store

        def write() -> FileStat:
            body = sort_rows(rows).drop_columns([PARTITION_FIELD])
            return store.write_parquet(body, target, sync=False)

        self.written.pop(rel, None)
        if rel in self._pending:  # written again: the earlier write first (same temp file)
            self._pending.pop(rel).result()
        self._pending[rel] = self._submit(write)

    def write_side(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        """Stage a file outside the partitioned tables (the ``publishers`` dimension; rows in
        ``order`` if given), swapped in with this commit; not listed in the manifest."""
        target, store = self._target(final), self.store
        self._side.append(
            self._submit(lambda: store.write_parquet(rows, target, sync=False, order=order))
        )
        self.side = True

    def write_side_ipc(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        """Stage a writer's side file in Arrow IPC (local warehouses only), written on a
        staging thread."""
        if not self.store.is_local:
            return
        target, store = self._target(final), self.store

        def write() -> FileStat:
            store.write_ipc(rows, target, order)
            return FileStat(rows=rows.num_rows, bytes=0, sha256="")

        self._side.append(self._submit(write))

    def delete_data(self, final: str) -> None:
        self.deletes.append(final)
        self.written.pop(self._rel(final), None)
        pending = self._pending.pop(self._rel(final), None)
        if pending is not None:
            self._side.append(pending)  # still waited for: its temp file is swapped, then deleted

    def write_index(self, year: int, rows: pa.Table) -> None:
        """Stage ``year``'s report index (deleted when ``rows`` is empty)."""
        final = index_path(self.store, year)
        if rows.num_rows == 0:
            if self.store.fs.get_file_info(final).size is not None:
                self.deletes.append(final)
            self.index_deleted.append(self._rel(final))
            return
        rel, target, store = self._rel(final), self._target(final), self.store
        self.index_written.pop(rel, None)
        if rel in self._pending_index:  # written again: the earlier write first (same temp file)
            self._pending_index.pop(rel).result()
        self._pending_index[rel] = self._submit(
            lambda: write_index(store, year, rows, target, sync=False)
        )

    @property
    def empty(self) -> bool:
        return not (
            self.swaps
            or self.deletes
            or self.written
            or self._pending
            or self.index_written
            or self._pending_index
        )

    def commit(self) -> None:
        """Wait for the staged writes, stage the manifest, commit the journal, swap, delete,
        finish."""
        self._drain()
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
