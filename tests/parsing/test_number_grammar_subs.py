"""``_parse_number`` tries its two template substitutions only where they match; the grammar
is the same as substituting always (the old code, kept here as the reference)."""

from __future__ import annotations

import random

from parsing import numbers
from parsing.numbers import CellNumber, _parse_number


def _reference(text: str) -> CellNumber:
    """``_parse_number`` with both substitutions applied unconditionally."""
    real = numbers._UNIT_SPACE, numbers._SIGN_SPACE

    class Always:
        def __init__(self, pattern: object) -> None:
            self.pattern = pattern

        def search(self, s: str) -> bool:
            return True

        match = search

        def sub(self, repl: str, s: str) -> str:
            return self.pattern.sub(repl, s)  # type: ignore[attr-defined, no-any-return]

    try:
        numbers._UNIT_SPACE, numbers._SIGN_SPACE = Always(real[0]), Always(real[1])  # type: ignore[assignment]
        return _parse_number(text)
    finally:
        numbers._UNIT_SPACE, numbers._SIGN_SPACE = real


def test_substitutions_where_they_match_give_the_grammar() -> None:
    rng = random.Random(3)
    pool = ["增", "增加", "减", "減少", "+", "-", "−", " ", "  ", "1", "0", "7", ",", ".", "万元"]
    pool += ["元", "件", "项", "无", "—", "(", ")", "（", "）", "。", "a", "亿元", "份"]
    fixed = ["增 16", "7540.77 万元", "减 3件", "- 5", "1 038", "增77", "—", "(0)", "5 6", ""]
    texts = fixed + [
        "".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(20000)
    ]
    changed = 0
    for text in texts:
        assert _parse_number(text) == _reference(text), text
        changed += bool(numbers._UNIT_SPACE.search(text) or numbers._SIGN_SPACE.match(text))
    assert changed > 200  # the substitutions did change many of them
