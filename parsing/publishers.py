"""Who a publisher is: canonical ``publisher_key``, division, level and parent government.

``publisher_key`` keeps one body in one series across wordings: ``合阳县人民政府``, ``合阳县政府``,
``陕西省合阳县人民政府`` and ``合阳县`` are all ``610524:合阳县人民政府``; ``渭南高新区管委会`` and
``渭南高新技术产业开发区管理委员会`` are both ``610500:渭南市高新区管委会``. The key is the
division code, a colon, the deepest division's name and the normalised rest of the name; a name
that names no division is keyed by the site's region (``教育局`` on the 合阳县 site is
``610524:合阳县教育局``); an unresolved or ambiguous one is just its normalised name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from parsing.normalize import nfkc, to_simplified
from parsing.regions import Division, Resolution, divisions, lineage, resolve

Level = Literal["省级", "市级", "县级", "乡镇", "功能区", "部门"]
LEVELS: tuple[str, ...] = ("省级", "市级", "县级", "乡镇", "功能区", "部门")
_GOV_LEVEL: dict[str, Level] = {"province": "省级", "prefecture": "市级", "county": "县级"}
_PUNCT = re.compile(r"[\s\u3000《》“”\"'（）()【】\[\]：:，,、·.]")
_REWRITES = (
    ("管理委员会", "管委会"),
    ("高新技术产业开发区", "高新区"),
    ("高新技术开发区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经开区"),
)
_TOWN = re.compile(r"^(?P<town>.{1,12}?(?:镇|乡|街道|苏木))(?:人民政府|政府|办事处|街道办事处)?$")
_ZONE = ("开发区", "高新区", "经开区", "园区", "新区", "示范区", "试验区", "实验区", "管委会")


@dataclass(frozen=True, slots=True)
class PublisherIdentity:
    """A publisher's canonical key and place in the administrative hierarchy."""

    publisher: str
    publisher_key: str
    region_code: str | None
    region_source: str | None  # "publisher" (read from the name) or "site" (the site's region)
    level: Level
    parent: str | None  # the government a department, town or zone belongs to
    province: Division | None
    prefecture: Division | None
    county: Division | None
    ambiguous: tuple[str, ...] = ()


def _normalise(text: str) -> str:
    out = _PUNCT.sub("", to_simplified(nfkc(text)))
    for old, new in _REWRITES:
        out = out.replace(old, new)
    return out


def _canonical_rest(rest: str) -> tuple[str, Level | None]:
    """The normalised rest of the name and, for governments and towns, their level kind."""
    rest = _normalise(rest)
    if rest in ("", "人民政府", "政府"):
        return "人民政府", None
    if rest.startswith("政府") and not rest.startswith("政府信息"):
        rest = "人民" + rest  # 政府办公室 → 人民政府办公室
    town = _TOWN.match(rest)
    if town:
        name = town.group("town")
        return (name + "办事处" if name.endswith("街道") else name + "人民政府"), "乡镇"
    if any(z in rest for z in _ZONE):
        return rest, "功能区"
    return rest, "部门"


def identify(publisher: str, site_region: str | None = None) -> PublisherIdentity:
    """Key, division, level and parent of ``publisher`` (the site's region settles ambiguity)."""
    res: Resolution = resolve(publisher, site_region)
    rest, kind = _canonical_rest(res.rest)
    line = lineage(res.code) if res.code else []
    by_level = {d.level: d for d in line}
    deepest = line[-1] if line else None
    if kind is None:  # a government: its level is its division's
        if deepest is not None:
            level: Level = _GOV_LEVEL[deepest.level]
        elif res.ambiguous:
            level = _GOV_LEVEL[divisions()[res.ambiguous[0]].level]
        else:
            level = "部门"
        parent = f"{line[-2].name}人民政府" if len(line) > 1 else None
    else:
        level = kind
        parent = f"{deepest.name}人民政府" if deepest else None
    if deepest is not None:
        key = f"{deepest.code}:{deepest.name}{rest}"
    else:
        key = rest if kind is not None and not res.ambiguous else _normalise(publisher)
    return PublisherIdentity(
        publisher=publisher,
        publisher_key=key,
        region_code=res.code,
        region_source=res.source,
        level=level,
        parent=parent,
        province=by_level.get("province"),
        prefecture=by_level.get("prefecture"),
        county=by_level.get("county"),
        ambiguous=res.ambiguous,
    )


def publisher_key(publisher: str, site_region: str | None = None) -> str:
    """The canonical key of ``publisher`` (see the module docstring)."""
    return identify(publisher, site_region).publisher_key
