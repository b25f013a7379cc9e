"""``detect._PINYIN_RE`` (written to start with its literal parenthesis) finds exactly what the
pattern it replaces found, on report prose, fixture pages and random annotated texts."""

from __future__ import annotations

import random
import re
from pathlib import Path

from parsing.spam import detect
from parsing.spam.shadow import shadow_text
from tests.parsing.spam.spam_corpus import CLEAN_SENTENCES
from tests.parsing.spam.test_inert import _texts

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_REFERENCE = re.compile(r"(?<=[\u4e00-\u9fff])(?:\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\))+")


def _random(rng: random.Random) -> str:
    pieces = [
        "政",
        "府",
        "信",
        "a",
        "1",
        "(",
        ")",
        "（",
        "）",
        " ",
        "。",
        "ā",
        "ǚ",
        "è",
        "zh",
        "ng",
    ]
    pieces += ["(" + "".join(rng.choice("abnghāǚè") for _ in range(k)) + ")" for k in (0, 1, 6, 7)]
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25)))


def test_pinyin_pattern_equals_the_reference() -> None:
    rng = random.Random(3)
    texts = list(CLEAN_SENTENCES) + _texts(rng, 1500) + [_random(rng) for _ in range(8000)]
    for page in sorted(_FIXTURES.glob("reports/*/input.*")):
        texts += page.read_bytes().decode("utf-8", "replace").splitlines()
    found = 0
    for text in texts:
        for t in (text, shadow_text(text)):
            want = [m.span() for m in _REFERENCE.finditer(t)]
            assert [m.span() for m in detect._PINYIN_RE.finditer(t)] == want, t
            found += bool(want)
    assert found > 1000
