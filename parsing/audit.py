"""Re-checking a published value against its source cell (``xxgk audit``, issue 11).

Pure: the caller re-reads the capture (WARC archive), re-extracts it with
``parsing.pipeline.extract_blocks`` and hands over the published rows as :class:`ValueRef`.
Each value must sit at its provenance (grid ``source_table``, ``source_row``/``source_col``),
that cell must still print ``source_text``, and the value must be exactly the one number printed
there (digit conservation: never digits joined across removed text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from parsing.blocks import DocumentBlocks, Table
from parsing.normalize import collapse_ws, nfkc
from parsing.numbers import parse_cell_number

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_NEGATIVE = re.compile(r"(?:减少?|減少?|[-−])\s*$")


@dataclass(frozen=True, slots=True)
class ValueRef:
    """One published value and where it says it came from."""

    table: str  # active_disclosure | applications | review_litigation
    key: str  # e.g. "行政许可/decisions", "3.1/total", "review/upheld"
    value: float | None
    source_kind: str | None
    source_table: int | None
    source_row: int | None
    source_col: int | None
    source_text: str | None


@dataclass(frozen=True, slots=True)
class Violation:
    """A published value its source does not support."""

    report_id: str
    table: str
    key: str
    kind: str  # no_provenance | cell_missing | cell_text_changed | digits | capture
    message: str


def printed_number(text: str) -> float | None:
    """The one number printed in ``text`` (signed by 增/减), or None when there is not exactly
    one (two runs of digits, or none)."""
    whole = parse_cell_number(text)
    if whole.ok and whole.value is not None:
        return whole.value
    norm = nfkc(text)
    runs = list(_NUMBER.finditer(norm))
    if len(runs) != 1:
        return None
    m = runs[0]
    value = float(m.group().replace(",", ""))
    return -value if value and _NEGATIVE.search(norm[: m.start()]) else value


def check_digits(value: float, source_text: str) -> str | None:
    """Why ``value`` is not the number printed in ``source_text`` (None when it is)."""
    if nfkc(source_text).strip() in ("零", "〇") and value == 0:
        return None
    printed = printed_number(source_text)
    if printed is None:
        return (
            f"{value:g} published, but the cell {source_text!r} does not print exactly one number"
        )
    if printed != value:
        return f"{value:g} published, the cell {source_text!r} prints {printed:g}"
    return None


def _grids(doc: DocumentBlocks) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def _same(a: str, b: str) -> bool:
    return collapse_ws(a).replace(" ", "") == collapse_ws(b).replace(" ", "")


def audit_values(report_id: str, doc: DocumentBlocks, refs: Iterable[ValueRef]) -> list[Violation]:
    """Every way the published ``refs`` of one report disagree with its re-extracted ``doc``."""
    grids = _grids(doc)
    out: list[Violation] = []

    def bad(ref: ValueRef, kind: str, message: str) -> None:
        out.append(Violation(report_id, ref.table, ref.key, kind, message))

    for ref in refs:
        if ref.value is None:
            continue  # null is never a wrong number; the issue that says why is in the report
        if ref.source_text is None:
            bad(ref, "no_provenance", f"{ref.value:g} published without a source cell")
            continue
        if ref.source_table is not None and ref.source_row is not None:
            cell_text = _cell(grids, ref.source_table, ref.source_row, ref.source_col)
            if cell_text is None:
                bad(
                    ref,
                    "cell_missing",
                    f"grid {ref.source_table} row {ref.source_row} col {ref.source_col} "
                    "is not in the re-extracted document",
                )
                continue
            if not _same(cell_text, ref.source_text):
                bad(
                    ref,
                    "cell_text_changed",
                    f"the cell prints {cell_text!r}, the row says {ref.source_text!r}",
                )
                continue
        why = check_digits(float(ref.value), ref.source_text)
        if why:
            bad(ref, "digits", why)
    return out


def _cell(grids: list[Table], t: int, r: int, c: int | None) -> str | None:
    if c is None or not 0 <= t < len(grids):
        return None
    rows = grids[t].rows
    if not 0 <= r < len(rows) or not 0 <= c < len(rows[r]):
        return None
    return rows[r][c].text
