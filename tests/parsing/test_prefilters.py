"""Cheap rejects in front of the section and legacy-header readers give what the full path gives."""

from __future__ import annotations

import random
import re
import sys
import unicodedata

from parsing.interpret import legacy, sections
from parsing.normalize import _T2S, match_key


def _changed_by_key() -> list[str]:
    """Every character ``match_key`` does not keep as it is (the others hold only themselves)."""
    return [
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if not "\ud800" <= c <= "\udfff"
        and (ord(c) in _T2S or not unicodedata.is_normalized("NFKC", c) or c.isspace())
    ]


def test_label_head_chars() -> None:
    firsts = {h[0] for h in legacy._LABEL_HEAD}
    want = firsts | {c for c in _changed_by_key() if firsts & set(match_key(c))}
    pattern = legacy.LABEL_HEAD_CHARS.pattern
    assert set(pattern[1:-1]) == want


def _heading_reference(text: str) -> str | None:
    """``heading_of`` before its first-character reject."""
    key = match_key(text)
    if len(key) > 40:
        return None
    m = re.match(r"^([一二三四五六])[、.．,，]", key)
    if not m:
        return None
    name = sections._NAMES[sections._ORDINALS[m.group(1)] - 1]
    if any(k in key for k in sections.SECTION_KEYS[name]):
        return name
    for other, keys in sections.SECTION_KEYS.items():
        if any(k in key for k in keys) and other in ("problems", "other"):
            return other
    return None


def test_heading_reject_is_exact() -> None:
    rng = random.Random(5)
    pieces = [
        *" \u3000\u00a0\u2003\x1c\u200b\ufeff\t",
        *"一二三四五六七⼀㈠㊀六",
        *"、.．,，（(",
        *"总体情况主动公开依申请复议诉讼问题不足改进其他需要报告的事项年度报告",
        *"ab1Z：《【①Ⅳ",
    ]
    words = ["总体情况", "主动公开", "依申请公开", "行政复议", "存在的问题", "其他需要报告"]
    for _ in range(30000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(0, 8))]
        if rng.random() < 0.5:
            parts.insert(rng.randint(0, len(parts)), rng.choice(words))
        text = "".join(parts)
        assert sections.heading_of(text) == _heading_reference(text), repr(text)
