"""Table 二 written as prose: 主动公开 figures in sentences instead of the table grid.

Some reports print section 二 as ``本年制发规章0件、废止0件、现行有效3件；制发行政规范性文件5件、
废止1件、现行有效32件。作出行政许可处理决定1038件，行政处罚决定65件，行政强制决定3件；收取行政
事业性收费12.5万元。`` When no table 二 grid is found, these figures are read with explicit
patterns, one per template cell; a cell the text does not state is not emitted (it is not an
empty cell of a table). The caller marks the rows as read from prose and warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsing.models import ActiveDisclosure
from parsing.normalize import nfkc

_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_GAP = r"[^\d。；;，,、]{0,8}?"
_CLAUSES = re.compile(r"[。；;\n]")
_DOC_ITEM = re.compile(r"(?:制发|制定|出台|印发|新制作)?\s*((?:行政)?规范性文件|规章)")
# 20.1, by template: (metric, pattern) inside the segment of one item
_DOC_METRICS = {
    "2021": (
        ("made", re.compile(rf"(?:制发|制定|出台|印发)[^\d。；;，,]{{0,12}}?{_NUM}\s*[件部个]")),
        ("repealed", re.compile(rf"废止{_GAP}{_NUM}\s*[件部个]")),
        ("in_force", re.compile(rf"现行有效{_GAP}{_NUM}\s*[件部个]")),
    ),
    "2019": (
        ("new_made", re.compile(rf"新制作{_GAP}{_NUM}\s*[件部个条]")),
        ("new_published", re.compile(rf"新公开{_GAP}{_NUM}\s*[件部个条]")),
        (
            "total_published",
            re.compile(rf"(?:对外公开总数量|累计公开|公开总数){_GAP}{_NUM}\s*[件部个条]"),
        ),
    ),
}
_DECISIONS = (
    re.compile(
        rf"(行政许可|行政处罚|行政强制)(?:处理)?决定(?:数量)?(?:为|共|计)?{_NUM}\s*[件项起宗个]"
    ),
    re.compile(
        rf"(行政许可|行政处罚|行政强制)[^\d。；;，,]{{0,8}}?处理决定(?:数量)?(?:为|共|计)?"
        rf"{_NUM}\s*[件项起宗个]"
    ),
)
_ARTICLE = {"行政许可": "20.5", "行政处罚": "20.6", "行政强制": "20.6"}
_FEE = re.compile(rf"行政事业性收费[^\d。；;]{{0,12}}?{_NUM}\s*万元")
_PURCHASE = re.compile(rf"政府集中采购[^\d。；;]{{0,12}}?{_NUM}\s*[个项次]")
_PURCHASE_AMOUNT = re.compile(rf"(?:采购|政府集中采购)[^\d。；;]{{0,12}}?金额{_GAP}{_NUM}\s*万元")


@dataclass
class ProseReadout:
    """Table 二 cells read from sentences, with the text each came from."""

    rows: list[ActiveDisclosure] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def active_from_prose(text: str, template: str) -> ProseReadout:
    """Table 二 figures stated in ``text`` (section 二, or the body) for ``template``."""
    out = ProseReadout()
    seen: set[tuple[str, str, str]] = set()
    t = nfkc(text)

    def add(
        article: str, item: str, metric: str, value: float, unit: str | None, frag: str
    ) -> None:
        if (article, item, metric) in seen:
            return
        seen.add((article, item, metric))
        row = {"article": article, "item": item, "metric": metric, "value": value, "unit": unit}
        prov = {"source_kind": "prose", "source_text": frag.strip()}
        row |= {k: v for k, v in prov.items() if k in ActiveDisclosure.model_fields}
        out.rows.append(ActiveDisclosure.model_validate(row))
        out.fragments.append(frag.strip())

    metrics = _DOC_METRICS.get(template, _DOC_METRICS["2021"])
    for clause in _CLAUSES.split(t):
        hits = list(_DOC_ITEM.finditer(clause))
        for n, hit in enumerate(hits):
            end = hits[n + 1].start() if n + 1 < len(hits) else len(clause)
            segment = clause[hit.start() : end]
            name = hit.group(1)
            item = (
                "规章"
                if name == "规章"
                else ("行政规范性文件" if template == "2021" else "规范性文件")
            )
            for metric, rx in metrics:
                m = rx.search(segment)
                if m:
                    add("20.1", item, metric, _value(m.group(1)), None, segment)
        for rx in _DECISIONS:
            for m in rx.finditer(clause):
                add(
                    _ARTICLE[m.group(1)],
                    m.group(1),
                    "decisions",
                    _value(m.group(2)),
                    None,
                    m.group(0),
                )
        fee = _FEE.search(clause)
        if fee and template == "2021":
            add("20.8", "行政事业性收费", "fee_amount", _value(fee.group(1)), "万元", fee.group(0))
        if template == "2019":
            buy = _PURCHASE.search(clause)
            if buy:
                add(
                    "20.9",
                    "政府集中采购",
                    "purchase_count",
                    _value(buy.group(1)),
                    None,
                    buy.group(0),
                )
            amount = _PURCHASE_AMOUNT.search(clause)
            if amount:
                add(
                    "20.9",
                    "政府集中采购",
                    "purchase_amount",
                    _value(amount.group(1)),
                    "万元",
                    amount.group(0),
                )
    order = {("20.1", "规章"): 0, ("20.1", "行政规范性文件"): 1, ("20.1", "规范性文件"): 1}
    out.rows.sort(key=lambda r: (r.article, order.get((r.article, r.item), 5)))
    return out
