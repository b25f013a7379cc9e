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

import re
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


def _current_rows(reports: pa.Table) -> list[bool]:
    """Which rows are current, ranking row by row in Python (the general path)."""
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
    return [i in current for i in range(len(rows))]


def group_starts(keys: list[pa.Array]) -> pa.Array:
    """For rows sorted by ``keys`` (no nulls): True where a row's keys differ from the row
    before (and on the first row)."""
    n = len(keys[0])
    if n == 0:
        return pa.array([], pa.bool_())
    differ = pc.not_equal(keys[0].slice(1), keys[0].slice(0, n - 1))
    for key in keys[1:]:
        differ = pc.or_(differ, pc.not_equal(key.slice(1), key.slice(0, n - 1)))
    return pa.concat_arrays([pa.array([True]), differ])


def _ranked(reports: pa.Table) -> pa.Table | None:
    """The sort keys of :func:`_rank` as columns (nulls as the lowest values, as there), or None
    where the vectorized ranking cannot be shown to rank as :func:`_rank` does (a null
    ``report_id`` or year, date or time columns of other types)."""
    rid = reports["report_id"].combine_chunks()
    years = reports["year"].combine_chunks()
    dates = reports["published_date"].combine_chunks()
    times = reports["fetched_at"].combine_chunks()
    if (
        rid.null_count
        or years.null_count
        or not pa.types.is_date32(dates.type)
        or not pa.types.is_timestamp(times.type)
        or times.type.tz is None
    ):
        return None
    title = reports["title"].combine_chunks()
    corrected = pc.match_substring_regex(title, "|".join(map(re.escape, _CORRECTED)))
    min_day = (_MIN_DATE - date(1970, 1, 1)).days
    # the instant of an aware datetime is what Python compares: the stored UTC integer
    min_time = pa.scalar(0, pa.int64())  # _MIN_TIME is the epoch
    return pa.table(
        {
            "corrected": pc.fill_null(corrected, False),
            "published": pc.fill_null(pc.cast(dates, pa.int32()), min_day),
            "fetched": pc.fill_null(pc.cast(times, pa.int64()), min_time),
            "report_id": rid,
            "y": years,
        }
    )


def mark_current(reports: pa.Table) -> pa.Table:
    """``reports`` (or index rows) with ``is_current`` set per series (:func:`series`) and
    year."""
    if reports.num_rows == 0:
        return reports
    ranked = _ranked(reports)
    if ranked is None:
        flags = pa.array(_current_rows(reports), pa.bool_())
    else:
        # group codes: equal (series, year) ⇔ equal codes (nulls included, as dict keys)
        group = pc.fill_null(pc.dictionary_encode(series(reports)).indices, -1)
        keys = ranked.append_column("group", group)
        # best first per group; the sort is stable, so of tied rows the first stays first
        # (as the strict ``>`` of the general path keeps it)
        order = pc.sort_indices(
            keys,
            sort_keys=[
                (c, "descending")
                for c in ("group", "y", "corrected", "published", "fetched", "report_id")
            ],
        )
        sorted_keys = [keys["group"].chunk(0).take(order), keys["y"].chunk(0).take(order)]
        starts = group_starts(sorted_keys)
        flags = starts.take(pc.sort_indices(order))  # back to the rows' order
    index = reports.schema.get_field_index("is_current")
    return reports.set_column(index, reports.schema.field(index), flags)
