"""Exact early rejects: texts on which no detector can act (most labels, units and prose).

Each test below is a necessary condition of some detector finding anything, checked on the
shadow text. The shadow is built character by character (``shadow.make_shadow``), so the shadow
of any part of a text is a part of the text's shadow: a condition that fails on the whole text
fails on every part of it too (``parsing.spam.glued`` tries parts of a cell). Tests compare the
full path with these shortcuts on many realistic and random strings
(``tests/parsing/spam/test_inert.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsing.spam import lexicon as lx
from parsing.spam.detect import NO_DIGIT_BRANDS, has_repeat, pinyin_spans, scan, term_table
from parsing.spam.glued import PROMO
from parsing.spam.shadow import ZERO_WIDTH

_ZW_RE = re.compile("[" + "".join(sorted(ZERO_WIDTH)) + "]")
# ASCII letters (URLs, Latin brands, Latin glued to Han) and the strict joiners of the
# structural cues (``_STRICT_JOINED``, glued ``_MARKS``)
_LETTER_OR_MARK = re.compile(r"[a-z_|¥丨·]")
_STRONG_JOINER = re.compile("[" + re.escape("".join(sorted(lx.STRONG_JOINERS))) + "]")


def inert_cell(original: str, shadow: str, phrases: Sequence[str]) -> bool:
    """True when ``strip_cell(original, location, [(p, det) for p in phrases])`` can only return
    the cell unchanged (no span detector and no glued-run test finds anything in it or in any
    part of it). ``shadow`` is ``shadow_text(original)``."""
    if not NO_DIGIT_BRANDS or _LETTER_OR_MARK.search(shadow) or _ZW_RE.search(original):
        return False  # URLs, brand words, Latin cues, strict joiners, zero-width runs
    if has_repeat(shadow) or pinyin_spans(shadow):
        return False  # a repeated unit (structural seed), pinyin annotations
    if any(p and p in shadow for p in phrases):
        return False
    by_first, kinds = term_table()
    hits = scan(shadow, by_first)
    if not hits:
        return True
    # weak words and suffixes alone are never accepted nor evidence of a glued run, unless a
    # strict joiner makes their span "core" (``平台/中心``)
    for _, term in hits:
        if kinds[term] in "SBJ" or term in PROMO:
            return False
    return _STRONG_JOINER.search(shadow) is None
