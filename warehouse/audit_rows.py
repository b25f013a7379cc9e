"""The published values with their provenance, as ``parsing.audit.ValueRef`` per report.

An audit of a whole national warehouse holds hundreds of millions of values: they are never
read at once. :func:`audit_slices` plans the audit as slices of report ids of one year (ids
only); :func:`published_slice` reads one slice's rows (filtered while reading, so memory follows
the slice, not the warehouse) and :func:`published_reports` turns a few of them at a time into
Python objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from parsing.audit import ValueRef
from parsing.models import APPLICANT_COLUMNS
from warehouse.locking import SWAP_LOCK, file_lock
from warehouse.storage import open_store

_PROV = ["source_kind", "source_table", "source_row", "source_col", "source_text"]
_REPORT_COLUMNS = ["report_id", "archive_uri", "source_url", "content_sha256", "format"]
_VALUE_TABLES = ("active_disclosure", "review_litigation", "applications")
SLICE_REPORTS = 5000
"""Reports per slice: one read of a year's files (filtered to the slice) per slice."""


@dataclass
class PublishedReport:
    """What the audit needs of one published report: its capture and its values."""

    report_id: str
    archive_uri: str
    source_url: str
    content_sha256: str
    format: str
    refs: list[ValueRef] = field(default_factory=list)


@dataclass(frozen=True)
class AuditSlice:
    """Some report ids of one year, in ``report_id`` order."""

    year: int
    report_ids: tuple[str, ...]


def audit_slices(
    root: str | os.PathLike[str],
    report_ids: Iterable[str] | None = None,
    size: int = SLICE_REPORTS,
) -> list[AuditSlice]:
    """The published reports (or those of ``report_ids``) as slices of at most ``size`` ids of
    one year, in the order of the ``reports`` table (year, then ``report_id``)."""
    store = open_store(root)
    match = None if report_ids is None else {"report_id": pa.array(sorted(set(report_ids)))}
    out: list[AuditSlice] = []
    with file_lock(store, SWAP_LOCK, exclusive=False):
        for year in store.years("reports"):
            ids = store.read_partition("reports", year, ["report_id"], match=match)["report_id"]
            ordered = sorted(ids.to_pylist())
            step = max(1, size)
            out += [
                AuditSlice(year, tuple(ordered[i : i + step])) for i in range(0, len(ordered), step)
            ]
    return out


def published_slice(root: str | os.PathLike[str], part: AuditSlice) -> dict[str, pa.Table]:
    """The rows of one slice: ``reports`` (the capture columns) and the three value tables."""
    store = open_store(root)
    match = {"report_id": pa.array(part.report_ids, pa.string())}
    with file_lock(store, SWAP_LOCK, exclusive=False):
        tables = {
            "reports": store.read_partition("reports", part.year, _REPORT_COLUMNS, match=match)
        }
        for name in _VALUE_TABLES:
            tables[name] = store.read_partition(name, part.year, match=match)
    return tables


def published_reports(tables: dict[str, pa.Table], ids: Iterable[str]) -> list[PublishedReport]:
    """The reports ``ids`` of a slice's ``tables`` with their values, in the order of ``ids``."""
    wanted = list(ids)
    value_set = pa.array(wanted, pa.string())

    def rows(name: str) -> list[dict[str, Any]]:
        table = tables[name]
        picked: list[dict[str, Any]] = table.filter(
            pc.is_in(table["report_id"], value_set=value_set)
        ).to_pylist()
        return picked

    found = {r["report_id"]: PublishedReport(**r) for r in rows("reports")}
    out = {rid: found[rid] for rid in wanted if rid in found}
    for r in rows("active_disclosure"):
        out[r["report_id"]].refs.append(
            ValueRef(
                "active_disclosure",
                f"{r['item']}/{r['metric']}",
                r["value"],
                *(r.get(c) for c in _PROV),
            )
        )
    for r in rows("review_litigation"):
        out[r["report_id"]].refs.append(
            ValueRef(
                "review_litigation",
                f"{r['proceeding']}/{r['outcome']}",
                r["value"],
                *(r.get(c) for c in _PROV),
            )
        )
    for r in rows("applications"):
        cols_ = r.get("source_col") or [None] * 7
        texts = r.get("source_text") or [None] * 7
        for i, col in enumerate(APPLICANT_COLUMNS):
            out[r["report_id"]].refs.append(
                ValueRef(
                    "applications",
                    f"{r['row_code']}/{col}",
                    r[col],
                    r.get("source_kind"),
                    r.get("source_table"),
                    r.get("source_row"),
                    cols_[i] if i < len(cols_) else None,
                    texts[i] if i < len(texts) else None,
                )
            )
    return list(out.values())


def published_values(
    root: str | os.PathLike[str], report_ids: Iterable[str] | None = None
) -> dict[str, PublishedReport]:
    """Every published value of the warehouse at ``root`` (or of ``report_ids``), by report.

    Holds them all: for a small warehouse or a few reports (the audit reads slice by slice).
    """
    out: dict[str, PublishedReport] = {}
    for part in audit_slices(root, report_ids):
        tables = published_slice(root, part)
        out.update((r.report_id, r) for r in published_reports(tables, part.report_ids))
    return out
