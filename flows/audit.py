"""``xxgk audit`` wiring: published values (warehouse) × archived captures (crawler archive) →
``parsing.audit`` checks. No rules live here."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.archive import Archive
from parsing.audit import Violation, audit_values
from parsing.inputs import RawDocument
from parsing.pipeline import source_blocks
from warehouse.audit_rows import (
    SLICE_REPORTS,
    AuditSlice,
    audit_slices,
    published_reports,
    published_slice,
)


@dataclass
class AuditResult:
    """Counts and violations of one audit."""

    reports: int = 0
    values: int = 0
    violations: list[Violation] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """``{"audited_reports", "audited_values", "audit_violations"}`` for run summaries."""
        return {
            "audited_reports": self.reports,
            "audited_values": self.values,
            "audit_violations": len(self.violations),
        }


def audit_published(
    data_dir: str | Path,
    warehouse_root: str | Path,
    report_ids: Iterable[str] | None = None,
    chunk: int = 200,
    workers: int | None = None,
    slice_reports: int = SLICE_REPORTS,
) -> AuditResult:
    """Re-check every published value (or those of ``report_ids``) against its archived capture.

    The reports are audited in slices of ``slice_reports`` ids of one year (this process holds
    the ids only: each slice's values are read by the process that audits it, so memory does not
    grow with the warehouse), by ``workers`` processes (default: the parse workers' number,
    ``XXGK_PARSE_WORKERS``, or the cores; 0 or 1: in this process). Within a slice, chunks of
    ``chunk`` reports become Python objects at a time and the DOC/WPS captures of a chunk are
    converted by one LibreOffice process (``parsing.pool.preconvert``) as in the parse stage.
    The result is that of a serial audit, in report order.
    """
    root = str(warehouse_root)
    slices = audit_slices(root, report_ids, slice_reports)
    if workers is None:
        from flows.config import Settings

        workers = Settings().parse_workers
        workers = os.cpu_count() or 1 if workers is None else workers
    slices = _balanced(slices, workers)
    workers = min(workers, len(slices))
    result = AuditResult()
    args = [(str(data_dir), root, part, chunk) for part in slices]
    if workers <= 1:
        parts = [_audit_slice(*a) for a in args]
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn: the caller may be a threaded Prefect process, which must not be forked
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            parts = list(pool.map(_audit_slice, *zip(*args, strict=True)))
    for part in parts:
        result.reports += part.reports
        result.values += part.values
        result.violations += part.violations
    return result


def _balanced(slices: list[AuditSlice], workers: int) -> list[AuditSlice]:
    """Halve the largest slices until every worker has one, in report order: a nightly's few
    hundred reports of one year still use every worker."""
    out = list(slices)
    while len(out) < workers:
        i = max(range(len(out)), key=lambda k: len(out[k].report_ids), default=None)
        if i is None or len(out[i].report_ids) < 2:
            break
        ids = out[i].report_ids
        half = (len(ids) + 1) // 2
        out[i : i + 1] = [AuditSlice(out[i].year, ids[:half]), AuditSlice(out[i].year, ids[half:])]
    return out


def _audit_slice(data_dir: str, root: str, part: AuditSlice, chunk: int) -> AuditResult:
    """Audit one slice: its rows read once, then ``chunk`` reports at a time."""
    tables = published_slice(root, part)
    result = AuditResult()
    step = max(1, chunk)
    for i in range(0, len(part.report_ids), step):
        done = _audit_chunk(data_dir, published_reports(tables, part.report_ids[i : i + step]))
        result.reports += done.reports
        result.values += done.values
        result.violations += done.violations
    return result


def _audit_chunk(data_dir: str, reps: list[Any]) -> AuditResult:
    """Audit some published reports against the archive (one worker's share)."""
    from parsing.extract.office_convert import clear_preconverted, preconverted
    from parsing.pool import preconvert

    result = AuditResult()
    archive = Archive(Path(data_dir))
    try:
        raws: dict[str, RawDocument | None] = {}
        for rep in reps:
            result.reports += 1
            result.values += sum(1 for r in rep.refs if r.value is not None)
            raws[rep.report_id] = _source(rep, archive, result)
        converted = preconvert(r for r in raws.values() if r is not None)
        for rep in reps:
            raw = raws.pop(rep.report_id)
            if raw is None:
                continue
            hit = converted.get(raw.sha256)
            if hit is not None:
                preconverted(raw.content, hit[0], "docx", hit[1])
            try:
                doc = source_blocks(raw)
            except Exception as exc:  # noqa: BLE001 - recorded, the audit goes on
                message = f"re-extraction failed: {type(exc).__name__}: {exc}"
                result.violations.append(
                    Violation(rep.report_id, "reports", "capture", "capture", message)
                )
                continue
            finally:
                clear_preconverted()
            result.violations += audit_values(rep.report_id, doc, rep.refs)
    finally:
        archive.close()
    return result


def _source(rep: Any, archive: Archive, result: AuditResult) -> RawDocument | None:
    """The archived capture of a published report, or None with a violation saying why."""

    def fail(message: str) -> None:
        result.violations.append(Violation(rep.report_id, "reports", "capture", "capture", message))

    if not rep.archive_uri:
        if any(r.value is not None for r in rep.refs):
            fail("values published without an archived capture")
        return None
    try:
        record = archive.read_record(rep.archive_uri)
    except Exception as exc:  # noqa: BLE001 - a missing capture is a violation, not a crash
        fail(f"{rep.archive_uri}: {exc}")
        return None
    if rep.content_sha256 and hashlib.sha256(record.payload).hexdigest() != rep.content_sha256:
        fail(f"{rep.archive_uri}: payload hash differs from content_sha256")
        return None
    ctype = next((v for k, v in record.http_headers if k.lower() == "content-type"), None)
    return RawDocument(content=record.payload, media_type=ctype, url=rep.source_url or None)
