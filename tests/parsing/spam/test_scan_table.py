"""``detect.scan`` (a native scan with a table of each index's characters) finds what the
pattern scan it replaces found (``_index_pattern`` over the whole text), for the lexicon's
indexes and for indexes with one-character terms and characters above U+10000, on report
prose, fixture pages and random texts."""

from __future__ import annotations

import random
from pathlib import Path

from parsing.spam import detect
from parsing.spam import lexicon as lx
from parsing.spam.detect import scan, strong_table, term_table
from parsing.spam.shadow import shadow_text
from tests.parsing.spam.spam_corpus import CLEAN_SENTENCES
from tests.parsing.spam.test_inert import _texts

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_ODD_INDEX = detect._first_char_index(
    ["城", "官网", "a", "ab", "b\U0001f600", "\U0001f600x", "\U0001f600", "x", "政府", "府"]
)


def _reference(text: str, by_first: dict[str, tuple[str, ...]]) -> list[tuple[int, str]]:
    hits: list[tuple[int, str]] = []
    for m in detect._index_pattern(by_first).finditer(text):
        i = m.start()
        for t in by_first[m.group()]:
            if text.startswith(t, i):
                hits.append((i, t))
    return hits


def _random(rng: random.Random, terms: list[str]) -> str:
    pool = terms + list("政府城官网abx\U0001f600\U00020000，。 ") + list(CLEAN_SENTENCES[:5])
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))


def test_scan_equals_the_pattern_scan() -> None:
    rng = random.Random(13)
    indexes = [term_table()[0], strong_table(), detect._allow_table(), _ODD_INDEX]
    terms = sorted({t for index in indexes for ts in index.values() for t in ts})
    texts = list(CLEAN_SENTENCES) + _texts(rng, 1500) + [_random(rng, terms) for _ in range(6000)]
    for page in sorted(_FIXTURES.glob("reports/*/input.*")):
        texts += page.read_bytes().decode("utf-8", "replace").splitlines()
    found = 0
    for text in texts:
        for t in (text, shadow_text(text)):
            for index in indexes:
                want = _reference(t, index)
                assert scan(t, index) == want, (t, list(index)[:5])
                found += bool(want)
    assert found > 5000


def test_a_one_character_term_at_the_end_and_lone_firsts() -> None:
    for text in ("城", "a", "官", "x\U0001f600", "\U0001f600", "b\U0001f600", "政府", "府"):
        assert scan(text, _ODD_INDEX) == _reference(text, _ODD_INDEX), text
    assert scan("娱乐城", term_table()[0]) == _reference("娱乐城", term_table()[0])
    assert lx.SUFFIX  # 城 is a one-character suffix: the single-term branch is exercised
