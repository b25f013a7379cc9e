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
