"""``publish``: replace the rows of the given reports in every table, atomically per leaf.

Reports are keyed by ``report_id``. Every year partition that holds an old version of a
published report, or receives a new one, is rebuilt in memory (old rows of those reports
dropped, new rows added, stable sort by ``report_id``), staged, and swapped in. The
``cross_year.carry_over`` issues of the affected publishers are recomputed each time (also in
year Y+1, whose check depends on year Y). Rebuilding the same leaf from the same inputs gives
the same rows, so re-running a backfill changes nothing.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from parsing.models import Report
from warehouse import journal
from warehouse.cross_year import REPORT_COLUMNS, carry_over_issues, item_count_issues
from warehouse.locking import SWAP_LOCK, WRITE_LOCK, file_lock
from warehouse.manifest import update_manifest, write_schema_files
from warehouse.publishers import write_publishers
from warehouse.rows import CROSS_YEAR_RULES, collect, issues_table
from warehouse.schemas import PARTITION_FIELD, SCHEMAS, TABLES
from warehouse.storage import FileStat, Store, fsync_dir, open_store
from warehouse.versions import mark_current

log = logging.getLogger(__name__)
PAUSE_ENV = "XXGK_WAREHOUSE_PAUSE"
"""Test hook: ``stage:SECONDS`` sleeps after staging, ``swap:SECONDS`` after the first swap."""

Leaf = tuple[str, int]
_ACTIVE_COLUMNS = ["report_id", PARTITION_FIELD, "article", "item", "metric", "value"]
_APP_COLUMNS = ["report_id", PARTITION_FIELD, "row_code"] + [
    f.name for f in SCHEMAS["applications"]
][4:]


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


def _pause(point: str) -> None:
    spec = os.environ.get(PAUSE_ENV, "")
    name, _, seconds = spec.partition(":")
    if name == point:
        log.warning("test hook %s: pausing %s s at %s", PAUSE_ENV, seconds, point)
        time.sleep(float(seconds or "0"))


def sort_rows(table: pa.Table) -> pa.Table:
    """Deterministic order: by ``report_id``; a report's rows keep their order (stable sort)."""
    if table.num_rows < 2:
        return table
    return table.take(pc.sort_indices(table, sort_keys=[("report_id", "ascending")]))


def _for_year(table: pa.Table, year: int) -> pa.Table:
    return table.filter(pc.equal(table[PARTITION_FIELD], pa.scalar(year, pa.int16())))


def _without(table: pa.Table, ids: pa.Array) -> pa.Table:
    if table.num_rows == 0 or len(ids) == 0:
        return table
    return table.filter(pc.invert(pc.is_in(table["report_id"], value_set=ids)))


# The large child tables are rebuilt one leaf at a time while staging and never held together,
# so a publish needs memory for one year partition of them, not for every touched year.
_STREAMED = frozenset({"applications", "active_disclosure", "review_litigation"})


class _Builder:
    """Rebuilds the touched leaves: small tables in memory, large ones leaf by leaf."""

    def __init__(self, store: Store, new: dict[str, pa.Table]) -> None:
        self.store = store
        self.new = new
        self.existing: dict[Leaf, pa.Table] = {}
        self.content: dict[Leaf, pa.Table] = {}
        self.pending: set[Leaf] = set()
        self.ids: pa.Array = pa.array([], pa.string())
        self.report_years = set(store.years("reports"))

    def existing_leaf(self, table: str, year: int) -> pa.Table:
        key = (table, year)
        if key not in self.existing:
            if year in self.store.years(table):
                self.existing[key] = self.store.read_partition(table, year)
            else:
                self.existing[key] = SCHEMAS[table].empty_table()
        return self.existing[key]

    def rebuild(self, years: set[int], ids: pa.Array) -> None:
        self.ids = ids
        for table in TABLES:
            for year in sorted(years):
                if table in _STREAMED:
                    self.pending.add((table, year))
                    continue
                kept = _without(self.existing_leaf(table, year), ids)
                merged = pa.concat_tables([kept, _for_year(self.new[table], year)])
                if table == "reports":
                    merged = mark_current(merged)
                self.content[(table, year)] = merged

    def streamed_leaf(self, key: Leaf) -> tuple[pa.Table, pa.Table]:
        """(new content, previous content) of a streamed leaf, read now and not kept."""
        table, year = key
        if year in self.store.years(table):
            previous = self.store.read_partition(table, year)
        else:
            previous = SCHEMAS[table].empty_table()
        merged = pa.concat_tables([_without(previous, self.ids), _for_year(self.new[table], year)])
        return merged, previous

    def context(self, table: str, years: set[int], columns: list[str]) -> pa.Table:
        parts = []
        for year in sorted(years):
            if (table, year) in self.content:
                parts.append(self.content[(table, year)].select(columns))
            elif (table, year) in self.pending:
                old = (
                    self.store.read_partition(table, year, columns)
                    if year in self.store.years(table)
                    else pa.schema([SCHEMAS[table].field(c) for c in columns]).empty_table()
                )
                new = _for_year(self.new[table], year).select(columns)
                parts.append(pa.concat_tables([_without(old, self.ids), new]))
            elif year in self.report_years:
                parts.append(self.store.read_partition(table, year, columns))
        schema = pa.schema([SCHEMAS[table].field(c) for c in columns])
        return pa.concat_tables(parts) if parts else schema.empty_table()

    def recompute_carry_over(self, touched: set[int], publishers: set[str]) -> int:
        years = touched | {y + 1 for y in touched if y + 1 in self.report_years}
        around = years | {y - 1 for y in years}
        reports = self.context("reports", around, REPORT_COLUMNS)
        apps = self.context("applications", around, _APP_COLUMNS)
        active = self.context("active_disclosure", around, _ACTIVE_COLUMNS)
        issues = issues_table(
            carry_over_issues(reports, apps, publishers, years)
            + item_count_issues(reports, active, publishers, years)
        )
        mask = pc.and_(
            pc.is_in(reports["publisher"], value_set=pa.array(sorted(publishers), pa.string())),
            pc.is_in(reports[PARTITION_FIELD], value_set=pa.array(sorted(years), pa.int16())),
        )
        affected = reports.filter(mask)["report_id"].combine_chunks()
        for year in sorted(years):
            key = ("validation_issues", year)
            if key not in self.content:
                if year not in self.report_years:
                    continue
                self.content[key] = self.existing_leaf(*key)
            current = self.content[key]
            stale = pc.and_(
                pc.is_in(current["rule"], value_set=pa.array(list(CROSS_YEAR_RULES))),
                pc.is_in(current["report_id"], value_set=affected),
            )
            kept = current.filter(pc.invert(stale))
            self.content[key] = pa.concat_tables([kept, _for_year(issues, year)])
        return int(issues.num_rows)


def publish(
    reports: Iterable[Report],
    root: str | os.PathLike[str],
    *,
    filesystem: pafs.FileSystem | None = None,
) -> PublishResult:
    """Publish ``reports`` into the warehouse at ``root`` (replacing earlier versions by id)."""
    store = open_store(root, filesystem)
    batch = collect(reports)
    new = batch.tables
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    with file_lock(store, WRITE_LOCK, exclusive=True):
        locked_at = time.time()
        recovered = journal.recover(store) if store.is_local else 0
        ids = batch.ids
        builder = _Builder(store, new)
        old = [
            store.read_partition("reports", y, ["report_id", PARTITION_FIELD, "publisher"])
            for y in sorted(builder.report_years)
        ]
        index = pa.concat_tables(old) if old else SCHEMAS["reports"].empty_table()
        old_rows = index.filter(pc.is_in(index["report_id"], value_set=ids))
        touched = batch.years | set(old_rows[PARTITION_FIELD].to_pylist())
        publishers = batch.publishers | set(old_rows["publisher"].to_pylist())
        builder.rebuild(touched, ids)
        n_issues = builder.recompute_carry_over(touched, publishers)
        written, deleted = _commit(store, builder, run_id)
        if written or deleted:
            write_schema_files(store)
            update_manifest(store, run_id, written, deleted)
            write_publishers(store.root, filesystem=store.fs)  # the publishers dimension
        finished_at = time.time()
    rows = {t: new[t].num_rows for t in TABLES}
    log.info("published %d reports (run %s): %s", batch.reports, run_id, rows)
    return PublishResult(
        reports=batch.reports,
        rows_written=rows,
        files_written=sorted(written),
        files_deleted=sorted(deleted),
        carry_over_issues=n_issues,
        run_id=run_id,
        locked_at=locked_at,
        finished_at=finished_at,
        recovered=recovered,
    )


def _commit(store: Store, builder: _Builder, run_id: str) -> tuple[dict[str, FileStat], list[str]]:
    """Stage changed leaves, commit the journal, swap; returns written stats and deletions."""
    rebuilt = {y for (t, y) in builder.content if t == "reports"}
    live_years = {y for y in builder.report_years if y not in rebuilt} | {
        y for (t, y), tab in builder.content.items() if t == "reports" and tab.num_rows
    }
    plan = journal.Plan(run_id)
    stats: dict[str, FileStat] = {}
    for table, year in sorted(set(builder.content) | builder.pending):
        final = store.part_path(table, year)
        if year not in live_years:
            if year in store.years(table):
                plan.deletes.append(final)
            continue
        if (table, year) in builder.content:
            data, previous = builder.content[(table, year)], builder.existing_leaf(table, year)
        else:
            data, previous = builder.streamed_leaf((table, year))
        data = sort_rows(data)
        if year in store.years(table) and data.equals(previous):
            continue
        body = data.drop_columns([PARTITION_FIELD])
        del data, previous  # one streamed leaf in memory at a time
        if store.is_local:
            temp = store.temp_path(final, run_id)
            stats[final] = store.write_parquet(body, temp)
            plan.swaps.append((temp, final))
        else:  # object stores: written straight to their place (single writer, no journal)
            stats[final] = store.write_parquet(body, final)
    if store.is_local:
        staged_dirs = sorted({final.rpartition("/")[0] for _, final in plan.swaps})
        for directory in staged_dirs:
            fsync_dir(directory)  # staged files durable before the commit point
        _pause("stage")
        if plan.swaps or plan.deletes:
            journal.commit(store, plan)
            with file_lock(store, SWAP_LOCK, exclusive=True):
                for i, (temp, final) in enumerate(plan.swaps):
                    store.replace(temp, final, sync=False)
                    if i == 0:
                        _pause("swap")
                journal.apply(store, journal.Plan(run_id, [], plan.deletes))
            for directory in staged_dirs:
                fsync_dir(directory)  # renames durable before the journal goes
            journal.finish(store)
    else:
        journal.apply(store, journal.Plan(run_id, [], plan.deletes))
    rel = len(store.root.rstrip("/")) + 1 if store.root else 0
    return {k[rel:]: v for k, v in stats.items()}, [d[rel:] for d in plan.deletes]
