"""Structural spam cues that need no brand vocabulary (SPAM.md §2.1 P patterns, T10 tricks).

Brand names change faster than any lexicon, but the way chains are *built* does not. Each cue
below gives a seed interval on the shadow text with exact boundaries:

- ``zero_width_run``: characters interleaved with zero-width characters (``澳\u200b门\u200b…``),
  found on the original string; report prose never has a zero-width character in every gap.
- ``repeated_unit``: a unit of ≥ 2 word characters repeated back to back, with or without a joiner
  (``鸿胜,鸿胜,鸿胜``, ``永盈会永盈会官网``); its second copy starts right after the first, so the
  left boundary is exact. Two copies of a Han-only unit are weak (``人民政府-政府信息`` in a page
  title): they count only with three copies, Latin letters in the unit, or a lexicon token in the
  span they grow into.
- ``trailing_chain``: the last run of a string, after a sentence end, that holds a strict joiner
  between word characters or Latin letters glued to Han characters and ends without punctuation:
  an appended promotion line (``。鸿胜k8|必赢亚洲官网``).

``parsing.spam.detect.lexicon_spans`` grows the seeds over adjacent lexicon tokens (suffixes such as
``官网``, URLs) and accepts them.
"""

from __future__ import annotations

import bisect
import re

from parsing.spam.shadow import ZERO_WIDTH, Shadow

_ZW_CLASS = "".join(sorted(ZERO_WIDTH))
_ZW_RUN = re.compile(rf"(?:[^\s{_ZW_CLASS}][{_ZW_CLASS}]+){{3,}}[^\s{_ZW_CLASS}]?")
_WORD = r"[\u4e00-\u9fffa-z0-9]"
_UNIT_JOINERS = r"[,，、·_|¥丨~\-]"
# A unit repeated back to back. The lookahead (the unit's first character again within 13, the
# gap never a line break) holds at every place the pattern matches and fails fast at most others:
# the same matches in a third of the time (the pattern alone tries 11 unit lengths everywhere).
REPEAT = re.compile(
    rf"(?=(?P<first>{_WORD}){_WORD}[^\n]{{0,11}}?(?P=first))"
    rf"(?P<unit>{_WORD}{{2,12}}?)(?:{_UNIT_JOINERS}?(?P=unit))+"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_STRICT_JOINED = re.compile(r"[\u4e00-\u9fffa-z0-9][_|¥丨][\u4e00-\u9fffa-z0-9]")
_LATIN_GLUED = re.compile(
    r"[\u4e00-\u9fff][a-z]{2,}|[a-z]{2,}[\u4e00-\u9fff]|[\u4e00-\u9fff][a-z]\d"
)
_SENTENCE_END = frozenset("。！？；!?;")
_SENTENCE_END_RE = re.compile("[" + re.escape("".join(sorted(_SENTENCE_END))) + "]")
_MAX_TRAILING = 40
_REPORT_WORDS = ("人民政府", "信息公开", "年度报告", "政务公开", "办公室", "委员会")
_YEAR = re.compile(r"(?:19|20)\d{2}年")


Seed = tuple[int, int, str, bool]  # start, end, cue, strong (evidence on its own)


def structure_seeds(sh: Shadow) -> list[Seed]:
    """Seed intervals ``(start, end, cue, strong)`` on the shadow text (see module docstring)."""
    seeds = _zero_width_runs(sh)
    text = sh.text
    for m in REPEAT.finditer(text):
        unit = m.group("unit")
        has_latin = any("a" <= c <= "z" for c in unit)
        if any(c.isdigit() for c in unit) and not has_latin:
            continue  # 增77增77: two equal number cells run together, never a brand
        if _HAN.search(unit) and not unit.isdigit():
            copies = _copies(m.group(), unit)
            strong = copies >= 3 or any("a" <= c <= "z" for c in unit)
            seeds.append((m.start(), m.end(), "repeated_unit", strong))
    trailing = _trailing_chain(text)
    if trailing is not None:
        seeds.append((*trailing, "trailing_chain", True))
    return seeds


def _copies(run: str, unit: str) -> int:
    return run.count(unit)


def _zero_width_runs(sh: Shadow) -> list[Seed]:
    if not sh.zero_width:
        return []
    out: list[Seed] = []
    original = sh.original
    for m in _ZW_RUN.finditer(original):
        begin = m.start()
        if begin > 0 and (original[begin - 1].isalnum()):
            # glued to the text before it without a zero-width character: the first character
            # may be that text's last one (``办理\u200b澳\u200b门``), so start after it
            begin += 1
        s = bisect.bisect_left(sh.index, begin)
        e = bisect.bisect_left(sh.index, m.end())
        if e - s >= 3:
            out.append((s, e, "zero_width_run", True))
    return out


def _trailing_chain(text: str) -> tuple[int, int] | None:
    end = len(text.rstrip())
    if not end or not ("\u4e00" <= text[end - 1] <= "\u9fff" or text[end - 1].isalnum()):
        return None
    if _SENTENCE_END_RE.search(text, max(0, end - _MAX_TRAILING - 1), end) is None:
        return None  # the walk below would reach the start or pass the limit (most strings)
    start = end
    while start > 0 and text[start - 1] not in _SENTENCE_END:
        start -= 1
        if end - start > _MAX_TRAILING:
            return None
    if start == 0:
        return None  # the whole string: a heading or a short line, not an appended chain
    while start < end and text[start].isspace():
        start += 1
    run = text[start:end]
    if "@" in run or ".gov" in run:
        return None  # contact lines: e-mail addresses and official sites
    if any(word in run for word in _REPORT_WORDS) or _YEAR.search(run):
        return None  # the report's own title or a site name appended to it, not a promotion
    if _STRICT_JOINED.search(run) or _LATIN_GLUED.search(run):
        return start, end
    return None
