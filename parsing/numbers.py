"""Number grammar of report cells: ``1,038``, ``增77``, ``减3``, ``7540.77万元``, ``—``, ``无``…"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from parsing.normalize import nfkc

_NULLS = {
    "",
    "—/—",
    "-/-",
    "无",
    "-",
    "—",
    "——",
    "–",
    "/",
    "／",
    "\\",
    "…",
    "--",
    "空",
    "暂无",
    "null",
    "N/A",
    "n/a",
}
_ZEROS = {"零", "〇"}
_SPACES = re.compile(r"[\s\u00a0\u3000]+")
_THOUSANDS_SPACED = re.compile(r"[+\-]?\d{1,3}(?: \d{3})+(?:\.\d+)?")
_SIGN_SPACE = re.compile(r"^(增加?|[减減]少?|[+\-−]) +")
_UNIT_SPACE = re.compile(r"(\d) +(万元|亿元|元|件|项|个|条|次|宗|份)$")
_UNITS = ("万元", "亿元", "元", "件", "项", "个", "条", "次", "宗", "份")
_NUM = re.compile(
    r"^(?P<sign>增加?|[减減]少?|[+\-−])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<unit>万元|亿元|元|件|项|个|条|次|宗|份)?$"
)


@dataclass(frozen=True, slots=True)
class CellNumber:
    """A parsed cell: ``value`` is None for an empty/dash cell; ``ok`` False when not a number.

    ``as_int`` (the value when integral) and ``is_count`` (a number or empty cell that a count
    column accepts as it is) are derived once: parse results are cached and read many times.
    """

    value: float | None
    unit: str | None = None
    ok: bool = True
    as_int: int | None = field(init=False, compare=False, repr=False)
    is_count: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        v = self.value
        whole = int(v) if v is not None and v == int(v) else None
        object.__setattr__(self, "as_int", whole)
        object.__setattr__(self, "is_count", self.ok and (v is None or whole is not None))


NOT_A_NUMBER = CellNumber(None, None, ok=False)
EMPTY = CellNumber(None, None, ok=True)


# The CJK ideographs a number cell can hold (signs, units, empty markers, 零): the others
# (U+4E00–U+9FFF) have no NFKC decomposition and compose with nothing, so they survive every
# step of ``parse_cell_number`` and no branch accepts them — a cell with one is not a number.
_NUMBER_IDEOGRAPHS = "增加减減少万元亿件项个条次宗份无空暂零"


def _foreign_ideographs() -> re.Pattern[str]:
    keep = sorted(ord(c) for c in _NUMBER_IDEOGRAPHS)
    ranges, start = [], 0x4E00
    for cp in keep:
        if cp > start:
            ranges.append(f"{chr(start)}-{chr(cp - 1)}")
        start = cp + 1
    ranges.append(f"{chr(start)}-\u9fff")
    return re.compile("[" + "".join(ranges) + "]")


# a text in which this finds an ideograph is not a number (``parse_cell_number`` agrees)
WORD_IDEOGRAPH = _foreign_ideographs()


@lru_cache(maxsize=8192)
def parse_cell_number(text: str) -> CellNumber:
    """Parse one cell. Never raises; ``ok=False`` means the cell is not a number."""
    if text.isdigit() and text.isascii() and len(text) <= 24:
        return CellNumber(float(text))  # most value cells: what the grammar below returns
    if WORD_IDEOGRAPH.search(text):
        return NOT_A_NUMBER  # a label: a word no number cell holds (see _NUMBER_IDEOGRAPHS)
    return _parse_number(text if text.isascii() else nfkc(text))  # ASCII is NFKC-invariant


def _parse_number(text: str) -> CellNumber:
    """The number grammar on NFKC-folded ``text``."""
    s = _SPACES.sub(" ", text).strip().rstrip("。;；")
    if len(s) > 2 and s[0] in "(（" and s[-1] in ")）":
        s = s[1:-1].strip()  # （无）, (0)
    if _THOUSANDS_SPACED.fullmatch(s):
        s = s.replace(" ", "")  # 1 038
    # 增 16, 7540.77 万元 (a template ``sub`` costs ~1 us even without a match: tried first)
    if _UNIT_SPACE.search(s) is not None:
        s = _UNIT_SPACE.sub(r"\1\2", s)
    if _SIGN_SPACE.match(s) is not None:
        s = _SIGN_SPACE.sub(r"\1", s)
    if " " in s:
        return NOT_A_NUMBER if s.replace(" ", "") not in _NULLS else EMPTY  # "5 6": two numbers
    if s in _NULLS:
        return EMPTY
    if s in _ZEROS:
        return CellNumber(0.0)
    if len(s) > 24:
        return NOT_A_NUMBER
    m = _NUM.match(s)
    if not m:
        return NOT_A_NUMBER
    try:
        value = float(m.group("num").replace(",", ""))
    except ValueError:  # pragma: no cover - regex guarantees a float
        return NOT_A_NUMBER
    sign = m.group("sign") or ""
    if (sign[:1] in ("减", "減") or sign in ("-", "−")) and value:
        value = -value
    return CellNumber(value, m.group("unit"))


def is_numberish(text: str) -> bool:
    """True for cells that hold a number or an explicit empty marker."""
    return parse_cell_number(text).ok


_HEADER_UNIT = [
    (unit, re.compile(rf"[(（:：]\s*(?:单位[:：]?\s*)?{unit}\s*[)）]?")) for unit in _UNITS
]
# matches where one of the patterns above matches (most headers print no unit: one search)
_ANY_HEADER_UNIT = re.compile(rf"[(（:：]\s*(?:单位[:：]?\s*)?(?:{'|'.join(_UNITS)})")


@lru_cache(maxsize=4096)
def unit_from_header(text: str) -> str | None:
    """A unit printed in a column header, e.g. ``采购总金额（万元）`` or ``（单位：万元）``."""
    s = nfkc(text)
    if not _ANY_HEADER_UNIT.search(s):
        return None
    for unit, pattern in _HEADER_UNIT:  # the first unit in ``_UNITS`` order that is printed
        if pattern.search(s):
            return unit
    return None
