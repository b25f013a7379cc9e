"""``detect.repeat_matches`` / ``has_repeat`` (``REPEAT`` tried only where ``repeat_start``
allows) and ``detect.structure_seeds`` agree with the full path: ``REPEAT.finditer`` over the
whole text and the seed function as it was before the scan (kept below as the reference), on
report prose, fixture pages, spam corpora and random texts built to hold repeats at every
distance the pattern allows (units of 2 to 12 characters, with and without a joiner)."""

from __future__ import annotations

import bisect
import random
from pathlib import Path

from parsing.blocks import Table
from parsing.spam.detect import has_repeat, repeat_matches, repeat_start, structure_seeds
from parsing.spam.shadow import Shadow, make_shadow
from parsing.spam.structure import (
    HAN,
    LATIN_GLUED,
    MAX_TRAILING,
    REPEAT,
    REPORT_WORDS,
    SENTENCE_END,
    SENTENCE_END_RE,
    STRICT_JOINED,
    YEAR,
    ZW_RUN,
    Seed,
)
from tests.parsing.spam.spam_corpus import CLEAN_SENTENCES, generate
from tests.parsing.spam.test_inert import _texts

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _reference_seeds(sh: Shadow) -> list[Seed]:
    """``structure_seeds`` as it was (``REPEAT.finditer`` over the whole text)."""
    seeds: list[Seed] = []
    if sh.zero_width:
        original = sh.original
        for m in ZW_RUN.finditer(original):
            begin = m.start()
            if begin > 0 and (original[begin - 1].isalnum()):
                begin += 1
            s = bisect.bisect_left(sh.index, begin)
            e = bisect.bisect_left(sh.index, m.end())
            if e - s >= 3:
                seeds.append((s, e, "zero_width_run", True))
    text = sh.text
    for m in REPEAT.finditer(text):
        unit = m.group("unit")
        has_latin = any("a" <= c <= "z" for c in unit)
        if any(c.isdigit() for c in unit) and not has_latin:
            continue
        if HAN.search(unit) and not unit.isdigit():
            copies = m.group().count(unit)
            strong = copies >= 3 or any("a" <= c <= "z" for c in unit)
            seeds.append((m.start(), m.end(), "repeated_unit", strong))
    trailing = _reference_trailing(text)
    if trailing is not None:
        seeds.append((*trailing, "trailing_chain", True))
    return seeds


def _reference_trailing(text: str) -> tuple[int, int] | None:
    end = len(text.rstrip())
    if not end or not ("\u4e00" <= text[end - 1] <= "\u9fff" or text[end - 1].isalnum()):
        return None
    if SENTENCE_END_RE.search(text, max(0, end - MAX_TRAILING - 1), end) is None:
        return None
    start = end
    while start > 0 and text[start - 1] not in SENTENCE_END:
        start -= 1
        if end - start > MAX_TRAILING:
            return None
    if start == 0:
        return None
    while start < end and text[start].isspace():
        start += 1
    run = text[start:end]
    if "@" in run or ".gov" in run:
        return None
    if any(word in run for word in REPORT_WORDS) or YEAR.search(run):
        return None
    if STRICT_JOINED.search(run) or LATIN_GLUED.search(run):
        return start, end
    return None


_HAN_POOL = "政府信息公开年度报告鸿胜国际鑫盈尊御电竞永盈会官网澳门金沙人民县市的了和"
_JOINERS = ",，、·_|¥丨~-"
_OTHER = " \n。：:（）()/$ab1２Ｂ\u200b"


def _unit(rng: random.Random, k: int) -> str:
    pool = rng.choice([_HAN_POOL, "abcxyz0189", _HAN_POOL + "ab12", _HAN_POOL[:4]])
    return "".join(rng.choice(pool) for _ in range(k))


def _random_text(rng: random.Random) -> str:
    """Noise and repeated units of every length the pattern allows (2..12, one more and one
    fewer), with a joiner, a line break or another character between the copies."""
    parts: list[str] = []
    for _ in range(rng.randrange(1, 6)):
        kind = rng.randrange(6)
        if kind == 0:
            parts.append("".join(rng.choice(_HAN_POOL + _OTHER) for _ in range(rng.randrange(20))))
        elif kind == 1:
            s = rng.choice(CLEAN_SENTENCES)
            parts.append(s[rng.randrange(len(s)) :])
        else:
            unit = _unit(rng, rng.randrange(1, 14))
            gap = rng.choice(["", "", rng.choice(_JOINERS), rng.choice(_OTHER), "\n"])
            copies = rng.randrange(2, 4)
            parts.append(gap.join([unit] * copies) if kind != 5 else unit + gap + unit[:-1])
    return "".join(parts)


def _corpus() -> list[str]:
    rng = random.Random(31)
    out = list(CLEAN_SENTENCES) + _texts(rng, 1500)
    out += [_random_text(rng) for _ in range(6000)]
    for rep in generate(30, seed=5):
        for b in rep.doc.blocks:
            if isinstance(b, Table):
                out += [cell.text for row in b.rows for cell in row]
            else:
                out.append(b.text)
    for page in sorted(_FIXTURES.glob("reports/*/input.*")):
        out += page.read_bytes().decode("utf-8", "replace").splitlines()
    return out


def test_repeat_matches_equal_finditer() -> None:
    found = 0
    for original in _corpus():
        text = make_shadow(original).text
        want = [(m.span(), m.group(), m.group("unit")) for m in REPEAT.finditer(text)]
        got = [(m.span(), m.group(), m.group("unit")) for m in repeat_matches(text)]
        assert got == want, text
        assert has_repeat(text) == bool(want), text
        found += bool(want)
    assert found > 1500  # the corpus holds many repeats (units of every allowed length)


def test_every_unit_length_and_gap_at_the_edges() -> None:
    """Repeats at the distances the scan bounds (2 and 13), at both ends of the text."""
    for k in range(1, 14):
        for gap in ("", "_", "，", "\n", "。"):
            unit = "鸿胜国际鑫盈尊御电竞永盈会官"[:k]
            for text in (unit + gap + unit, "。" + unit + gap + unit, unit + gap + unit + "。"):
                want = [m.span() for m in REPEAT.finditer(text)]
                assert [m.span() for m in repeat_matches(text)] == want, text
                if want:
                    assert repeat_start(text, 0) <= want[0][0]


def test_structure_seeds_equal_the_reference() -> None:
    seeded = 0
    for original in _corpus():
        sh = make_shadow(original)
        want = _reference_seeds(sh)
        assert structure_seeds(sh) == want, original
        seeded += bool(want)
    assert seeded > 800


def test_repeat_start_is_where_the_pattern_matches() -> None:
    """The scan returns the first index at which ``REPEAT.match`` succeeds (brute force)."""
    rng = random.Random(7)
    hits = 0
    for _ in range(3000):
        text = _random_text(rng)
        for pos in (0, rng.randrange(len(text) + 1)):
            want = next((i for i in range(pos, len(text)) if REPEAT.match(text, i)), -1)
            assert repeat_start(text, pos) == want, (text, pos)
            hits += want >= 0
    assert hits > 1000
