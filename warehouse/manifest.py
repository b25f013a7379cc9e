"""Side files that describe the dataset: ``<table>/_schema.json`` and ``_manifest.json``.

Both start with ``_`` so no Parquet reader picks them up. The manifest lists every leaf file
with its row count, size and sha256, plus the schema version and the last run id; it is
written after the leaves are swapped in, so it never points at a file that is not there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from warehouse.schemas import SCHEMA_VERSION, TABLES, schema_json
from warehouse.storage import FileStat, Store

MANIFEST = "_manifest.json"
SCHEMA_FILE = "_schema.json"


def write_schema_files(store: Store) -> None:
    """Write ``<table>/_schema.json`` for every table whose file is missing or outdated."""
    for table in TABLES:
        path = store.path(table, SCHEMA_FILE)
        data = schema_json(table)
        if store.read_bytes(path) != data:
            store.write_bytes(path, data)


def read_manifest(store: Store) -> dict[str, Any]:
    """The manifest (an empty skeleton when none was written yet)."""
    raw = store.read_bytes(store.path(MANIFEST))
    if raw is None:
        return {"schema_version": SCHEMA_VERSION, "files": {}}
    doc: dict[str, Any] = json.loads(raw)
    doc.setdefault("files", {})
    return doc


def update_manifest(
    store: Store, run_id: str, written: dict[str, FileStat], deleted: list[str]
) -> None:
    """Record written and deleted leaf files (paths relative to the root)."""
    doc = read_manifest(store)
    files: dict[str, Any] = doc["files"]
    for rel, stat in written.items():
        files[rel] = {"rows": stat.rows, "bytes": stat.bytes, "sha256": stat.sha256}
    for rel in deleted:
        files.pop(rel, None)
    doc["files"] = dict(sorted(files.items()))
    doc["schema_version"] = SCHEMA_VERSION
    doc["last_run_id"] = run_id
    doc["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    store.write_bytes(store.path(MANIFEST), json.dumps(doc, indent=1).encode() + b"\n")
