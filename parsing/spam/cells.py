"""Table-cell protection (SPAM.md §4.2 L4): digits are never removed or changed.

A cell is edited only when every removed span is digit-free and what remains is a number, a
canonical template label, or nothing (a cell that held only spam). Otherwise the cell is
quarantined: its text stays exactly as it was and the location is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsing.blocks import SpamRemovalRecord
from parsing.spam.detect import scan, strong_table
from parsing.spam.glued import split_glued
from parsing.spam.shadow import make_shadow
from parsing.spam.template_labels import is_canonical_label
from parsing.spam.textstrip import strip_string

_NUMERIC = re.compile(
    r"^[+\-]?(?:增|减)?\s*[+\-]?\d[\d,]*(?:\.\d+)?\s*(?:万元|元|%|件|条|个|项|人次|次|人)?$|^[—\-/无]$"
)
_CN_NUMERALS = frozenset("〇零一二三四五六七八九十百千万亿两")


@dataclass(slots=True)
class CellStrip:
    """A table cell after stripping."""

    text: str
    removals: list[SpamRemovalRecord] = field(default_factory=list)
    quarantine: str | None = None  # reason, when the cell was left unchanged despite spam
    flag: str | None = None  # numeric_cell_had_spam | label_suffix_stripped | spam_cell
    # For a quarantined cell: everything the detectors would have removed, digits included
    # (recorded in ``spam_removals`` so a reader sees what made the cell ambiguous).
    removed: str = ""

    # A value cell whose digits sit next to removed text: no number in it can be trusted, the
    # interpreter publishes null and ``spam.ambiguous_cell``.
    ambiguous: bool = False


def is_numeric(text: str) -> bool:
    """True for a numeric cell value (``266``, ``增77``, ``7540.77万元``, ``—``)."""
    return bool(_NUMERIC.match(unicodedata.normalize("NFKC", text).strip()))


def _has_digit(text: str) -> bool:
    return any(c.isdigit() or unicodedata.normalize("NFKC", c).isdigit() for c in text)


def _loose_cn_numeral(removed: str) -> bool:
    """A Chinese numeral in the removed text that is not part of a strong spam term (九游会)."""
    if not any(c in _CN_NUMERALS for c in removed):
        return False
    sh = make_shadow(removed).text
    covered = bytearray(len(sh))
    for i, t in scan(sh, strong_table()):
        covered[i : i + len(t)] = b"\x01" * len(t)
    return any(c in _CN_NUMERALS and not covered[i] for i, c in enumerate(sh))


def joins_digits(text: str, kept: Sequence[int]) -> bool:
    """True when removed characters lie between two kept digits of ``text`` (digit conservation:
    ``266澳门金沙游戏123`` must never become 266123)."""
    digits = [i for i in kept if _has_digit(text[i])]
    if len(digits) < 2:
        return False
    return digits[-1] - digits[0] + 1 != sum(1 for i in kept if digits[0] <= i <= digits[-1])


def touches_digits(text: str, kept: Sequence[int]) -> bool:
    """True when a removed character directly touches a kept digit (``0888澳门金沙``): the
    number's boundary is unknown (the spam may have carried digits), so it is ambiguous. A space,
    line break or punctuation between them delimits the number."""
    keep = set(kept)
    for i in range(len(text)):
        if i in keep:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(text) and j in keep and _has_digit(text[j]):
                return True
    return False


def strip_cell(text: str, location: str, phrases: Sequence[tuple[str, str]]) -> CellStrip:
    """Strip one cell under the digit rule (see module docstring)."""
    res = strip_string(text, location, phrases, in_cell=True)
    if not res.removals:
        return _glued(text, location) or CellStrip(text)
    kept = set(res.kept)
    removed = "".join(c for i, c in enumerate(text) if i not in kept)
    if _has_digit(removed):
        return _ambiguous(text, removed, res.text)
    rest = res.text.strip()
    if not rest:
        return CellStrip(res.text, res.removals, flag="spam_cell")
    if _has_digit(rest) and joins_digits(text, res.kept):
        return CellStrip(text, quarantine="spam_inside_number", removed=removed, ambiguous=True)
    if is_numeric(rest) and touches_digits(text, res.kept):
        return CellStrip(text, quarantine="spam_touches_number", removed=removed, ambiguous=True)
    if is_numeric(rest):
        if _loose_cn_numeral(removed):
            return _ambiguous(text, removed, rest)
        return CellStrip(res.text, res.removals, flag="numeric_cell_had_spam")
    if is_canonical_label(rest):
        return CellStrip(res.text, res.removals, flag="label_suffix_stripped")
    return _glued(text, location) or CellStrip(
        text, quarantine="label_not_canonical", removed=removed
    )


def _ambiguous(text: str, removed: str, rest: str) -> CellStrip:
    """Spam took digits along (or a loose numeral): quarantine; a value cell is ambiguous."""
    value_cell = _has_digit(rest) or not rest.strip() or is_numeric(rest)
    return CellStrip(text, quarantine="spam_overlaps_digits", removed=removed, ambiguous=value_cell)


def _glued(text: str, location: str) -> CellStrip | None:
    """A number or template label with spam glued before or after it (``45鸿胜国际官网``).

    The template fixes what a cell may hold, so the boundary is exact: the longest numeric or
    canonical-label core at one end; the rest must carry evidence (``fragment_evidence``).
    """
    found = split_glued(text)
    if found is None:
        return None
    start, end = found
    removed = text[start:end]
    rest = (text[:start] + text[end:]).strip()
    if _has_digit(removed) or (is_numeric(rest) and _loose_cn_numeral(removed)):
        return _ambiguous(text, removed, rest)
    if is_numeric(rest) and touches_digits(text, [*range(start), *range(end, len(text))]):
        return CellStrip(text, quarantine="spam_touches_number", removed=removed, ambiguous=True)
    record = SpamRemovalRecord(location, removed, "cell_glued", start, end)
    flag = "numeric_cell_had_spam" if is_numeric(rest) else "label_suffix_stripped"
    return CellStrip(text[:start] + text[end:], [record], flag=flag)
