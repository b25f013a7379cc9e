"""Legacy reports (before 2019): their statistics table as long figures, and their sections.

Until the 2019 national template, reports carried a 政府信息公开情况统计表 of the form
``指标名称 | 计量单位 | 2017年度 | 历年累计`` with rows such as ``同意部分公开答复数 | 件 | 1 | 9``.
Such a table is not one of the template tables: it must never produce table 三 rows (its
``同意部分公开答复数`` looks like row 3.2) or the false errors that follow. It is read here into
:class:`~parsing.models.LegacyFigure` rows instead (label, unit, value, cumulative, where it was
printed), and taken out of what the template reader sees.

Their sections (一、概述 … 七、其他需要报告的事项) are numbered differently from the 2019
template; :func:`legacy_sections` finds them by keyword.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.models import LegacyFigure
from parsing.normalize import match_key
from parsing.numbers import parse_cell_number

_LABEL_HEAD = ("指标名称", "统计指标", "指标", "项目名称", "统计项目", "项目")
_UNIT_HEAD = ("计量单位", "单位")
_CUMULATIVE_HEAD = ("历年累计", "累计")
_VALUE_HEAD = ("本年", "年度", "数量", "数值", "统计数", "本期", "合计")
_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_YEAR_HEAD = re.compile(r"(?:19|20)\d{2}年?度?")
_UNITS = ("条", "件", "个", "次", "万元", "元", "人次", "人", "项", "份", "期", "篇", "场", "%")


@dataclass
class LegacyReadout:
    """The figures of every legacy statistics table and the blocks they came from."""

    figures: list[LegacyFigure] = field(default_factory=list)
    tables: set[int] = field(default_factory=set)  # block indices of the legacy tables
    bad_cells: list[str] = field(default_factory=list)


# Every character whose ``match_key`` holds the first character of a ``_LABEL_HEAD`` (指, 统, 项):
# a row without one has no label column (``test_label_head_chars`` recomputes the set)
LABEL_HEAD_CHARS = re.compile("[㊠指統统項项🈯]")


def _columns(row: list[str]) -> dict[str, int] | None:
    """Column roles from a header row, or None if it is not a legacy statistics header."""
    if not LABEL_HEAD_CHARS.search("".join(row)):  # joining creates no character
        return None  # no cell can take the label role (most rows: no cell classified)
    roles: dict[str, int] = {}
    for i, text in enumerate(row):
        for role in _roles_of(text):  # in priority order: the first role not yet taken wins
            if role not in roles:
                roles[role] = i
                break
    if "label" in roles and "value" in roles and ("unit" in roles or "cumulative" in roles):
        return roles
    return None


_ROLE_ORDER = ("label", "unit", "cumulative", "value")


@lru_cache(maxsize=16384)  # header and label texts repeat across reports: classify each once
def _roles_of(text: str) -> tuple[str, ...]:
    """The column roles a header cell could take, in the order ``_columns`` tries them."""
    key = match_key(text)
    if not key:
        return ()
    fits = {
        "label": any(key.startswith(h) for h in _LABEL_HEAD),
        "unit": key in _UNIT_HEAD,
        "cumulative": any(h in key for h in _CUMULATIVE_HEAD),
        "value": any(h in key for h in _VALUE_HEAD) or bool(_YEAR_HEAD.fullmatch(key)),
    }
    return tuple(role for role in _ROLE_ORDER if fits[role])


def read_legacy(doc: DocumentBlocks, kind: str = "html_table") -> LegacyReadout:
    """Read every legacy statistics table of ``doc`` into long figures."""
    out = LegacyReadout()
    grid = -1
    for b, block in enumerate(doc.blocks):
        if not isinstance(block, Table):
            continue
        grid += 1
        head = block.rows[:4]
        if not LABEL_HEAD_CHARS.search("".join([c.text for cells in head for c in cells])):
            continue  # no header row can give a label column (``_columns`` is None for each)
        roles = None
        start = 0
        for r, cells in enumerate(head):
            roles = _columns([c.text for c in cells])
            if roles is not None:
                start = r + 1
                break
        if roles is None:
            continue
        out.tables.add(b)
        texts = block.texts()
        section: str | None = None
        for r in range(start, len(texts)):
            row = texts[r]
            cells = block.rows[r]
            label = _cell(row, roles, "label")
            unit = _cell(row, roles, "unit") or None
            value_text = _cell(row, roles, "value")
            cumulative_text = _cell(row, roles, "cumulative")
            if not label:
                continue
            empty = not value_text and not cumulative_text and unit is None
            if empty and (_SECTION.match(label) or not any(ch.isdigit() for ch in "".join(row))):
                section = label
                continue
            if _SECTION.match(label):
                section = None  # 三、行政复议数量: a top-level row of its own, no group above
            value = _number(value_text, f"legacy:{label}:value", out)
            cumulative = _number(cumulative_text, f"legacy:{label}:cumulative", out)
            if unit is None:
                unit = _unit_in(value_text) or _unit_in(label)
            out.figures.append(
                LegacyFigure(
                    section=section,
                    label=label,
                    unit=unit,
                    value=value,
                    cumulative=cumulative,
                    source_kind=kind,
                    source_page=getattr(block, "page", None),
                    source_table=grid,
                    source_row=r,
                    source_text=" | ".join(c.text for c in cells if not c.pad),
                )
            )
    return out


def _cell(row: list[str], roles: dict[str, int], role: str) -> str:
    i = roles.get(role)
    return row[i].strip() if i is not None and i < len(row) else ""


def _number(text: str, where: str, out: LegacyReadout) -> float | None:
    if not text:
        return None
    n = parse_cell_number(text)
    if not n.ok:
        out.bad_cells.append(where)
        return None
    return n.value


def _unit_in(text: str) -> str | None:
    """A unit printed inside a cell or label: ``3126条``, ``收取费用（万元）``."""
    m = re.search(r"[（(]([^（）()]{1,4})[）)]\s*$", text)
    if m and m.group(1) in _UNITS:
        return m.group(1)
    m = re.search(r"\d\s*(" + "|".join(_UNITS) + r")$", text)
    return m.group(1) if m else None


def without_tables(doc: DocumentBlocks, indices: set[int]) -> DocumentBlocks:
    """``doc`` without the blocks at ``indices`` (the legacy tables): what 表二/三/四 read."""
    if not indices:
        return doc
    blocks = [b for i, b in enumerate(doc.blocks) if i not in indices]
    return DocumentBlocks(
        blocks=blocks,
        format=doc.format,
        title=doc.title,
        published_date=doc.published_date,
        warnings=doc.warnings,
        spam_removals=doc.spam_removals,
        flags=doc.flags,
        ocr_confidence=doc.ocr_confidence,
        low_confidence_cells=doc.low_confidence_cells,
    )


# legacy section headings (一、概述 … 七、其他需要报告的事项), keyword → section key
_LEGACY_SECTIONS = (
    ("legacy_fees", ("收费", "减免")),
    ("review", ("复议", "诉讼", "申诉")),
    ("problems", ("问题", "改进", "不足")),
    ("other", ("其他需要报告", "其他事项", "其它需要报告", "其他需报告")),
    ("overall", ("概述", "总体情况", "基本情况", "概况")),
    ("active", ("主动公开",)),
    ("applications", ("依申请", "申请公开")),
    ("legacy_consultation", ("咨询",)),
)


def legacy_sections(doc: DocumentBlocks) -> dict[str, str]:
    """Section texts of a legacy report, keyed like the template sections plus
    ``legacy_fees`` (收费及减免) and ``legacy_consultation`` (咨询情况)."""
    current: str | None = None
    texts: dict[str, list[str]] = {}
    for block in doc.blocks:
        if not isinstance(block, Paragraph):
            continue
        key = match_key(block.text)
        if _SECTION.match(key) and len(key) <= 40:
            found = next(
                (name for name, words in _LEGACY_SECTIONS if any(w in key for w in words)), None
            )
            if found is not None:
                current = found
                texts.setdefault(found, [])
                continue
        if current is not None and not block.text.startswith("附表"):
            texts[current].append(block.text)
    return {name: "\n".join(lines) for name, lines in texts.items() if lines}
