"""The commit journal of a multi-partition publish (local warehouses).

Protocol: stage every new leaf file under a temp name, then write ``_journal.json`` listing
the ``(temp, final)`` swaps and the leaves to delete (this write is the commit point), then
swap, then delete the journal. :func:`recover` (run under the write lock before every write)
rolls a committed journal forward and removes temp files of uncommitted runs, so a writer
killed at any point leaves either the previous or the next version, never a mix inside a leaf.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pyarrow.fs as pafs

from warehouse.storage import Store

JOURNAL = "_journal.json"
log = logging.getLogger(__name__)


@dataclass
class Plan:
    """The swaps of one publish: staged temp → final path, and final paths to delete."""

    run_id: str
    swaps: list[tuple[str, str]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        doc = {"run_id": self.run_id, "swaps": self.swaps, "deletes": self.deletes}
        return json.dumps(doc, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Plan:
        doc = json.loads(data)
        return cls(
            run_id=str(doc["run_id"]),
            swaps=[(str(a), str(b)) for a, b in doc["swaps"]],
            deletes=[str(d) for d in doc["deletes"]],
        )


def commit(store: Store, plan: Plan) -> None:
    """Record ``plan`` durably: from now on a crash is rolled forward."""
    store.write_bytes(store.path(JOURNAL), plan.to_json())


def apply(store: Store, plan: Plan) -> None:
    """Swap staged files in and delete emptied leaves; idempotent (safe to re-run)."""
    for temp, final in plan.swaps:
        if store.fs.get_file_info(temp).type == pafs.FileType.File:
            store.replace(temp, final)
    for final in plan.deletes:
        store.remove(final)
        store.remove_dir_if_empty(final.rpartition("/")[0])


def finish(store: Store) -> None:
    """Drop the journal once its plan is fully applied."""
    store.remove(store.path(JOURNAL))


def recover(store: Store) -> int:
    """Roll a committed journal forward and delete stale temp files; returns files cleaned."""
    cleaned = 0
    raw = store.read_bytes(store.path(JOURNAL))
    if raw is not None:
        try:
            plan = Plan.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable warehouse journal %s: discarded", store.path(JOURNAL))
        else:
            log.warning("rolling forward interrupted publish %s", plan.run_id)
            apply(store, plan)
            cleaned += len(plan.swaps) + len(plan.deletes)
        finish(store)
    for temp in store.temp_files():
        log.info("removing stale temp file %s", temp)
        store.remove(temp)
        cleaned += 1
    return cleaned
