"""The table pass of ``strip_document``: every cell through ``strip_cell``, tallied for the verdict.

Fast: numbers are never looked at, each distinct cell text is stripped once per process for the
signature store alone (template labels and units repeat across all reports) and again with the
document's own phrases only when one of those phrases occurs in it or the cell had spam anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from parsing.blocks import SpamRemovalRecord, Table
from parsing.spam.cells import CellStrip, strip_cell
from parsing.spam.inert import inert_cell
from parsing.spam.shadow import shadow_text
from parsing.spam.signatures import load_signatures

_PLAIN_NUMBER = re.compile(r"[\d.,%+\-\s]*")
_UNSEEN = CellStrip("")  # a memo miss (never a result)


@dataclass(slots=True)
class TableTally:
    """What the table pass found; ``removals``, ``flags`` and ``reasons`` are shared lists."""

    phrases: Sequence[tuple[str, str]]
    removals: list[SpamRemovalRecord]
    flags: set[str]
    reasons: list[str]
    quarantined: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)  # value cells emptied (digit conservation)
    spam_cells: list[str] = field(default_factory=list)
    edited_cells: int = 0
    total_chars: int = 0
    removed_chars: int = 0
    # ``cell_result`` of each text seen, None when it asks for nothing (most labels and units)
    memo: dict[str, CellStrip | None] = field(default_factory=dict)
    repeats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.repeats = tuple(p for p, det in self.phrases if det != "signature" and p)


@lru_cache(maxsize=16384)
def _signature_only(text: str) -> CellStrip:
    """``strip_cell`` with the signature store as the only phrases (shared by all documents)."""
    _, sigs = load_signatures()
    if inert_cell(text, shadow_text(text), [s.shadow for s in sigs]):
        return CellStrip(text)  # what ``strip_cell`` returns (most labels and units)
    return strip_cell(text, "", [(s.shadow, "signature") for s in sigs])


def cell_result(text: str, tally: TableTally) -> CellStrip | None:
    """``strip_cell(text, "", tally.phrases)`` (None for plain numbers: nothing to do)."""
    if text.isdecimal() or _PLAIN_NUMBER.fullmatch(text):
        return None
    hit = _signature_only(text)
    if hit.removals or (tally.repeats and _any_in(tally.repeats, shadow_text(text))):
        hit = strip_cell(text, "", tally.phrases)
    return hit


def _any_in(phrases: Sequence[str], text: str) -> bool:
    return any(p in text for p in phrases)


@lru_cache(maxsize=16384)
def _phrase_free(text: str) -> CellStrip | None:
    """``cell_result`` as the table pass keeps it (None when it asks for nothing) in a document
    without repeat phrases: its phrases are the signature store alone (one call per new text)."""
    return _kept(None if _PLAIN_NUMBER.fullmatch(text) else _signature_only(text))


def _kept(found: CellStrip | None) -> CellStrip | None:
    return (
        found if found is not None and (found.quarantine or found.removals or found.flag) else None
    )


def strip_table(table: Table, index: int, tally: TableTally) -> None:
    """Strip the cells of ``table`` (block ``index``) in place; span copies follow their origin.

    A span copy whose origin cell comes before it (and is no skipped copy itself) takes the
    origin's text and raw as the origin was left, and is not counted again."""
    rows = table.rows
    skipped: set[tuple[int, int]] = set()  # the span copies that followed their origin
    total = 0
    memo = tally.memo
    free = not tally.repeats  # the phrases are the signature store alone
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            origin = cell.origin
            if origin is not None:
                r0, c0 = origin
                if (
                    0 <= r0 <= r
                    and 0 <= c0 < len(rows[r0])
                    and (r0 < r or c0 < c)
                    and origin not in skipped
                ):
                    source = rows[r0][c0]
                    cell.text, cell.raw = source.text, source.raw
                    skipped.add((r, c))
                    continue
            text = cell.text
            total += len(text)
            if not text.isdecimal():  # numbers: nothing to do
                res = memo.get(text, _UNSEEN)
                if res is _UNSEEN:
                    res = memo[text] = (
                        _phrase_free(text) if free else _kept(cell_result(text, tally))
                    )
                if res is not None:
                    _apply(cell.text, res, f"table:{index}:r{r}c{c}", tally, cell.raw is None)
                    if res.quarantine:
                        cell.raw = text  # left as printed (stripping again records nothing new)
                    elif res.text != text:
                        cell.raw = text  # the cell as printed, for provenance and the audit
                        cell.text = res.text
    tally.total_chars += total


def _apply(text: str, res: CellStrip, loc: str, tally: TableTally, first: bool = True) -> None:
    if res.quarantine:
        tally.quarantined.append(loc)
        tally.reasons.append(f"cell_{res.quarantine}:{loc}")
        if res.ambiguous:
            tally.ambiguous.append(loc)
        if res.ambiguous and first:  # nothing of it is published: the whole cell, digits too
            tally.removals.append(SpamRemovalRecord(loc, text, "cell_ambiguous"))
        return
    if res.removals:
        tally.edited_cells += 1
        tally.removed_chars += len(text) - len(res.text)
        tally.removals.extend(
            SpamRemovalRecord(loc, r.removed_text, r.detector, r.start, r.end) for r in res.removals
        )
    if res.flag:
        tally.flags.add(res.flag)
        if res.flag == "spam_cell":
            tally.spam_cells.append(loc)
