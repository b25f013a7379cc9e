from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsing.numbers import parse_cell_number, unit_from_header


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("1,038", 1038, None),
        ("增77", 77, None),
        ("减3", -3, None),
        ("減3", -3, None),
        ("+5", 5, None),
        ("-2", -2, None),
        ("7540.77万元", 7540.77, "万元"),
        ("０", 0, None),
        ("１２", 12, None),
        (" 12 ", 12, None),
        ("增 16", 16, None),
    ],
)
def test_numbers_in_the_wild(text, value, unit):
    n = parse_cell_number(text)
    assert n.ok
    assert n.value == pytest.approx(value)
    assert n.unit == unit


@pytest.mark.parametrize("text", ["", "—", "/", "-", "——", "\u00a0", "无"])
def test_empty_markers_are_null_not_zero(text):
    n = parse_cell_number(text)
    assert n.ok
    assert n.value is None


@pytest.mark.parametrize("text", ["12a", "1.属于国家秘密", "abc", "十二", "1O"])
def test_not_numbers(text):
    assert not parse_cell_number(text).ok


def test_unit_from_header():
    assert unit_from_header("本年收费金额（单位：万元）") == "万元"
    assert unit_from_header("采购总金额(万元)") == "万元"
    assert unit_from_header("采购总金额") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_number_normaliser_never_raises(text):
    n = parse_cell_number(text)
    assert n.ok in (True, False)


def _grammar(text: str):
    from parsing.normalize import nfkc
    from parsing.numbers import _parse_number

    return _parse_number(nfkc(text))


def _same(text: str) -> None:
    fast, full = parse_cell_number.__wrapped__(text), _grammar(text)
    assert (fast, fast.unit, type(fast.value)) == (full, full.unit, type(full.value)), text


def test_fast_paths_match_the_grammar_on_many_cells():
    """ASCII digits, ASCII text and cells with a non-number ideograph skip NFKC or the grammar:
    the result is the grammar's on NFKC text (1M random strings checked when written)."""
    import random

    from parsing.numbers import _NUMBER_IDEOGRAPHS

    rng = random.Random(15)
    alphabet = list("0123456789０１２３,.，． 　\u00a0\t()（）。;；+-−—–/／\\…零〇nNaAlO")
    alphabet += list(_NUMBER_IDEOGRAPHS) + list("予以公开总计其他一二十属国家秘密")
    alphabet += ["\u200b", "\ufeff", "²", "①", "㈠", "⼀", "\uf900", "亿元", "万元"]
    for _ in range(4000):
        k = rng.randint(0, 8)
        _same("".join(rng.choice(alphabet) for _ in range(k)))
        _same("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30))))
        _same("".join(chr(rng.randint(0x20, 0x9FFF)) for _ in range(k)))
        _same(
            rng.choice(["增", "减", "+", "", "("])
            + str(rng.randint(0, 10**9))
            + rng.choice(["", "万元", ".5", "）", "。"])
        )


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_paths_match_the_grammar(text):
    _same(text)


def test_unit_from_header_prefilter_matches_the_unit_loop():
    """One search for any unit first: the answer is still the first unit, in order, printed."""
    import random
    import re

    from parsing.normalize import nfkc
    from parsing.numbers import _UNITS

    def reference(text: str) -> str | None:
        s = nfkc(text)
        for unit in _UNITS:
            if re.search(rf"[(（:：]\s*(?:单位[:：]?\s*)?{unit}\s*[)）]?", s):
                return unit
        return None

    rng = random.Random(2)
    parts = ["采购", "总金额", "(", "（", ")", "）", ":", "：", " ", "单位", "万元", "亿元", "元"]
    parts += ["件", "项", "个", "条", "次", "宗", "份", "收费", "金额", "新公开"]
    for _ in range(5000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 7)))
        assert unit_from_header.__wrapped__(text) == reference(text), text
