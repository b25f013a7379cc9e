"""Human and JSON renderings of a parsed report for ``xxgk parse``."""

from __future__ import annotations

import json
from typing import Any

from parsing.models import Report


def report_json(report: Report) -> str:
    """The report with the contract's names, child tables as lists of rows."""
    data: dict[str, Any] = report.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=2)


def report_summary(report: Report) -> str:
    """A readable multi-line summary: metadata, the three tables, issues and spam."""
    lines = [
        f"{report.title or '(no title)'}",
        f"  publisher {report.publisher}  year {report.year}  template {report.template}"
        f"  format {report.format}",
        f"  validation {report.validation_status}  spam {report.spam_verdict}"
        f" ({report.spam_chars_removed} chars removed)",
        "",
        "表二 active_disclosure (article item metric value unit)",
    ]
    for a in report.active_disclosure:
        value = "null" if a.value is None else f"{a.value:g}"
        lines.append(f"  {a.article:5} {a.item:12} {a.metric:16} {value:>10} {a.unit or ''}")
    lines.append("")
    lines.append(
        "表三 applications (row_code: 自然人 商业企业 科研机构 社会公益 法律服务 其他 总计)"
    )
    for r in report.applications:
        vals = " ".join("—" if v is None else str(v) for v in r.values())
        lines.append(f"  {r.row_code:6} {vals}   {r.row_label}")
    lines.append("")
    lines.append("表四 review_litigation (维持 纠正 其他 未审结 总计)")
    groups: dict[str, list[str]] = {}
    for x in report.review_litigation:
        groups.setdefault(x.proceeding, []).append("—" if x.value is None else str(x.value))
    for proc, cells in groups.items():
        lines.append(f"  {proc:24} {' '.join(cells)}")
    if report.validation_issues:
        lines.append("")
        lines.append("validation issues")
        for i in report.validation_issues:
            lines.append(f"  [{i.severity}] {i.rule}: {i.message}")
    if report.spam_removals:
        lines.append("")
        lines.append("spam removed")
        for s in report.spam_removals:
            lines.append(f"  {s.location:16} {s.detector:12} {s.removed_text!r}")
    if report.warnings:
        lines.append("")
        lines.append("warnings: " + "; ".join(report.warnings))
    return "\n".join(lines)
