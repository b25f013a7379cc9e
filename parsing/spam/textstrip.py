"""Apply detected spans to one string: exact original offsets, fixpoint, gap inference."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from parsing.blocks import SpamRemovalRecord
from parsing.spam.detect import Span, lexicon_spans, merge_intervals, phrase_spans, pinyin_spans
from parsing.spam.latin import OWN_HOSTS
from parsing.spam.shadow import Shadow, is_han, make_shadow

_DETECTOR_RANK = {"signature": 0, "repeat": 1, "lexicon": 2, "url": 3, "pinyin": 4}
_OPEN_QUOTES = frozenset('《“"「『〈(（')
_CLOSE_QUOTES = frozenset('》”"」』〉)）')
_MAX_PASSES = 3
_PINYIN_ONLY = re.compile(r"^(?:\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\))+$")


@dataclass(slots=True)
class Gap:
    """A place where removed spam probably replaced legitimate words (never filled in)."""

    location: str
    offset: int  # position in the cleaned string
    removed_text: str
    reason: str  # between_han | in_quotes | line_start
    candidate: str | None = None  # a hint only, never applied


@dataclass(slots=True)
class StringStrip:
    """One string after stripping."""

    text: str
    removals: list[SpamRemovalRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # original index of every kept character (a ``range`` when nothing was removed)
    kept: Sequence[int] = field(default_factory=list)
    pinyin: bool = False


def detect_cached(text: str, in_cell: bool = False) -> tuple[Shadow, tuple[Span, ...]]:
    """Shadow and lexicon/URL spans of ``text`` (cached: labels and template phrases repeat).

    Short texts (labels, headings) repeat across reports and get a large cache; long paragraphs
    are unique to one report, so only the last few are kept (a shadow holds an offset per
    character: a big cache of paragraphs would grow the process by hundreds of MB).
    """
    own = OWN_HOSTS.get()  # part of the key: a site's own domain is never spam
    if len(text) <= _SHORT:
        return _detect_short(text, in_cell, own)
    return _detect_long(text, in_cell, own)


def _detect(
    text: str, in_cell: bool, _own: frozenset[str] = frozenset()
) -> tuple[Shadow, tuple[Span, ...]]:
    sh = make_shadow(text)
    return sh, tuple(lexicon_spans(sh, in_cell=in_cell))


_SHORT = 120
_detect_short = lru_cache(maxsize=8192)(_detect)
_detect_long = lru_cache(maxsize=256)(_detect)


def nothing_to_strip(shadow: str, lex: Sequence[Span], phrases: Sequence[str]) -> bool:
    """True when ``strip_string`` finds nothing in a text whose shadow and lexicon spans
    (``detect_cached``) are given: no accepted span, no phrase, no pinyin run."""
    for sp in lex:
        if sp.accepted:
            return False
    for p in phrases:
        if p and p in shadow:
            return False
    return not pinyin_spans(shadow)


def accepted_spans(
    text: str, phrases: Sequence[tuple[str, str]], *, in_cell: bool = False
) -> list[Span]:
    """Detected spans on the shadow of ``text``: merged, accepted ones only, in shadow offsets."""
    sh, lex = detect_cached(text, in_cell)
    spans = phrase_spans(sh.text, phrases)
    spans += [s for s in lex if s.accepted]
    spans += pinyin_spans(sh.text)
    if not spans:
        return []
    merged: list[Span] = []
    for s, e in merge_intervals((sp.start, sp.end) for sp in spans):
        parts = [sp for sp in spans if sp.start >= s and sp.end <= e]
        best = min(parts, key=lambda sp: _DETECTOR_RANK.get(sp.detector, 9))
        evidence = [ev for sp in parts for ev in sp.evidence]
        merged.append(Span(s, e, best.detector, max(sp.score for sp in parts), evidence))
    # back to original offsets of ``text``
    out: list[Span] = []
    for sp in merged:
        o_s, o_e = sh.span_to_original(sp.start, sp.end)
        out.append(Span(o_s, o_e, sp.detector, sp.score, sp.evidence))
    return out


def strip_string(
    text: str,
    location: str,
    phrases: Sequence[tuple[str, str]],
    *,
    in_cell: bool = False,
    heading_like: bool = False,
) -> StringStrip:
    """Remove accepted spans from ``text`` until nothing more is found (at most 3 passes)."""
    current = text
    kept: Sequence[int] = range(len(text))  # no list unless something is removed
    removals: list[SpamRemovalRecord] = []
    pinyin = False
    for _ in range(_MAX_PASSES):
        spans = accepted_spans(current, phrases, in_cell=in_cell)
        if not spans:
            break
        parts: list[str] = []
        new_kept: list[int] = []
        pos = 0
        for sp in spans:
            parts.append(current[pos : sp.start])
            new_kept.extend(kept[pos : sp.start])
            if not in_cell and _joins_digits(current, sp.start, sp.end):
                # ``0<spam>2020`` must not read as 02020: the removed run becomes one space,
                # standing at its first character (cells quarantine such a join instead)
                parts.append(" ")
                new_kept.append(kept[sp.start])
            removed = current[sp.start : sp.end]
            removals.append(
                SpamRemovalRecord(
                    location, removed, sp.detector, kept[sp.start], kept[sp.end - 1] + 1
                )
            )
            pinyin |= sp.detector == "pinyin"
            pos = sp.end
        parts.append(current[pos:])
        new_kept.extend(kept[pos:])
        current, kept = "".join(parts), new_kept
    gaps = find_gaps(text, current, kept, location, heading_like=heading_like) if removals else []
    return StringStrip(current, removals, gaps, kept, pinyin)


def _joins_digits(text: str, start: int, end: int) -> bool:
    """Whether removing ``text[start:end]`` would put two digits side by side."""
    return start > 0 and end < len(text) and text[start - 1].isdecimal() and text[end].isdecimal()


def find_gaps(
    original: str, cleaned: str, kept: Sequence[int], location: str, *, heading_like: bool = False
) -> list[Gap]:
    """Removed runs whose neighbours suggest a replaced word (SPAM.md §4.2 L5, inference)."""
    gaps: list[Gap] = []
    bounds = [-1, *kept, len(original)]
    for k in range(len(bounds) - 1):
        a, b = bounds[k] + 1, bounds[k + 1]
        if b <= a:
            continue
        removed = original[a:b]
        if not removed.strip() or _PINYIN_ONLY.match(removed):
            continue
        left = cleaned[k - 1] if k > 0 else ""
        right = cleaned[k] if k < len(cleaned) else ""
        reason = None
        if left and right and is_han(left) and is_han(right):
            reason = "between_han"
        elif (left in _OPEN_QUOTES and left and is_han(right or " ")) or (
            right in _CLOSE_QUOTES and right and is_han(left or " ")
        ):
            reason = "in_quotes"
        elif not left and right and is_han(right) and heading_like:
            reason = "line_start"
        if reason is None:
            continue
        candidate = "关于" if removed.rstrip()[-1:] in (":", "：") else None
        gaps.append(Gap(location, k, removed, reason, candidate))
    return gaps
