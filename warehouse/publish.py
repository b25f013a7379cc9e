"""``publish``: replace the rows of the given reports in every table, with work proportional to
the change.

Reports are keyed by ``report_id``. A publish

1. converts the reports to Arrow and hashes each one's JSON (:func:`warehouse.index.row_hash`;
   the bytes of a :class:`warehouse.rows.Spooled` report as they are, no second dump);
2. looks the ids up in the report index and drops the reports whose hash and year are unchanged
   (before any partition is read);
3. writes the remaining reports as one new *stem* per year (``part-<run>.parquet`` in every
   table, possibly with 0 rows);
4. rewrites only the old stems that held replaced reports (their rows removed), whose
   ``is_current`` flags changed, or whose ``cross_year.*`` issues changed;
5. rebuilds the ``publishers`` rows of the publishers concerned (from the index);
6. commits the data files, the index, the publishers file and the manifest in one journal
   (:mod:`warehouse.commit`);
7. compacts a year whose leaves passed :data:`MAX_FILES` files (:mod:`warehouse.compact`).

Rows of a leaf are a pure function of the reports published into it, so re-running a backfill
changes nothing (and writes nothing).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from parsing.models import Report
from warehouse import journal
from warehouse.commit import Transaction
from warehouse.compact import auto_compact
from warehouse.cross_year import carry_over_issues, changed_reports, item_count_issues, pairs
from warehouse.index import (
    DIM_KEY,
    HASH_KIND,
    INDEX_SCHEMA,
    XY_ACTIVE,
    XY_APPLICATIONS,
    cross_year_rows,
    entries_from_reports,
    index_years,
    read_index,
)
from warehouse.locking import WRITE_LOCK, file_lock
from warehouse.manifest import upgrade
from warehouse.publishers import stage_publishers
from warehouse.rows import (
    CROSS_YEAR_RULES,
    Batch,
    Lookup,
    Spooled,
    collect,
    gc_paused,
    issues_table,
)
from warehouse.schemas import PARTITION_FIELD, SCHEMAS, TABLES
from warehouse.storage import Match, Store, open_store, sort_rows
from warehouse.versions import mark_current, series

log = logging.getLogger(__name__)

_ISSUE_KEY = ["report_id", "rule", "severity", "message", "expected", "actual"]

__all__ = ["PublishResult", "partitioned_tables", "publish", "sort_rows"]


def partitioned_tables() -> list[str]:
    """The tables whose rows belong to a report and a year (all but dimension tables)."""
    return [t for t in TABLES if {"report_id", PARTITION_FIELD} <= set(SCHEMAS[t].names)]


@dataclass(frozen=True)
class PublishResult:
    """What one publish did."""

    reports: int
    rows_written: dict[str, int]
    files_written: list[str] = field(default_factory=list)
    files_deleted: list[str] = field(default_factory=list)
    carry_over_issues: int = 0
    run_id: str = ""
    locked_at: float = 0.0
    finished_at: float = 0.0
    recovered: int = 0
    unchanged: int = 0
    """Reports skipped because their content hash and year were already stored."""
    compacted: list[str] = field(default_factory=list)
    """Leaves merged by the automatic compaction after this publish."""


@dataclass
class _StemEdit:
    """Changes to one existing stem (a year's ``part-<stem>.parquet`` in every table)."""

    remove: set[str] = field(default_factory=set)
    flags: dict[str, bool] = field(default_factory=dict)
    cross_year: set[str] = field(default_factory=set)  # reports whose issues were recomputed


def _ids(values: Iterable[str]) -> pa.Array:
    return pa.array(sorted(set(values)), pa.string())


def _drop(table: pa.Table, ids: pa.Array, column: str = "report_id") -> pa.Table:
    if table.num_rows == 0 or len(ids) == 0:
        return table
    return table.filter(pc.invert(pc.is_in(table[column], value_set=ids)))


def _keep(table: pa.Table, ids: pa.Array) -> pa.Table:
    return table.filter(pc.is_in(table["report_id"], value_set=ids))


def _for_year(table: pa.Table, year: int) -> pa.Table:
    return table.filter(pc.equal(table[PARTITION_FIELD], pa.scalar(year, pa.int16())))


_DECIDED_HERE = ("reports", "validation_issues")
"""New rows the publish completes: ``is_current`` (reports), then the cross-year issues."""

_STORED = [
    "report_id",
    PARTITION_FIELD,
    "publisher",
    "publisher_key",
    "stem",
    "row_hash",
    HASH_KIND,
    DIM_KEY,
    "region_code",
]


def _lookup(store: Store, found: list[pa.Table]) -> Lookup:
    """The stored (year, hash, hash kind) of report ids; the index rows found are appended to
    ``found``."""

    def stored(ids: list[str]) -> dict[str, tuple[int, bytes | None, int | None]]:
        rows = read_index(store, ids=pa.array(ids, pa.string()), columns=_STORED)
        found.append(rows)
        return {
            rid: (year, digest, kind)
            for rid, year, digest, kind in zip(
                rows["report_id"].to_pylist(),
                rows[PARTITION_FIELD].to_pylist(),
                rows["row_hash"].to_pylist(),
                rows[HASH_KIND].to_pylist(),
                strict=True,
            )
        }

    return stored


STAGE_THREADS_ENV = "XXGK_STAGE_THREADS"


def stage_threads() -> int:
    """Threads a publish encodes its files on (``XXGK_STAGE_THREADS``; default the cores, at
    most 4; 0: the publishing thread alone)."""
    value = os.environ.get(STAGE_THREADS_ENV, "")
    return int(value) if value.strip().isdigit() else min(4, os.cpu_count() or 1)


class _Publisher:
    """One publish under the write lock."""

    def __init__(self, store: Store, batch: Batch, run_id: str) -> None:
        self.store = store
        self.batch = batch
        self.run_id = run_id
        self.tables = partitioned_tables()
        self.edits: dict[tuple[int, str], _StemEdit] = defaultdict(_StemEdit)
        self.cross_rows: dict[tuple[int, str], list[pa.Table]] = defaultdict(list)
        self.tx = Transaction(store, run_id, workers=stage_threads())
        self.n_issues = 0

    # -- 1. which old rows go ----------------------------------------------------------
    def plan_removals(self, stored: pa.Table) -> None:
        for rid, year, stem in zip(
            stored["report_id"].to_pylist(),
            stored[PARTITION_FIELD].to_pylist(),
            stored["stem"].to_pylist(),
            strict=True,
        ):
            self.edits[(year, stem)].remove.add(rid)

    # -- 2. is_current -------------------------------------------------------------------
    def read_neighbours(self, stored: pa.Table) -> None:
        """Index rows of the publishers concerned (their series: publisher key, else name), in
        the years that their ``is_current`` flags and cross-year checks depend on (one scan of
        those index years)."""
        batch = self.batch
        self.publishers = batch.publishers | set(series(stored).to_pylist())
        self.touched = batch.years | set(stored[PARTITION_FIELD].to_pylist())
        known = set(index_years(self.store)) | batch.years
        self.checked = self.touched | {y + 1 for y in self.touched if y + 1 in known}
        around = self.checked | {y - 1 for y in self.checked}
        near = read_index(self.store, around, publishers=_ids(self.publishers))
        self.near = _drop(near, batch.ids)

    def mark_versions(self, new_entries: pa.Table) -> pa.Table:
        """Set ``is_current`` on the new rows and record flips of stored peers (also in the
        years that replaced reports leave)."""
        batch = self.batch
        peers = self.near.filter(
            pc.is_in(
                self.near[PARTITION_FIELD], value_set=pa.array(sorted(self.touched), pa.int16())
            )
        )
        marked = mark_current(pa.concat_tables([peers, new_entries]))
        flags = marked["is_current"]
        if peers.num_rows:
            # only the peers whose flag flips go to Python (a stored null flag flips too)
            now = flags.slice(0, peers.num_rows)
            flips = pc.fill_null(pc.not_equal(now, peers["is_current"]), True)
            if pc.any(flips).as_py():
                for rid, year, stem, flag in zip(
                    peers["report_id"].filter(flips).to_pylist(),
                    peers[PARTITION_FIELD].filter(flips).to_pylist(),
                    peers["stem"].filter(flips).to_pylist(),
                    now.filter(flips).to_pylist(),
                    strict=True,
                ):
                    self.edits[(year, stem)].flags[rid] = bool(flag)
        new_flags = flags.slice(peers.num_rows)
        entries = new_entries.set_column(
            new_entries.schema.get_field_index("is_current"),
            INDEX_SCHEMA.field("is_current"),
            new_flags,
        )
        reports = batch.tables["reports"]
        ids = entries["report_id"]
        if reports["report_id"].equals(ids) and pc.count_distinct(ids).as_py() == len(ids):
            col = entries["is_current"].combine_chunks()  # the entries are the reports' rows
        else:
            by_id = dict(zip(ids.to_pylist(), entries["is_current"].to_pylist(), strict=True))
            col = pa.array([by_id[r] for r in reports["report_id"].to_pylist()], pa.bool_())
        index = reports.schema.get_field_index("is_current")
        batch.tables["reports"] = reports.set_column(index, reports.schema.field(index), col)
        return entries

    # -- 3. cross-year issues -----------------------------------------------------------
    def _stored_rows(self, table: str, ctx: pa.Table, columns: list[str], match: Match) -> pa.Table:
        """Rows of ``table`` for the stored reports in ``ctx``, read from their stems only."""
        parts = []
        groups: dict[tuple[int, str], list[str]] = defaultdict(list)
        for rid, year, stem in zip(
            ctx["report_id"].to_pylist(),
            ctx[PARTITION_FIELD].to_pylist(),
            ctx["stem"].to_pylist(),
            strict=True,
        ):
            groups[(year, stem)].append(rid)
        for (year, stem), rids in sorted(groups.items()):
            path = self.store.part_path(table, year, stem)
            wanted = {"report_id": _ids(rids), **match}
            parts.append(
                self.store.read_partition(table, year, columns, files=[path], match=wanted)
            )
        schema = pa.schema([SCHEMAS[table].field(c) for c in columns])
        return pa.concat_tables(parts) if parts else schema.empty_table()

    def recompute_cross_year(self, new_entries: pa.Table) -> None:
        batch = self.batch
        publishers, years, old = self.publishers, self.checked, self.near
        if old.num_rows == 0 and not self._has_neighbours(new_entries):
            return  # no publisher has two years: nothing to pair
        ctx = pa.concat_tables([old, new_entries])
        # rows 2/4 and the item counts of every report concerned, from the index (no data file
        # of another year is read)
        apps = cross_year_rows(ctx, XY_APPLICATIONS)
        active = cross_year_rows(ctx, XY_ACTIVE)
        paired = pairs(ctx, publishers, years)  # once for both checks
        issues = issues_table(
            carry_over_issues(ctx, apps, publishers, years, paired=paired)
            + item_count_issues(ctx, active, publishers, years, paired=paired)
        )
        self.n_issues = issues.num_rows
        ids = batch.ids  # a property that sorts the ids: once
        new_issues = _keep(issues, ids)
        if new_issues.num_rows:
            vi = batch.tables["validation_issues"]
            batch.tables["validation_issues"] = pa.concat_tables([vi, new_issues])
        # stored reports of these publishers in the checked years: their issues may change
        affected = old.filter(
            pc.is_in(old[PARTITION_FIELD], value_set=pa.array(sorted(years), pa.int16()))
        )
        self._edit_stored_issues(affected, _drop(issues, ids))

    def _has_neighbours(self, entries: pa.Table) -> bool:
        pairs = set(
            zip(series(entries).to_pylist(), entries[PARTITION_FIELD].to_pylist(), strict=True)
        )
        return any((p, y - 1) in pairs for p, y in pairs)

    def _edit_stored_issues(self, affected: pa.Table, issues: pa.Table) -> None:
        """Record which stored stems need their cross-year issue rows replaced."""
        if affected.num_rows == 0:
            return
        rules = {"rule": pa.array(list(CROSS_YEAR_RULES))}
        current = self._stored_rows("validation_issues", affected, _ISSUE_KEY, rules)
        stem_of = {
            rid: (year, stem)
            for rid, year, stem in zip(
                affected["report_id"].to_pylist(),
                affected[PARTITION_FIELD].to_pylist(),
                affected["stem"].to_pylist(),
                strict=True,
            )
        }
        changed = changed_reports(current, issues, _ISSUE_KEY)
        issued = set(pc.unique(issues["report_id"]).to_pylist())
        for rid, where in stem_of.items():
            if rid in changed:
                self.edits[where].cross_year.add(rid)
        for where in {stem_of[r] for r in issued if r in stem_of}:
            ids = _ids(r for r, w in stem_of.items() if w == where)
            self.cross_rows[where].append(_keep(issues, ids))

    # -- 4. write --------------------------------------------------------------------------
    def write_new_stems(self, tables: list[str]) -> None:
        single = len(self.batch.years) == 1  # a nightly's batch: every row is of that year
        for year in sorted(self.batch.years):
            for table in tables:
                final = self.store.part_path(table, year, self.run_id)
                rows = self.batch.tables[table]
                self.tx.write_data(table, year, final, rows if single else _for_year(rows, year))

    def rewrite_old_stems(self, index: dict[int, pa.Table]) -> None:
        store = self.store
        for (year, stem), edit in sorted(self.edits.items()):
            if not (edit.remove or edit.flags or edit.cross_year):
                continue
            rows = index[year] if year in index else read_index(store, [year])
            left = rows.filter(pc.equal(rows["stem"], stem)).num_rows
            for table in self.tables:
                final = store.part_path(table, year, stem)
                exists = store.fs.get_file_info(final).type == pafs.FileType.File
                if left == 0:
                    if exists:
                        self.tx.delete_data(final)
                    continue
                needed = bool(edit.remove) or (
                    (table == "reports" and bool(edit.flags))
                    or (table == "validation_issues" and bool(edit.cross_year))
                )
                if not needed:
                    continue
                data = (
                    store.read_partition(table, year, files=[final])
                    if exists
                    else SCHEMAS[table].empty_table()
                )
                data = _drop(data, _ids(edit.remove))
                if table == "reports" and edit.flags:
                    data = _set_flags(data, edit.flags)
                if table == "validation_issues" and edit.cross_year:
                    stale = pc.and_(
                        pc.is_in(data["rule"], value_set=pa.array(list(CROSS_YEAR_RULES))),
                        pc.is_in(data["report_id"], value_set=_ids(edit.cross_year)),
                    )
                    fresh = [_keep(t, _ids(edit.cross_year)) for t in self.cross_rows[(year, stem)]]
                    data = pa.concat_tables([data.filter(pc.invert(stale)), *fresh])
                self.tx.write_data(table, year, final, data)

    def write_index(self, stored: pa.Table, new_entries: pa.Table) -> dict[int, pa.Table]:
        """The updated index of every touched year (staged), by year."""
        years = (
            set(self.batch.years)
            | set(stored[PARTITION_FIELD].to_pylist())
            | {y for (y, _), e in self.edits.items() if e.flags}
        )
        out = {}
        removed = _ids(stored["report_id"].to_pylist())
        for year in sorted(years):
            rows = _drop(read_index(self.store, [year]), removed)
            flips = {}
            for (y, _), edit in self.edits.items():
                if y == year:
                    flips.update(edit.flags)
            if flips:
                rows = _set_flags(rows, flips)
            rows = pa.concat_tables([rows, _for_year(new_entries, year)])
            self.tx.write_index(year, rows)
            out[year] = rows
        return out


def _set_flags(table: pa.Table, flags: dict[str, bool]) -> pa.Table:
    ids = table["report_id"].combine_chunks()
    old = table["is_current"].combine_chunks()
    at = pc.index_in(ids, value_set=pa.array(list(flags), ids.type))  # null: not flipped
    new = pa.array(list(flags.values()), pa.bool_()).take(at)
    col = pc.if_else(pc.is_valid(at), new, old)
    index = table.schema.get_field_index("is_current")
    return table.set_column(index, table.schema.field(index), col)


def publish(
    reports: Iterable[Report | Spooled],
    root: str | os.PathLike[str],
    *,
    filesystem: pafs.FileSystem | None = None,
) -> PublishResult:
    """Publish ``reports`` into the warehouse at ``root`` (replacing earlier versions by id).

    Pass :class:`warehouse.rows.Spooled` items (a report with its ``model_dump_json()`` bytes,
    e.g. a spool line) to spare the publish serialising each report again for its hash."""
    store = open_store(root, filesystem)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    compacted: list[str] = []
    # the lookup of stored hashes and the commit must see the same warehouse: both locked;
    # the cyclic GC paused (it rescans every live report object at each collection)
    with file_lock(store, WRITE_LOCK, exclusive=True), gc_paused():
        locked_at = time.time()
        recovered = journal.recover(store) if store.is_local else 0
        upgrade(store)
        found: list[pa.Table] = []
        batch = collect(reports, stored=_lookup(store, found))
        unchanged = batch.unchanged
        submitted = batch.reports + unchanged
        stored = pa.concat_tables(found) if found else INDEX_SCHEMA.empty_table().select(_STORED)
        stored = _keep(stored, batch.ids)  # the stored versions of the changed reports
        job = _Publisher(store, batch, run_id)
        try:  # no staged write may outlive the lock: closed on every way out
            if batch.reports or stored.num_rows:
                hashes = pa.array(
                    [batch.hashes.get(r) for r in batch.tables["reports"]["report_id"].to_pylist()],
                    pa.binary(16),
                )
                entries = entries_from_reports(
                    batch.tables["reports"], run_id, hashes, children=batch.tables
                )
                rows = {t: batch.tables[t].num_rows for t in TABLES if t in batch.tables}
                job.plan_removals(stored)
                # tables the steps below leave as they are: staged now, written meanwhile
                job.write_new_stems([t for t in job.tables if t not in _DECIDED_HERE])
                job.read_neighbours(stored)
                entries = job.mark_versions(entries)
                # what depends on the flags but not on the cross-year issues is staged before
                # they are checked, and written meanwhile: new reports, index, publishers
                job.write_new_stems(["reports"])
                index = job.write_index(stored, entries)
                stage_publishers(job.tx, index, entries, stored)
                job.recompute_cross_year(entries)
                job.write_new_stems(["validation_issues"])
                job.rewrite_old_stems(index)
                job.tx.commit()
                for year in sorted(batch.years):
                    compacted += auto_compact(store, year, index[year], run_id)
            else:
                rows = {t: 0 for t in TABLES}
        finally:
            job.tx.close()
        finished_at = time.time()
    log.info(
        "published %d reports (%d unchanged skipped, run %s): %s",
        batch.reports,
        unchanged,
        run_id,
        rows,
    )
    return PublishResult(
        reports=submitted,
        rows_written=rows,
        files_written=sorted(job.tx.written),
        files_deleted=sorted(job.tx._rel(d) for d in job.tx.deletes),
        carry_over_issues=job.n_issues,
        run_id=run_id,
        locked_at=locked_at,
        finished_at=finished_at,
        recovered=recovered,
        unchanged=unchanged,
        compacted=compacted,
    )
