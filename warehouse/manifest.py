"""Side files that describe the dataset, all next to the tables (never inside a table directory,
so a reader pointed at ``<root>/<table>`` finds only Parquet files):

- ``_schemas/<table>.json``: columns, types, nullability, descriptions, schema version;
- ``_manifest.json``: every data file with its row count, size and sha256, the index files,
  the schema version, the layout version and the last run id;
- ``_index/year=YYYY.arrow``: the report index (:mod:`warehouse.index`).

The manifest is staged and swapped in with the data files of the same commit (the journal), so
it never points at a file that is not there.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from warehouse.index import (
    INDEX_SCHEMA,
    LEGACY_SUFFIX,
    conform,
    index_path,
    index_years,
    lacks_grouping,
    outdated,
    read_index,
    read_legacy_year,
    read_year,
    rebuild_year,
    write_index,
)
from warehouse.schemas import PARTITION_FIELD, SCHEMA_VERSION, TABLES, schema_json
from warehouse.storage import FileStat, Store

MANIFEST = "_manifest.json"
SCHEMAS_DIR = "_schemas"
OLD_SCHEMA_FILE = "_schema.json"  # layout 1: inside each table directory
LAYOUT = 2
"""1: one ``part-0.parquet`` per leaf, ``_schema.json`` in table dirs; 2: stems, ``_index/``."""
log = logging.getLogger(__name__)


def schema_file(store: Store, table: str) -> str:
    return store.path(SCHEMAS_DIR, f"{table}.json")


def write_schema_files(store: Store) -> None:
    """Write ``_schemas/<table>.json`` for every table whose file is missing or outdated."""
    for table in TABLES:
        path = schema_file(store, table)
        data = schema_json(table)
        if store.read_bytes(path) != data:
            store.write_bytes(path, data)


def read_manifest(store: Store) -> dict[str, Any]:
    """The manifest (an empty skeleton when none was written yet)."""
    raw = store.read_bytes(store.path(MANIFEST))
    if raw is None:
        return {"schema_version": SCHEMA_VERSION, "layout": LAYOUT, "files": {}, "index": {}}
    doc: dict[str, Any] = json.loads(raw)
    doc.setdefault("files", {})
    doc.setdefault("index", {})
    doc.setdefault("layout", 1)
    return doc


def manifest_bytes(
    doc: dict[str, Any],
    run_id: str,
    written: dict[str, FileStat],
    deleted: list[str],
    index_written: dict[str, FileStat] | None = None,
    index_deleted: list[str] | None = None,
) -> bytes:
    """The next manifest: ``doc`` with written/deleted data and index files (root-relative)."""
    files: dict[str, Any] = doc["files"]
    for rel, stat in written.items():
        files[rel] = {"rows": stat.rows, "bytes": stat.bytes, "sha256": stat.sha256}
    for rel in deleted:
        files.pop(rel, None)
    index: dict[str, Any] = doc["index"]
    for rel, stat in (index_written or {}).items():
        index[rel] = {"reports": stat.rows, "bytes": stat.bytes}
    for rel in index_deleted or []:
        index.pop(rel, None)
    doc["files"] = dict(sorted(files.items()))
    doc["index"] = dict(sorted(index.items()))
    doc["schema_version"] = SCHEMA_VERSION
    doc["layout"] = LAYOUT
    doc["last_run_id"] = run_id
    doc["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return json.dumps(doc, indent=1).encode() + b"\n"


def update_manifest(
    store: Store, run_id: str, written: dict[str, FileStat], deleted: list[str]
) -> None:
    """Record written and deleted data files (paths relative to the root) in place."""
    data = manifest_bytes(read_manifest(store), run_id, written, deleted)
    store.write_bytes(store.path(MANIFEST), data)


def upgrade(store: Store) -> bool:
    """Bring a layout-1 warehouse to layout 2 (idempotent; run under the write lock).

    Moves ``<table>/_schema.json`` out of the table directories (to ``_schemas/``) and builds
    the report index from the ``reports`` files. Returns True when something was upgraded.
    """
    doc = read_manifest(store)
    if doc.get("layout", 1) >= LAYOUT and store.read_bytes(store.path(MANIFEST)) is not None:
        _repair_index(store)
        return False
    moved = False
    for table in TABLES:
        old = store.path(table, OLD_SCHEMA_FILE)
        if store.read_bytes(old) is not None:
            store.remove(old)
            moved = True
    years = store.years("reports")
    if not years and not moved and store.read_bytes(store.path(MANIFEST)) is None:
        return False  # a fresh warehouse: nothing to upgrade
    write_schema_files(store)
    rel = len(store.root.rstrip("/")) + 1 if store.root else 0
    index_written: dict[str, FileStat] = {}
    for year in years:
        path = index_path(store, year)
        index_written[path[rel:]] = _replace_index(store, year, rebuild_year(store, year))
    doc["index"] = {}
    data = manifest_bytes(doc, doc.get("last_run_id", "upgrade"), {}, [], index_written)
    store.write_bytes(store.path(MANIFEST), data)
    log.warning(
        "warehouse %s upgraded to layout %d (%d index years)", store.root, LAYOUT, len(years)
    )
    return True


def _replace_index(store: Store, year: int, rows: pa.Table) -> FileStat:
    """Write ``year``'s index file under a temporary name and rename it on (readers memory-map
    the live file: it is never rewritten in place)."""
    final = index_path(store, year)
    if not store.is_local:
        return write_index(store, year, rows, final)
    temp = store.temp_path(final, uuid.uuid4().hex[:8])
    stat = write_index(store, year, rows, temp)
    store.replace(temp, final)
    return stat


def _repair_index(store: Store) -> None:
    """Convert the Parquet index files of an older writer (:data:`LEGACY_SUFFIX`, content
    hashes kept), and rebuild the index of any year that has reports but no index file
    (deleted by hand): without it, republished reports would be taken for new ones and
    duplicated. An index written before ``publisher_key`` existed is rebuilt too (content
    hashes kept), so ``is_current`` and the cross-year pairing group by the key the reports
    carry."""
    _convert_legacy(store)
    indexed = index_years(store)
    missing = sorted(set(store.years("reports")) - set(indexed))
    for year in missing:
        log.warning("warehouse %s: index of %d missing, rebuilt from the reports", store.root, year)
        _replace_index(store, year, rebuild_year(store, year))
    for year in [y for y in indexed if outdated(store, y)]:
        log.warning(
            "warehouse %s: index of %d outdated, rebuilt from the reports", store.root, year
        )
        _replace_index(store, year, rebuild_year(store, year, read_index(store, [year])))


def _convert_legacy(store: Store) -> None:
    """Each Parquet index file (release 0.1's format) becomes the Arrow index file of its year,
    its hashes kept (rebuilt from the reports when it predates :data:`GROUPING_COLUMNS`); the
    manifest then lists the new files and the old ones are deleted. Idempotent: a crash after
    a rename leaves both files, and the next run only deletes the old one."""
    legacy = index_years(store, LEGACY_SUFFIX)
    if not legacy:
        return
    rel = len(store.root.rstrip("/")) + 1 if store.root else 0
    done = set(index_years(store))
    written: dict[str, FileStat] = {}
    for year in legacy:
        if year in done:  # converted by a run that stopped before deleting the old file
            path = index_path(store, year)
            rows = read_year(store, year, ["report_id"]).num_rows
            written[path[rel:]] = FileStat(rows=rows, bytes=store.size(path), sha256="")
            continue
        old = read_legacy_year(store, year)
        rows = conform(old, INDEX_SCHEMA)
        if lacks_grouping(old):
            rows = rebuild_year(store, year, rows)
        written[index_path(store, year)[rel:]] = _replace_index(store, year, rows)
    gone = [index_path(store, y, LEGACY_SUFFIX)[rel:] for y in legacy]
    doc = read_manifest(store)
    data = manifest_bytes(doc, doc.get("last_run_id", "upgrade"), {}, [], written, gone)
    store.write_bytes(store.path(MANIFEST), data)
    for year in legacy:
        store.remove(index_path(store, year, LEGACY_SUFFIX))
    log.warning(
        "warehouse %s: %d index files converted from Parquet to Arrow IPC", store.root, len(legacy)
    )


def leaf_rel(table: str, year: int, name: str) -> str:
    """``<table>/year=YYYY/<name>`` (a root-relative manifest key)."""
    return f"{table}/{PARTITION_FIELD}={year}/{name}"
