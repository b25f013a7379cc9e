"""Stripping spam out of prose never glues two numbers into one (``0<spam>2020`` is not 02020).

Found by the long fuzz run (``tests/reliability/test_fuzz.py``, ``strip_keeps_numbers``): the
repeat detector removed ``信息内容信息内容信息内容`` between ``0`` and ``2020``. Table cells are not
concerned: a cell whose digits a removal would join is quarantined (``spam_inside_number``)."""

from __future__ import annotations

import random
import re

import pytest

from parsing.spam import strip_text

_SPAM = ("澳门金沙游戏", "信息内容信息内容信息内容", "澳门特区赌场_澳门金沙游戏¥中心大厅")
_URL = "www.am8899.com"  # a URL token may take digits glued to it along: removed, never joined
_PROSE = (
    "模糊县人民政府认真贯彻落实政府信息公开工作要求，主动公开政府信息，依法办理依申请公开事项。"
)


@pytest.mark.parametrize("spam", _SPAM)
def test_spam_between_two_numbers_leaves_them_apart(spam: str) -> None:
    text = f"本年共受理申请12{spam}3件，{_PROSE}"
    res = strip_text(text, location="text:0")
    assert res.removals, "the case must be stripped for the test to mean anything"
    assert spam not in res.text
    assert re.findall(r"\d+", res.text) == ["12", "3"]
    assert "12 3件" in res.text


def test_spam_next_to_one_number_only_is_removed_without_a_space() -> None:
    res = strip_text(f"共受理申请12件澳门金沙游戏，{_PROSE}", location="text:0")
    assert res.text.startswith("共受理申请12件，")


def test_random_numbers_around_spam_make_no_new_number() -> None:
    """Each number left is one the source printed (spam may take a glued number along)."""
    rng = random.Random(5)
    for _ in range(400):
        pieces = []
        for _ in range(rng.randint(1, 4)):
            pieces.append(str(rng.randint(0, 99999)))
            pieces.append(rng.choice([*_SPAM, _URL, "件，", "年"]))
        text = "".join(pieces) + _PROSE
        res = strip_text(text, location="text:0")
        printed = set(re.findall(r"\d+", text))
        assert set(re.findall(r"\d+", res.text)) <= printed, text
