"""Export tables (or the one-row-per-report ``report_figures``) to CSV, XLSX or JSON Lines.

Rows stream from DuckDB in batches, so a table never has to fit in memory as Python objects.
CSV is UTF-8 with a byte-order mark (Excel opens Chinese text correctly), list columns joined
with ``; ``. XLSX follows Excel's limits and says so: a table longer than 1,048,575 rows
continues on sheets ``<table>_2`` …, and a cell longer than 32,767 characters is cut with the
count of such cells returned in :class:`ExportResult` (the CSV/JSONL exports keep them whole).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow.fs as pafs

from warehouse.publishers import TABLE as PUBLISHERS
from warehouse.schemas import TABLES
from warehouse.sql import WIDE, connect

Format = Literal["csv", "xlsx", "jsonl"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "jsonl")
EXPORTABLE: tuple[str, ...] = (*TABLES, PUBLISHERS, WIDE)
XLSX_MAX_ROWS = 1_048_575  # plus the header row
XLSX_MAX_CELL = 32_767
_BATCH = 10_000


@dataclass
class ExportResult:
    """What one export wrote."""

    files: dict[str, int] = field(default_factory=dict)  # path → data rows
    truncated_cells: dict[str, int] = field(default_factory=dict)  # xlsx path → cells cut
    extra_sheets: dict[str, int] = field(default_factory=dict)  # xlsx path → sheets beyond one


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones: keep the UTC offset visible
    return value


def _batches(cur: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[Any, ...]]]:
    while True:
        rows = cur.fetchmany(_BATCH)
        if not rows:
            return
        yield rows


def write_csv(columns: Sequence[str], batches: Iterable[list[tuple[Any, ...]]], path: Path) -> int:
    """Write rows as UTF-8 CSV with a BOM; returns the row count."""
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(columns)
        for rows in batches:
            out.writerows([_cell(v) for v in row] for row in rows)
            n += len(rows)
    return n


def write_jsonl(
    columns: Sequence[str], batches: Iterable[list[tuple[Any, ...]]], path: Path
) -> int:
    """Write one JSON object per line (lists stay lists, dates are ISO strings)."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for rows in batches:
            for row in rows:
                record = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            n += len(rows)
    return n


def write_xlsx(
    name: str, columns: Sequence[str], batches: Iterable[list[tuple[Any, ...]]], path: Path
) -> tuple[int, int, int]:
    """Write an XLSX workbook; returns (rows, cells cut at 32,767 characters, extra sheets)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet, sheets, in_sheet, rows_total, cut = None, 0, 0, 0, 0
    for rows in batches:
        for row in rows:
            if sheet is None or in_sheet >= XLSX_MAX_ROWS:
                sheets += 1
                sheet = wb.create_sheet(name[:28] if sheets == 1 else f"{name[:24]}_{sheets}")
                sheet.append(list(columns))
                in_sheet = 0
            values = []
            for v in row:
                c = _cell(v)
                if isinstance(c, str) and len(c) > XLSX_MAX_CELL:
                    c = c[: XLSX_MAX_CELL - 20] + " …[cut for Excel]"
                    cut += 1
                values.append(c)
            sheet.append(values)
            in_sheet += 1
            rows_total += 1
    if sheet is None:
        wb.create_sheet(name[:28]).append(list(columns))
        sheets = 1
    wb.save(path)
    return rows_total, cut, max(0, sheets - 1)


def export(
    root: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    fmt: Format = "csv",
    tables: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    wide: bool = False,
    filesystem: pafs.FileSystem | None = None,
) -> ExportResult:
    """Export ``tables`` (default: every table, or only ``report_figures`` with ``wide``) for
    ``years`` (default all; publishers: those reporting in any of the years) to ``out_dir``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    chosen = list(tables or ([] if wide else EXPORTABLE[:-1]))
    if wide and WIDE not in chosen:
        chosen.append(WIDE)
    unknown = [t for t in chosen if t not in EXPORTABLE]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; known: {', '.join(EXPORTABLE)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = connect(root, filesystem=filesystem)
    result = ExportResult()
    for table in chosen:
        sql = f'SELECT * FROM "{table}"'
        if years:
            listed = ", ".join(str(int(y)) for y in years)
            if table == PUBLISHERS:
                sql = (
                    f"SELECT * FROM publishers p WHERE EXISTS (SELECT 1 FROM reports r WHERE "
                    f"r.year IN ({listed}) AND (r.publisher_key = p.publisher_key OR "
                    "(r.publisher_key IS NULL AND list_contains(p.names, r.publisher))))"
                )
            else:
                sql += f" WHERE year IN ({listed})"
        order = "publisher_key" if table == PUBLISHERS else "year, report_id"
        cur = con.execute(f"{sql} ORDER BY {order}")
        columns = [d[0] for d in cur.description]
        path = out / f"{table}.{fmt}"
        if fmt == "csv":
            n = write_csv(columns, _batches(cur), path)
        elif fmt == "jsonl":
            n = write_jsonl(columns, _batches(cur), path)
        else:
            n, cut, extra = write_xlsx(table, columns, _batches(cur), path)
            if cut:
                result.truncated_cells[str(path)] = cut
            if extra:
                result.extra_sheets[str(path)] = extra
        result.files[str(path)] = n
    con.close()
    return result
