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

The cues' patterns are defined here; ``parsing.spam.detect.structure_seeds`` applies them (it
runs on every new text, so it lives with the compiled detectors) and
``parsing.spam.detect.lexicon_spans`` grows the seeds over adjacent lexicon tokens (suffixes such as
``官网``, URLs) and accepts them.
"""

from __future__ import annotations

import re

from parsing.spam.shadow import ZERO_WIDTH

_ZW_CLASS = "".join(sorted(ZERO_WIDTH))
ZW_RUN = re.compile(rf"(?:[^\s{_ZW_CLASS}][{_ZW_CLASS}]+){{3,}}[^\s{_ZW_CLASS}]?")
_WORD = r"[\u4e00-\u9fffa-z0-9]"
UNIT_JOINERS = ",，、·_|¥丨~-"  # optional between two copies of a unit
_UNIT_JOINERS = "[" + re.escape(UNIT_JOINERS) + "]"
# A unit repeated back to back. The lookahead (the unit's first character again within 13, the
# gap never a line break) holds at every place the pattern matches and fails fast at most others:
# the same matches in a third of the time (the pattern alone tries 11 unit lengths everywhere).
REPEAT = re.compile(
    rf"(?=(?P<first>{_WORD}){_WORD}[^\n]{{0,11}}?(?P=first))"
    rf"(?P<unit>{_WORD}{{2,12}}?)(?:{_UNIT_JOINERS}?(?P=unit))+"
)
HAN = re.compile(r"[\u4e00-\u9fff]")
STRICT_JOINED = re.compile(r"[\u4e00-\u9fffa-z0-9][_|¥丨][\u4e00-\u9fffa-z0-9]")
LATIN_GLUED = re.compile(
    r"[\u4e00-\u9fff][a-z]{2,}|[a-z]{2,}[\u4e00-\u9fff]|[\u4e00-\u9fff][a-z]\d"
)
SENTENCE_END = frozenset("。！？；!?;")
SENTENCE_END_RE = re.compile("[" + re.escape("".join(sorted(SENTENCE_END))) + "]")
MAX_TRAILING = 40
REPORT_WORDS = ("人民政府", "信息公开", "年度报告", "政务公开", "办公室", "委员会")
YEAR = re.compile(r"(?:19|20)\d{2}年")


Seed = tuple[int, int, str, bool]  # start, end, cue, strong (evidence on its own)
