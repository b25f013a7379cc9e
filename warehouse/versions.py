"""Which of several reports of one publisher and year is current (DOMAIN.md §11.6).

Reports are keyed by source document, so a （更正版） re-post or the same report listed under two
columns yields several rows for one (publisher, year). All are kept; exactly one is current: an
explicitly corrected version (更正/修订 in the title) first, then the latest published date, then
the latest capture, then the largest report_id (deterministic).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pyarrow as pa

_CORRECTED = ("更正", "修订", "修正")
_MIN_DATE = date(1900, 1, 1)
_MIN_TIME = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _rank(row: dict[str, Any]) -> tuple[bool, date, datetime, str]:
    title = row["title"] or ""
    return (
        any(word in title for word in _CORRECTED),
        row["published_date"] or _MIN_DATE,
        row["fetched_at"] or _MIN_TIME,
        row["report_id"],
    )


def mark_current(reports: pa.Table) -> pa.Table:
    """``reports`` (one year partition) with ``is_current`` set per publisher: per
    ``publisher_key`` (one body across wordings), per ``publisher`` for rows without a key."""
    if reports.num_rows == 0:
        return reports
    cols = ["report_id", "publisher", "title", "published_date", "fetched_at"]
    cols += ["publisher_key"] if "publisher_key" in reports.column_names else []
    rows = reports.select(cols).to_pylist()
    best: dict[str, int] = {}
    for i, row in enumerate(rows):
        key = row.get("publisher_key") or row["publisher"]
        if key not in best or _rank(row) > _rank(rows[best[key]]):
            best[key] = i
    current = set(best.values())
    flags = pa.array([i in current for i in range(len(rows))], pa.bool_())
    index = reports.schema.get_field_index("is_current")
    return reports.set_column(index, reports.schema.field(index), flags)
