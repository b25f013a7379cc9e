"""The table reader's shortcuts give what the plain algorithm gives, on many random rows and texts.

Each reference below is the straightforward version the reader used before (kept here as the
specification): a row split that builds a ``Source`` per value cell, a cell classification that
runs the whole number grammar, a keyword scan row by row of ``APPLICATION_ROWS``.
"""

from __future__ import annotations

import random
import re

from parsing.blocks import Cell
from parsing.interpret.tables import (
    _BLANK,
    _LABEL,
    _NUMBER,
    _OTHER,
    Source,
    _cell_kind,
    _split_row,
)
from parsing.labels import APPLICATION_ROWS, GROUP_KEYS, _label_facts
from parsing.normalize import match_key, nfkc
from parsing.numbers import _parse_number

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TEXTS = [
    "",
    " ",
    "\u3000",
    "0",
    "12",
    "１２",
    "1,038",
    "—",
    "无",
    "增77",
    "7540.77万元",
    "l0",
    "1O",
    "三",
    "(0)",
    "（一）本年新收政府信息公开申请数量",
    "予以公开",
    "部分公开",
    "（三）不予公开",
    "1.属于国家秘密",
    "自然人",
    "总计",
    "复议",
    "商业企业",
    "暂无",
    "5 6",
]


def _reference_kind(text: str) -> str:
    """The classification before the shortcuts: the full grammar on every text."""
    number = _parse_number(nfkc(text))
    if text.strip() and number.ok:
        return _NUMBER
    if text and not number.ok and len(_CJK.findall(text)) >= 2:
        return _LABEL
    return _OTHER  # blank texts too (the reader counts them apart as ``_BLANK``)


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(_TEXTS)
    pool = "0123456789,. 　（）—增减万元件无空暂零予以公开总计其他国家秘密lO\u200b"
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 7)))


def test_cell_kind_matches_the_full_grammar():
    rng = random.Random(7)
    for _ in range(20000):
        text = _random_text(rng)
        kind = _cell_kind.__wrapped__(text)
        assert (_OTHER if kind == _BLANK else kind) == _reference_kind(text), text
        assert (kind == _BLANK) == (not text.strip()), text


def _reference_split(
    row: list[Cell], r: int, where: tuple[int, int, int | None], ambiguous: frozenset[str]
) -> tuple[list[str], list[str], int, list[Source]]:
    """The row split before the shortcuts: a ``Source`` built for every value cell."""
    block, table, page = where
    texts = [c.text for c in row]
    flagged = [
        f"table:{block}:r{(c.origin or (r, i))[0]}c{(c.origin or (r, i))[1]}" in ambiguous
        for i, c in enumerate(row)
    ]
    texts = ["" if f else t for t, f in zip(texts, flagged, strict=True)]
    kinds = [_reference_kind(t) for t in texts]
    stop = kinds.index(_NUMBER) if _NUMBER in kinds else len(kinds)
    if True in flagged:
        stop = min(stop, flagged.index(True))
    head = kinds[:stop]
    last_label = stop - 1 - head[::-1].index(_LABEL) if _LABEL in head else -1
    labels: list[str] = []
    for text in texts[: last_label + 1]:
        if text and (not labels or labels[-1] != text):
            labels.append(text)
    values: list[str] = []
    sources: list[Source] = []
    filled = 0
    for i in range(last_label + 1, len(row)):
        cell = row[i]
        if cell.pad:
            continue
        if cell.origin is None:
            o_row, o_col = r, i
        elif cell.origin[0] == r:
            continue
        else:
            o_row, o_col = cell.origin
        values.append(texts[i])
        filled += bool(texts[i].strip())
        raw = cell.text if cell.raw is None else cell.raw
        sources.append(Source(block, table, page, o_row, o_col, raw, flagged[i]))
    return labels, values, filled, sources


def _random_row(rng: random.Random, r: int) -> list[Cell]:
    width = rng.randint(1, 10)
    row: list[Cell] = []
    for i in range(width):
        text = _random_text(rng)
        roll = rng.random()
        if roll < 0.1 and i:  # a colspan copy of a cell to its left
            row.append(Cell(row[i - 1].text, origin=(r, rng.randrange(i))))
        elif roll < 0.2 and r:  # a rowspan copy from a row above
            row.append(Cell(text, origin=(rng.randrange(r), i)))
        elif roll < 0.25:
            row.append(Cell(text, raw=text + "广告"))  # the spam pass edited it
        else:
            row.append(Cell(text))
    row += [Cell("", pad=True) for _ in range(rng.choice([0, 0, 0, 1, 2]))]
    return row


def test_split_row_matches_the_reference_on_random_rows():
    rng = random.Random(15)
    for _ in range(6000):
        r = rng.randint(0, 5)
        row = _random_row(rng, r)
        where = (rng.randint(0, 3), rng.randint(0, 2), rng.choice([None, 1, 2]))
        ambiguous: frozenset[str] = frozenset()
        if rng.random() < 0.3:  # some cells emptied as ambiguous by the spam pass
            ambiguous = frozenset(
                f"table:{where[0]}:r{rng.randint(0, 5)}c{rng.randint(0, 11)}"
                for _ in range(rng.randint(1, 3))
            )
        labels, values, filled, sources = _reference_split(row, r, where, ambiguous)
        got = _split_row(row, r, where, ambiguous)
        assert (got.labels, got.values, got.filled) == (labels, values, filled), row
        assert [got.source(j) for j in range(len(got.values))] == sources, row
        rows_, cols, raws, flags = got.positions()
        assert rows_ == [s.row for s in sources]
        assert cols == [s.col for s in sources]
        assert raws == [s.text for s in sources], row
        assert (flags or [False] * len(sources)) == [s.ambiguous for s in sources], row
        limited = got.positions(3)
        assert limited[1] == cols[:3]
        assert limited[2] == raws[:3]


def _reference_facts(label: str) -> tuple[str, str | None, str | None]:
    key = match_key(label)
    group = None
    for gcode, words in GROUP_KEYS:
        if gcode != "3.7" and any(w in key for w in words):
            group = gcode
    row = next((code for code, _l, words in APPLICATION_ROWS if any(w in key for w in words)), None)
    return key, group, row


def test_label_facts_match_a_keyword_scan_row_by_row():
    rng = random.Random(3)
    words = [w for _c, _l, ws in APPLICATION_ROWS for w in ws] + [
        w for _g, ws in GROUP_KEYS for w in ws
    ]
    filler = list("（）一二三四五六七八九十.、的和或申请人信息公开政府机关 ") + ["其他", "總計"]
    for _ in range(20000):
        parts = [
            rng.choice(words if rng.random() < 0.5 else filler) for _ in range(rng.randint(1, 5))
        ]
        label = "".join(parts)
        assert _label_facts.__wrapped__(label) == _reference_facts(label), label
