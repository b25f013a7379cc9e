"""``xxgk audit`` wiring: published values (warehouse) × archived captures (crawler archive) →
``parsing.audit`` checks. No rules live here."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crawler.archive import Archive
from parsing.audit import Violation, audit_values
from parsing.inputs import RawDocument
from parsing.pipeline import source_blocks
from warehouse.audit_rows import published_values


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
    data_dir: str | Path, warehouse_root: str | Path, report_ids: Iterable[str] | None = None
) -> AuditResult:
    """Re-check every published value (or those of ``report_ids``) against its archived capture."""
    result = AuditResult()
    published = published_values(warehouse_root, report_ids)
    archive = Archive(Path(data_dir))
    try:
        for rep in published.values():
            result.reports += 1
            result.values += sum(1 for r in rep.refs if r.value is not None)

            def fail(kind: str, message: str, rid: str = rep.report_id) -> None:
                result.violations.append(Violation(rid, "reports", "capture", kind, message))

            if not rep.archive_uri:
                if any(r.value is not None for r in rep.refs):
                    fail("capture", "values published without an archived capture")
                continue
            try:
                record = archive.read_record(rep.archive_uri)
            except Exception as exc:  # noqa: BLE001 - a missing capture is a violation, not a crash
                fail("capture", f"{rep.archive_uri}: {exc}")
                continue
            if (
                rep.content_sha256
                and hashlib.sha256(record.payload).hexdigest() != rep.content_sha256
            ):
                fail("capture", f"{rep.archive_uri}: payload hash differs from content_sha256")
                continue
            ctype = next((v for k, v in record.http_headers if k.lower() == "content-type"), None)
            raw = RawDocument(content=record.payload, media_type=ctype, url=rep.source_url or None)
            try:
                doc = source_blocks(raw)
            except Exception as exc:  # noqa: BLE001 - recorded, the audit goes on
                fail("capture", f"re-extraction failed: {type(exc).__name__}: {exc}")
                continue
            result.violations += audit_values(rep.report_id, doc, rep.refs)
    finally:
        archive.close()
    return result
