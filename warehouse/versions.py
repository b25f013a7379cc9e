"""Which of several reports of one publisher and year is current (DOMAIN.md §11.6).

Reports are keyed by source document, so a （更正版） re-post or the same report listed under two
columns yields several rows for one (publisher, year). A publisher is its *series*: the canonical
``publisher_key`` (one body under two wordings, ``…管委会``/``…管理委员会``, is one series), or the
``publisher`` name where the key is null (rows written before the key existed). All are kept;
exactly one per series and year is current: an explicitly corrected version (更正/修订 in the
title) first, then the latest published date, then the latest capture, then the largest
report_id (deterministic).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

_CORRECTED = ("更正", "修订", "修正")
_MIN_DATE = date(1900, 1, 1)
_MIN_TIME = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def series_of(key: str | None, publisher: str) -> str:
    """The series a report belongs to: its ``publisher_key``, else its ``publisher`` name."""
    return key or publisher


def series(table: pa.Table) -> pa.Array:
    """:func:`series_of` for every row of ``table`` (``publisher`` and, where present,
    ``publisher_key``)."""
    names = table["publisher"].combine_chunks()
    if "publisher_key" not in table.column_names:
        return names
    keys = table["publisher_key"].combine_chunks()
    # an empty key is no key, as in series_of
    keys = pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.string()), keys)
    return pc.coalesce(keys, names)


def _rank(row: dict[str, Any]) -> tuple[bool, date, datetime, str]:
    title = row["title"] or ""
    return (
        any(word in title for word in _CORRECTED),
        row["published_date"] or _MIN_DATE,
        row["fetched_at"] or _MIN_TIME,
        row["report_id"],
    )


def mark_current(reports: pa.Table) -> pa.Table:
    """``reports`` (or index rows) with ``is_current`` set per series (:func:`series`) and
    year."""
    if reports.num_rows == 0:
        return reports
    cols = ["report_id", "year", "title", "published_date", "fetched_at"]
    values = [reports[c].to_pylist() for c in cols]  # column-wise: Table.to_pylist is slow
    values.append(series(reports).to_pylist())
    rows = [dict(zip([*cols, "series"], row, strict=True)) for row in zip(*values, strict=True)]
    best: dict[tuple[str, int], int] = {}
    for i, row in enumerate(rows):
        key = (row["series"], row["year"])
        if key not in best or _rank(row) > _rank(rows[best[key]]):
            best[key] = i
    current = set(best.values())
    flags = pa.array([i in current for i in range(len(rows))], pa.bool_())
    index = reports.schema.get_field_index("is_current")
    return reports.set_column(index, reports.schema.field(index), flags)
