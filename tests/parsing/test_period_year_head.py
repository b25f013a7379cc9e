"""``period_year`` reads the body up to the sentence of its first 统 before the whole: the same
year as ``_PERIOD`` on the whole normalised body, on seeded random bodies, and the two facts
it rests on checked for every character (NFKC and the Chinese-numeral years split at a 。)."""

from __future__ import annotations

import random

from parsing import metadata
from parsing.normalize import nfkc


def _reference(text: str) -> int | None:
    m = metadata._PERIOD.search(metadata._year_text(text))
    return int(m.group(1)) if m else None


_PIECES = [
    "统计期限",
    "统计时间",
    "数据的统计期限",
    "本报告中所列",
    "统",
    "計",
    "統計期限",
    "自",
    "从",
    "为",
    "2021",
    "２０２２",
    "二〇二一",
    "二零二三",
    "〇",
    "年",
    "1",
    "１",
    "月",
    "日",
    "起",
    "至",
    "12月31日止",
    "。",
    "｡",
    "\n",
    " ",
    "\u3000",
    "\u00a0",
    "\u200b",
    "\u0301",
    "\u0308",
    "e",
    "\u1100",
    "\u1161",
    "\uf900",
    "㈠",
    "，",
    "、",
    "本机关",
    "政府信息公开",
]


def _random_body(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60)))


def test_period_year_head_is_exact_on_random_bodies() -> None:
    rng = random.Random(71)
    for _ in range(20000):
        text = _random_body(rng)
        metadata._year_text.cache_clear()
        assert metadata.period_year(text) == _reference(text), text


def test_period_year_head_is_exact_on_template_sentences() -> None:
    rng = random.Random(72)
    sentences = [
        "本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
        "本年度报告中统计时间为{y}年 1 月 1 日至12月31日。",
        "统计期限：{y}年１月１日至{y}年12月31日",
        "统计期间自二〇二一年1月1日起。",
        "统筹推进政务公开。数据统计期限自{y}年1月1日起。",
        "统一。统计期限自{y}年\u200b1月1日起。",
        "统计期限，自{y}年1月1日起，至12月31日止。",
        "统计时间为{y}年\n1月1日至12月31日。",
        "统计期限自二〇二一\n年1月1日起。",
        "统计期限\u3000{y}\u3000年1月1日。",
    ]
    for _ in range(3000):
        y = rng.choice(["2019", "2021", "2022", "２０２３"])
        parts = [rng.choice(sentences).format(y=y) for _ in range(rng.randint(1, 3))]
        text = rng.choice(["", "一、总体情况\n", "统一部署。"]) + "".join(parts)
        metadata._year_text.cache_clear()
        assert metadata.period_year(text) == _reference(text), text


def test_normalisation_splits_at_the_full_stop() -> None:
    """No character composes, decomposes or reorders across a 。, and no Chinese-numeral year
    (four numerals, spaces, 年) crosses one: the head normalises as the start of the whole."""
    for code in range(0x110000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert nfkc(c + "。") == nfkc(c) + "。", hex(code)
        assert nfkc("。" + c) == "。" + nfkc(c), hex(code)
    rng = random.Random(73)
    for _ in range(20000):
        left, right = _random_body(rng), _random_body(rng)
        whole = left + "。" + right
        assert nfkc(whole) == nfkc(left + "。") + nfkc(right), whole
        head = metadata.arabic_years(nfkc(left + "。"))
        assert metadata.arabic_years(nfkc(whole)) == head + metadata.arabic_years(nfkc(right))
