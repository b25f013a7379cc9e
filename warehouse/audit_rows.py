"""The published values with their provenance, as ``parsing.audit.ValueRef`` per report."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from parsing.audit import ValueRef
from parsing.models import APPLICANT_COLUMNS
from warehouse.read import read_table

_PROV = ["source_kind", "source_table", "source_row", "source_col", "source_text"]


@dataclass
class PublishedReport:
    """What the audit needs of one published report: its capture and its values."""

    report_id: str
    archive_uri: str
    source_url: str
    content_sha256: str
    format: str
    refs: list[ValueRef] = field(default_factory=list)


def _rows(table: pa.Table, ids: set[str] | None) -> list[dict[str, Any]]:
    if ids is not None:
        table = table.filter(pc.is_in(table["report_id"], value_set=pa.array(sorted(ids))))
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def published_values(
    root: str | os.PathLike[str], report_ids: Iterable[str] | None = None
) -> dict[str, PublishedReport]:
    """Every published value of the warehouse at ``root`` (or of ``report_ids``), by report."""
    ids = set(report_ids) if report_ids is not None else None
    cols = ["report_id", "archive_uri", "source_url", "content_sha256", "format"]
    out = {
        r["report_id"]: PublishedReport(**r)
        for r in _rows(read_table("reports", root, columns=cols), ids)
    }
    for r in _rows(read_table("active_disclosure", root), ids):
        out[r["report_id"]].refs.append(
            ValueRef(
                "active_disclosure",
                f"{r['item']}/{r['metric']}",
                r["value"],
                *(r.get(c) for c in _PROV),
            )
        )
    for r in _rows(read_table("review_litigation", root), ids):
        out[r["report_id"]].refs.append(
            ValueRef(
                "review_litigation",
                f"{r['proceeding']}/{r['outcome']}",
                r["value"],
                *(r.get(c) for c in _PROV),
            )
        )
    for r in _rows(read_table("applications", root), ids):
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
    return out
