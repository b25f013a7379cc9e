"""Shared helpers for the digit-conservation tests: report fixtures with one cell replaced."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from parsing.inputs import RawDocument
from parsing.models import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "reports"
DIGITS = FIXTURES / "digits"


def load_cases() -> list[dict[str, Any]]:
    """The cases of ``tests/fixtures/digits/cases.toml``, each with its cell HTML."""
    cases = tomllib.loads((DIGITS / "cases.toml").read_text(encoding="utf-8"))["case"]
    for case in cases:
        case["html"] = (DIGITS / case["file"]).read_text(encoding="utf-8").strip()
    return cases


def raw_report(base: str, html: str | None = None) -> RawDocument:
    """The report fixture ``base`` as a ``RawDocument`` (``html`` replaces its page)."""
    d = REPORTS / base
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    content = html.encode("utf-8") if html is not None else (d / "input.html").read_bytes()
    return RawDocument(
        content=content,
        media_type=meta.get("media_type"),
        charset=meta.get("charset") if html is None else "utf-8",
        url=meta.get("url"),
        site=meta.get("site", "local"),
        publisher=meta.get("publisher"),
        region_code=meta.get("region_code"),
    )


def substitute(page: str, anchor: str, cell: str, html: str) -> str:
    """``page`` with the first ``>cell<`` after ``anchor`` replaced by ``>html<``."""
    start = page.index(anchor)
    at = page.index(f">{cell}<", start)
    return page[:at] + f">{html}<" + page[at + len(cell) + 2 :]


def published(report: Report, table: str, row: str, column: str) -> tuple[Any, str | None]:
    """The value published for (table, row, column) and its ``source_text``."""
    if table == "applications":
        app = report.application(row)
        assert app is not None, row
        i = list(app.model_fields).index(column) - 2
        texts = app.source_text or []
        return getattr(app, column), texts[i] if i < len(texts) else None
    for r in getattr(report, table):
        key = (r.item, r.metric) if table == "active_disclosure" else (r.proceeding, r.outcome)
        if key == (row, column):
            return r.value, r.source_text
    raise AssertionError(f"{table} {row} {column} not published")
