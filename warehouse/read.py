"""Readers: one table as a ``pyarrow.Table`` with the contract types, and status counts."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from warehouse.locking import SWAP_LOCK, file_lock
from warehouse.schemas import PARTITION_FIELD, schema
from warehouse.storage import open_store

SUMMARY_SCHEMA = pa.schema(
    [
        pa.field("year", pa.int16()),
        pa.field("site", pa.string()),
        pa.field("reports", pa.int64()),
        pa.field("valid", pa.int64()),
        pa.field("warning", pa.int64()),
        pa.field("invalid", pa.int64()),
        pa.field("quarantined", pa.int64()),
        pa.field("spam_detected", pa.int64()),
    ]
)


def read_table(
    name: str,
    root: str | os.PathLike[str],
    years: Iterable[int] | None = None,
    *,
    columns: list[str] | None = None,
    filesystem: pafs.FileSystem | None = None,
) -> pa.Table:
    """Read table ``name`` (optionally only ``years`` and ``columns``) from the warehouse.

    The result has the declared schema (``year`` int16 included), rows sorted by year then
    ``report_id``. Locally it holds the swap lock shared, so a concurrent publish is seen
    entirely or not at all. An empty or missing warehouse gives an empty table.
    """
    target = schema(name)
    store = open_store(root, filesystem)
    wanted = None if years is None else {int(y) for y in years}
    with file_lock(store, SWAP_LOCK, exclusive=False):
        parts = [
            store.read_partition(name, year, columns)
            for year in store.years(name)
            if wanted is None or year in wanted
        ]
    if parts:
        return pa.concat_tables(parts)
    if columns is not None:
        target = pa.schema([target.field(c) for c in columns], metadata=target.metadata)
    return target.empty_table()


def summary(root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None) -> pa.Table:
    """Per ``(year, site)``: reports, valid/warning/invalid, quarantined, spam_detected."""
    cols = [PARTITION_FIELD, "site", "validation_status", "spam_verdict", "spam_detected"]
    data = read_table("reports", root, columns=cols, filesystem=filesystem)
    if data.num_rows == 0:
        return SUMMARY_SCHEMA.empty_table()
    status = data["validation_status"]
    data = data.append_column("valid", pc.cast(pc.equal(status, "valid"), pa.int64()))
    data = data.append_column("warning", pc.cast(pc.equal(status, "warning"), pa.int64()))
    data = data.append_column("invalid", pc.cast(pc.equal(status, "invalid"), pa.int64()))
    data = data.append_column(
        "quarantined", pc.cast(pc.equal(data["spam_verdict"], "quarantine"), pa.int64())
    )
    data = data.set_column(
        data.schema.get_field_index("spam_detected"),
        "spam_detected",
        pc.cast(data["spam_detected"], pa.int64()),
    )
    grouped = data.group_by([PARTITION_FIELD, "site"]).aggregate(
        [
            ("site", "count"),
            ("valid", "sum"),
            ("warning", "sum"),
            ("invalid", "sum"),
            ("quarantined", "sum"),
            ("spam_detected", "sum"),
        ]
    )
    out = pa.table(
        {
            "year": grouped[PARTITION_FIELD],
            "site": grouped["site"],
            "reports": grouped["site_count"],
            "valid": grouped["valid_sum"],
            "warning": grouped["warning_sum"],
            "invalid": grouped["invalid_sum"],
            "quarantined": grouped["quarantined_sum"],
            "spam_detected": grouped["spam_detected_sum"],
        }
    ).cast(SUMMARY_SCHEMA)
    return out.sort_by([("year", "ascending"), ("site", "ascending")])
