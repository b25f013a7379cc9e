"""Spam glued to a table cell's number or template label, found by the cell's structure (L4).

A template cell holds a number or a canonical label. When a cell is a core of that kind with a
run of other text glued to one end, the run is spam if it carries evidence that needs no brand
list: a lexicon brand/strong/variant term, a URL, a promotion suffix (``官网``, ``网址``,
``登录入口`` …), a structural cue (``parsing.spam.structure``), a strict joiner or Latin
letters glued to Han characters. Plain words (``平台``, ``中心``) and punctuation
(``（含网上办理）``) are not evidence: reworded labels keep them.
"""

from __future__ import annotations

import re
import unicodedata

from parsing.spam.detect import lexicon_tokens, structure_seeds, url_tokens
from parsing.spam.shadow import make_shadow
from parsing.spam.template_labels import is_canonical_label, label_ends

PROMO = frozenset(
    {"官网", "官方网站", "网址", "入口", "app", "客户端", "手机版", "网页版", "开户", "导航"}
)
_MARKS = re.compile(
    r"[\u4e00-\u9fffa-z0-9][_|¥丨·][\u4e00-\u9fffa-z0-9]|[\u4e00-\u9fff][a-z]{2,}|[a-z]{2,}[\u4e00-\u9fff]"
)
_NUMERIC_CORE = re.compile(
    r"^[+\-]?(?:增|减)?\s*[+\-]?\d[\d,]*(?:\.\d+)?\s*(?:万元|元|%|件|条|个|项|人次|次|人)?"
)
_MAX_CELL = 80


def fragment_evidence(fragment: str) -> bool:
    """True when a short glued run carries spam evidence (see module docstring)."""
    sh = make_shadow(fragment)
    if sh.zero_width or url_tokens(sh) or structure_seeds(sh) or _MARKS.search(sh.text):
        return True
    return any(t.kind in "SBJ" or t.term in PROMO for t in lexicon_tokens(sh))


def split_glued(text: str) -> tuple[int, int] | None:
    """``(start, end)`` of the glued spam run of a cell, or None (see module docstring)."""
    if not text or len(text) > _MAX_CELL:
        return None
    norm = unicodedata.normalize("NFKC", text)
    if is_canonical_label(text) or _NUMERIC_CORE.fullmatch(norm.strip()):
        return None
    if len(norm) != len(text):
        return None  # offsets would not map back one to one; leave it to the span detectors
    for start, end in _candidates(text, norm):
        run = text[start:end]
        if run.strip() and fragment_evidence(run):
            return start, end
    return None


def _candidates(text: str, norm: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    m = _NUMERIC_CORE.match(norm)
    if m and m.end() < len(norm):
        out.append((m.end(), len(text)))
    ends = label_ends()
    for k in range(len(text) - 1, 0, -1):  # longest label core first
        last = text[k - 1]
        if "\u4e00" <= last <= "\u9fff" and last not in ends:
            continue  # ``is_canonical_label``'s own first test, without the call
        if is_canonical_label(text[:k]):
            out.append((k, len(text)))
            break
    if not _core_may_end(norm):
        return out
    for k in range(1, len(text)):  # spam before the core: the longest core first
        core = norm[k:]
        if _NUMERIC_CORE.fullmatch(core.strip()) or is_canonical_label(core):
            out.append((0, k))
            break
    return out


# Last characters a numeric core may end with (a digit, or the last character of a unit).
_NUMERIC_ENDS = frozenset("元%件条个项次人")


def _core_may_end(norm: str) -> bool:
    """False when no suffix of ``norm`` can be a numeric core or a label: every suffix ends
    where ``norm`` ends, and a CJK ideograph there that ends no unit nor label rules all out."""
    end = norm.rstrip()
    if not end:
        return False  # every suffix strips to nothing: neither a number nor a label
    last = end[-1]
    if not "\u4e00" <= last <= "\u9fff":
        return True
    return last in _NUMERIC_ENDS or last in label_ends()
