"""Span detectors on the shadow text (SPAM.md §4.2 L5/L6): signatures and repeated phrases
(exact), lexicon chains with allow-contexts and boundary growth, non-gov URLs, pinyin runs.

Every detector returns shadow spans; ``parsing.spam.textstrip`` maps them back to the original.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Final

from parsing.spam import lexicon as lx
from parsing.spam.latin import LATIN_BRANDS, URL_ANY_TLD, brand_words, url_score
from parsing.spam.shadow import ZERO_WIDTH as _ZW
from parsing.spam.shadow import Shadow
from parsing.spam.structure import (
    HAN,
    LATIN_GLUED,
    MAX_TRAILING,
    REPEAT,
    REPORT_WORDS,
    SENTENCE_END,
    SENTENCE_END_RE,
    STRICT_JOINED,
    UNIT_JOINERS,
    YEAR,
    ZW_RUN,
    Seed,
)

if TYPE_CHECKING:
    from mypy_extensions import i64  # a native integer in the compiled build, an int otherwise

_KIND_RANK = {"S": 5, "J": 4, "B": 3, "W": 2, "X": 1}
_CORE_KINDS = frozenset("SBJ")
_ASCII_RUN = re.compile(r"[a-z0-9][a-z0-9.\-/_]*")
_HAS_LETTER = re.compile(r"[a-z]")
URL_RE = re.compile(
    r"(?<![@a-z0-9.\-])(?:https?://)?(?:[a-z0-9][a-z0-9\-]{0,40}\.)+"
    r"(?:com|net|cc|vip|top|xyz|me|app|bet|tv|info|club|site|win|live|fun|io|org|co|hk|la|ws|biz"
    r"|pw|asia|shop|ltd)(?![a-z0-9\-])(?!\.[a-z])(?::\d+)?(?:/[a-z0-9._~%/?=&\-]*)?"
)
_SYLLABLE = r"[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)"  # after its opening parenthesis
# ``(?<=[\u4e00-\u9fff])(?:\(SYLLABLE)+`` written to start with its literal ``(``: the regex
# engine then jumps from one ``(`` to the next instead of trying the pattern at every position
_PINYIN_RE = re.compile(rf"\((?<=[\u4e00-\u9fff]\(){_SYLLABLE}(?:\({_SYLLABLE})*")
COLONS = frozenset(":：")
# Every brand word needs a letter when no brand is digits alone (``brand_word``: the patterns
# and suffixes all hold letters; a core left by stripping digits is then empty).
NO_DIGIT_BRANDS = not any(b.isdigit() for b in LATIN_BRANDS)
_UNIT_JOINER_SET = frozenset(UNIT_JOINERS)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexicon / URL hit on the shadow."""

    start: int
    end: int
    kind: str  # S strong, B brand, W weak, X suffix, J variant, U url
    term: str
    weight: int


@dataclass(slots=True)
class Span:
    """A candidate removal on the shadow."""

    start: int
    end: int
    detector: str
    score: int
    evidence: list[str] = field(default_factory=list)
    accepted: bool = True
    core: bool = True  # has brand/strong/variant/URL/joiner evidence, not only weak words


@cache
def term_table() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """First-character index of every lexicon term and each term's kind (S B W X J)."""
    kinds: dict[str, str] = {}
    for kind, terms in (
        ("X", lx.SUFFIX),
        ("W", lx.WEAK),
        ("B", lx.BRAND),
        ("J", frozenset(lx.VARIANTS)),
        ("S", lx.STRONG),
    ):
        for t in terms:
            if t not in kinds or _KIND_RANK[kind] > _KIND_RANK[kinds[t]]:
                kinds[t] = kind
    return _first_char_index(kinds), kinds


@cache
def strong_table() -> dict[str, tuple[str, ...]]:
    """First-character index of the strong (S) terms."""
    return _first_char_index(lx.STRONG)


@cache
def _allow_table() -> dict[str, tuple[str, ...]]:
    return _first_char_index(lx.ALLOW)


def _first_char_index(terms: Iterable[str]) -> dict[str, tuple[str, ...]]:
    by_first: dict[str, list[str]] = {}
    for t in terms:
        by_first.setdefault(t[0], []).append(t)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()}


_FIRST_RE: dict[int, tuple[dict[str, tuple[str, ...]], re.Pattern[str]]] = {}


def _index_pattern(by_first: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """Where a term of the index may start: a first character followed by a second character
    of some term, or the first character of a one-character term (compiled once per index
    object; a character class first, so the regex engine skips other characters itself)."""
    got = _FIRST_RE.get(id(by_first))
    if got is None or got[0] is not by_first:
        firsts = "".join(sorted(by_first))
        singles = "".join(sorted(c for c, terms in by_first.items() if min(map(len, terms)) == 1))
        seconds = "".join(sorted({t[1] for terms in by_first.values() for t in terms if t[1:]}))
        tests = [f"(?=[{re.escape(seconds)}])"] if seconds else []
        if singles:
            tests.append(f"(?<=[{re.escape(singles)}])")
        pattern = f"[{re.escape(firsts)}](?:{'|'.join(tests)})" if firsts else "(?!)"
        got = (by_first, re.compile(pattern))
        if len(_FIRST_RE) > 64:  # indexes built on the fly (tests): do not grow without end
            _FIRST_RE.clear()
        _FIRST_RE[id(by_first)] = got
    return got[1]


_FIRST_MAP: dict[int, tuple[dict[str, tuple[str, ...]], str]] = {}
# flags of a character in an index's table (``Final``: constants in native code)
_FIRST: Final = 1
_SECOND: Final = 2
_SINGLE: Final = 4


def _index_map(by_first: dict[str, tuple[str, ...]]) -> str:
    """Flags of every character below U+10000 for an index (``_FIRST``: some term starts with
    it, ``_SECOND``: some term has it second, ``_SINGLE``: it is a one-character term), read
    with ``ord`` in native code; built once per index object, like ``_index_pattern``."""
    got = _FIRST_MAP.get(id(by_first))
    if got is None or got[0] is not by_first:
        flags = bytearray(0x10000)
        for c, terms in by_first.items():
            if ord(c) < 0x10000:
                flags[ord(c)] |= _FIRST | (_SINGLE if min(map(len, terms)) == 1 else 0)
            for t in terms:
                if len(t) > 1 and ord(t[1]) < 0x10000:
                    flags[ord(t[1])] |= _SECOND
        got = (by_first, flags.decode("latin-1"))
        if len(_FIRST_MAP) > 64:  # indexes built on the fly (tests): do not grow without end
            _FIRST_MAP.clear()
        _FIRST_MAP[id(by_first)] = got
    return got[1]


def scan(text: str, by_first: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    """Every (position, term) occurrence of the indexed terms in ``text``.

    ``by_first`` (first character → terms, longest first) must not change after its first use:
    the table of its characters is kept per index object. A term may start where a first
    character is followed by a second character of some term, or where a one-character term
    stands: ``_index_pattern`` as a native scan (next to a character above U+10000, the
    pattern itself).
    """
    hits: list[tuple[int, str]] = []
    table = _index_map(by_first)
    n: i64 = len(text)
    i: i64 = 0
    while i < n:
        c: i64 = ord(text[i])
        c1: i64 = ord(text[i + 1]) if i + 1 < n else 0
        if c >= 0x10000 or c1 >= 0x10000:
            if _index_pattern(by_first).match(text, i) is None:
                i += 1
                continue
        else:
            f: i64 = ord(table[c])
            if not f & _FIRST or not (f & _SINGLE or (i + 1 < n and ord(table[c1]) & _SECOND)):
                i += 1
                continue
        for t in by_first[text[i]]:
            if text.startswith(t, i):
                hits.append((i, t))
        i += 1
    return hits


def allowed_mask(text: str, strong: Sequence[tuple[int, int]] = ()) -> bytearray:
    """1 at every position covered by an allow-context (place names, enforcement phrasing…).

    An allow occurrence that partially overlaps a strong hit is void: it is itself part of a
    spam chain (``皇冠体育中心大厅`` must not protect ``中心`` through ``体育中心``).
    """
    mask = bytearray(len(text))
    for i, t in scan(text, _allow_table()):
        a, b = i, i + len(t)
        if any(s < b and e > a and not (a <= s and e <= b) for s, e in strong):
            continue
        mask[a:b] = b"\x01" * (b - a)
    if lx.TARGETS.search(text) is None:
        return mask  # every enforcement phrase holds one of its target words
    for m in lx.ENFORCEMENT.finditer(text):
        g = "w" if m.group("w") else "w2"
        s, e = m.span(g)
        mask[s:e] = b"\x01" * (e - s)
    return mask


def url_tokens(sh: Shadow) -> list[Token]:
    """Non-gov URL-like strings of any TLD, scored (digit hosts, homoglyph hosts, full-width
    originals, betting brands in the host, spam TLDs glued to Han text: ``parsing.spam.latin``);
    Latin/pinyin betting brands outside URLs are strong tokens."""
    out: list[Token] = []
    if NO_DIGIT_BRANDS and not _HAS_LETTER.search(sh.text):
        # no ASCII letter: no TLD for a URL, and words of digits alone are no brand
        return out
    for s, e, word in brand_words(sh.text):
        out.append(Token(s, e, "S", word, 3))
    for m in URL_ANY_TLD.finditer(sh.text):
        url = m.group()
        extra = url_score(url, m.group("tld"), sh.text, m.start(), m.end())
        if extra is None:
            continue
        host = url.split("//", 1)[-1].split("/", 1)[0]
        score = 2 + extra
        if any(sum(c.isdigit() for c in part) >= 3 for part in host.split(".")[:-1]):
            score += 2
        if host.startswith(("wvvw.", "vvww.", "vvvvw.")):
            score += 3
        o_s, o_e = sh.span_to_original(m.start(), m.end())
        if any("\uff01" <= c <= "\uff5e" for c in sh.original[o_s:o_e]):
            score += 2
        out.append(Token(m.start(), m.end(), "U", url, score))
    return out


def lexicon_tokens(sh: Shadow, hits: list[tuple[int, str]] | None = None) -> list[Token]:
    """Lexicon hits not lying inside an allow-context (``hits``: ``scan`` of the shadow text
    with ``term_table``, when the caller has it)."""
    by_first, kinds = term_table()
    text = sh.text
    if hits is None:
        hits = scan(text, by_first)
    if not hits:
        return []
    strong = [(i, i + len(t)) for i, t in hits if kinds[t] == "S"]
    mask = allowed_mask(text, strong)
    out: list[Token] = []
    for i, t in hits:
        if all(mask[i : i + len(t)]):
            continue
        kind = kinds[t]
        out.append(Token(i, i + len(t), kind, t, lx.TERM_WEIGHT[t]))
    return out


def phrase_spans(text: str, phrases: Iterable[tuple[str, str]]) -> list[Span]:
    """Exact occurrences of (phrase, detector) pairs, each extended over one glued colon."""
    out: list[Span] = []
    for phrase, detector in phrases:
        if not phrase:
            continue
        i = text.find(phrase)
        while i >= 0:
            e = i + len(phrase)
            if e < len(text) and text[e] in COLONS:
                e += 1
            out.append(Span(i, e, detector, 10, [f"{detector}:{phrase}"]))
            i = text.find(phrase, e)
    return out


class _Grid:
    """Token lookups by start and end position for boundary growth."""

    def __init__(self, tokens: list[Token]) -> None:
        self.start_best: dict[int, Token] = {}
        self.best_weight: dict[int, Token] = {}
        self.end_brand: dict[int, Token] = {}
        self.end_any: dict[int, Token] = {}
        for t in tokens:
            cur = self.start_best.get(t.start)
            if cur is None or t.end > cur.end:
                self.start_best[t.start] = t
            cur = self.best_weight.get(t.start)
            if cur is None or (t.weight, t.end) > (cur.weight, cur.end):
                self.best_weight[t.start] = t
            cur = self.end_any.get(t.end)
            if cur is None or t.start < cur.start:
                self.end_any[t.end] = t
            if t.kind in "SBU":
                cur = self.end_brand.get(t.end)
                if cur is None or t.start < cur.start:
                    self.end_brand[t.end] = t

    def grow_right(self, text: str, e: int) -> int:
        n = len(text)
        while True:
            t = self.start_best.get(e)
            if t is not None:
                e = t.end
                continue
            if e < n and (text[e] in lx.STRONG_JOINERS or text[e] in lx.SOFT_JOINERS):
                t = self.start_best.get(e + 1)
                if t is not None:
                    e = t.end
                    continue
                if text[e] in COLONS:
                    m = _ASCII_RUN.match(text, e + 1)
                    if m and _HAS_LETTER.search(m.group()):
                        e = m.end()
                        continue
            m = _ASCII_RUN.match(text, e)
            if m and _HAS_LETTER.search(m.group()):
                e = m.end()
                continue
            break
        if e < n and text[e] in COLONS:
            e += 1
        return e

    def grow_left(self, text: str, s: int) -> int:
        while s > 0:
            t = self.end_brand.get(s)
            if t is not None:
                s = t.start
                continue
            ch = text[s - 1]
            if ch in lx.STRONG_JOINERS or ch in COLONS:
                t = self.end_any.get(s - 1)
                if t is not None and (ch not in COLONS or self._url_at(s)):
                    s = t.start
                    continue
            elif ch in lx.SOFT_JOINERS:
                t = self.end_brand.get(s - 1)
                if t is not None:
                    s = t.start
                    continue
            break
        return s

    def _url_at(self, s: int) -> bool:
        t = self.start_best.get(s)
        return t is not None and t.kind == "U"

    def score(self, sh: Shadow, s: int, e: int, in_cell: bool) -> Span:
        text = sh.text
        weight = 0
        kinds: set[str] = set()
        terms: list[str] = []
        joiner = False
        prev_tok = False
        strong_url = False
        pos = s
        while pos < e:
            t = self.best_weight.get(pos)
            if t is not None and t.end <= e:
                weight += t.weight
                kinds.add(t.kind)
                terms.append(t.term)
                strong_url |= t.kind == "U" and t.weight >= 4
                pos = t.end
                prev_tok = True
                continue
            if text[pos] in lx.STRONG_JOINERS and prev_tok and pos + 1 < e:
                joiner = True
            prev_tok = False
            pos += 1
        if "J" in kinds and len(terms) == 1:
            weight -= 2
            kinds.discard("J")
        evidence = [f"lex:{t}" for t in terms]
        if joiner:
            weight += 2
            evidence.append("joiner")
        o_s, o_e = sh.span_to_original(s, e)
        zw = sum(1 for c in sh.original[o_s:o_e] if c in _ZW)
        if zw:
            weight += 2
            evidence.append(f"zero_width={zw}")
        if in_cell:
            weight += 1
        core = bool(kinds & _CORE_KINDS) or strong_url or joiner
        accepted = ("S" in kinds and weight >= 3) or (weight >= 4 and core)
        detector = "url" if kinds == {"U"} else "lexicon"
        return Span(s, e, detector, weight, evidence, accepted, core)


def suffixes_only(hits: Sequence[tuple[int, str]], kinds: dict[str, str]) -> bool:
    """No lexicon hit but suffixes (``网站``, ``中心``, ``城`` of place names: a fifth of report
    paragraphs have one): with no URL token and no structural seed, ``lexicon_spans`` has no
    interval to start from (suffixes start none, they only extend others), whatever the allow
    mask keeps (``tests/parsing/spam/test_suffix_shortcut.py`` compares it with the loop)."""
    return all(kinds[term] == "X" for _, term in hits)


def structure_seeds(sh: Shadow) -> list[Seed]:
    """Seed intervals ``(start, end, cue, strong)`` on the shadow text (``parsing.spam.structure``
    describes the cues and holds their patterns)."""
    seeds = _zero_width_runs(sh)
    text = sh.text
    for m in repeat_matches(text):
        unit = m.group("unit")
        has_latin = any("a" <= c <= "z" for c in unit)
        if any(c.isdigit() for c in unit) and not has_latin:
            continue  # 增77增77: two equal number cells run together, never a brand
        if HAN.search(unit) and not unit.isdigit():
            copies = m.group().count(unit)
            strong = copies >= 3 or has_latin
            seeds.append((m.start(), m.end(), "repeated_unit", strong))
    trailing = _trailing_chain(text)
    if trailing is not None:
        seeds.append((trailing[0], trailing[1], "trailing_chain", True))
    return seeds


def repeat_matches(text: str) -> list[re.Match[str]]:
    """``list(REPEAT.finditer(text))``, the pattern run only where ``repeat_start`` finds that it
    matches (``tests/parsing/spam/test_repeat_scan.py`` compares the two)."""
    out: list[re.Match[str]] = []
    pos = repeat_start(text, 0)
    while pos >= 0:
        m = REPEAT.match(text, pos)
        if m is None:
            pos = repeat_start(text, pos + 1)
        else:
            out.append(m)
            pos = repeat_start(text, m.end())  # a match is never empty
    return out


def has_repeat(text: str) -> bool:
    """``REPEAT.search(text) is not None`` (run where ``repeat_start`` allows, as above)."""
    pos = repeat_start(text, 0)
    while pos >= 0:
        if REPEAT.match(text, pos) is not None:
            return True
        pos = repeat_start(text, pos + 1)
    return False


def repeat_start(text: str, pos: int) -> int:
    """The first index ``i >= pos`` where ``REPEAT`` matches, -1 when there is none.

    ``REPEAT`` matches at ``i`` exactly when a unit ``text[i:i + k]`` of 2 to 12 word characters
    is followed by an optional joiner and the unit again (its lookahead then holds: the unit's
    first character recurs ``d = k`` or ``k + 1`` places later, with no line break between).
    Native code: the pattern tries a dozen distances with a back-reference at every character;
    here the unit's first two characters must recur ``d = 2..13`` places later before anything
    else is compared.
    """
    n: i64 = len(text)
    i: i64 = pos
    while i + 3 < n:  # a pair at i + d (d >= 2) ends at i + d + 1 <= n - 1
        c0: i64 = ord(text[i])
        if not (0x4E00 <= c0 <= 0x9FFF or 0x61 <= c0 <= 0x7A or 0x30 <= c0 <= 0x39):
            i += 1
            continue
        c1: i64 = ord(text[i + 1])
        if not (0x4E00 <= c1 <= 0x9FFF or 0x61 <= c1 <= 0x7A or 0x30 <= c1 <= 0x39):
            i += 2  # text[i + 1] starts no unit either
            continue
        last: i64 = i + 13
        if last > n - 2:
            last = n - 2
        d: i64 = i + 2
        while d <= last:
            if ord(text[d]) == c0 and ord(text[d + 1]) == c1 and _unit_again(text, i, d - i):
                return i
            d += 1
        i += 1
    return -1


def _unit_again(text: str, i: i64, d: i64) -> bool:
    """A unit of ``d`` (or ``d - 1`` then a joiner) word characters at ``i`` recurs at ``i + d``
    (``text[i:i + 2]`` is known to recur there)."""
    n: i64 = len(text)
    k: i64 = d
    while k >= d - 1:
        if 2 <= k <= 12 and i + d + k <= n and (k == d or text[i + k] in _UNIT_JOINER_SET):
            t: i64 = 0
            while t < k:
                c: i64 = ord(text[i + t])
                if c != ord(text[i + d + t]) or not _word_code(c):
                    break
                t += 1
            if t == k:
                return True
        k -= 1
    return False


def _word_code(c: i64) -> bool:
    """``c`` is the code of a character of ``structure._WORD`` (Han, a-z, 0-9)."""
    return 0x4E00 <= c <= 0x9FFF or 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39


def _zero_width_runs(sh: Shadow) -> list[Seed]:
    if not sh.zero_width:
        return []
    out: list[Seed] = []
    original = sh.original
    for m in ZW_RUN.finditer(original):
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
    if SENTENCE_END_RE.search(text, max(0, end - MAX_TRAILING - 1), end) is None:
        return None  # the walk below would reach the start or pass the limit (most strings)
    start = end
    while start > 0 and text[start - 1] not in SENTENCE_END:
        start -= 1
        if end - start > MAX_TRAILING:
            return None
    if start == 0:
        return None  # the whole string: a heading or a short line, not an appended chain
    while start < end and text[start].isspace():
        start += 1
    run = text[start:end]
    if "@" in run or ".gov" in run:
        return None  # contact lines: e-mail addresses and official sites
    if any(word in run for word in REPORT_WORDS) or YEAR.search(run):
        return None  # the report's own title or a site name appended to it, not a promotion
    if STRICT_JOINED.search(run) or LATIN_GLUED.search(run):
        return start, end
    return None


def lexicon_spans(sh: Shadow, *, in_cell: bool = False) -> list[Span]:
    """Grown and scored lexicon/URL spans (accepted and rejected candidates).

    Structural seeds (``parsing.spam.structure``) grow like brand tokens and make the span they
    end up in accepted: they carry their own evidence.
    """
    by_first, kinds = term_table()
    hits = scan(sh.text, by_first)
    urls = url_tokens(sh)
    seeds = structure_seeds(sh)
    if not urls and not seeds and suffixes_only(hits, kinds):
        return []  # what the loop below gives: no interval to start from
    tokens = lexicon_tokens(sh, hits) + urls
    grid = _Grid(tokens)
    text = sh.text
    intervals: list[tuple[int, int]] = []
    for t in tokens:
        if t.kind == "X":
            continue
        intervals.append((grid.grow_left(text, t.start), grid.grow_right(text, t.end)))
    grown = [
        (grid.grow_left(text, s), grid.grow_right(text, e), cue, strong)
        for s, e, cue, strong in seeds
    ]
    intervals += [(s, e) for s, e, _, _ in grown]
    out: list[Span] = []
    for s, e in merge_intervals(intervals):
        span = grid.score(sh, s, e, in_cell)
        inside = [(cue, strong) for gs, ge, cue, strong in grown if s <= gs and ge <= e]
        cues = [cue for cue, _ in inside]
        lexical = any(ev.startswith("lex:") for ev in span.evidence)
        if inside and not any(strong for _, strong in inside) and not lexical:
            cues = []  # weak cues only, and no lexicon token in the grown span
        if cues:
            span.accepted = span.core = True
            span.score = max(span.score, 4)
            span.evidence += [f"structure:{c}" for c in cues]
        out.append(span)
    return out


def pinyin_spans(text: str) -> list[Span]:
    """Pinyin annotations after Han characters, when they form a run (≥ 3 in the text)."""
    if "(" not in text:  # every annotation opens one: most texts need no regex pass
        return []
    found = list(_PINYIN_RE.finditer(text))
    if len(found) < 3:
        return []
    return [Span(m.start(), m.end(), "pinyin", 5, ["pinyin_annotation"]) for m in found]


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping or touching intervals, sorted."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out
