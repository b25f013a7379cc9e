"""Canonical labels of the national templates and how reworded labels map onto them.

All matching runs on ``normalize.match_key`` text (NFKC, simplified, no whitespace).
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsing.normalize import match_key

# Table 三 row codes, most specific keywords first; each entry: (row_code, canonical label, keys).
APPLICATION_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("3.3.1", "属于国家秘密", ("国家秘密",)),
    ("3.3.2", "其他法律行政法规禁止公开", ("法规禁止", "禁止公开")),
    ("3.3.3", "危及“三安全一稳定”", ("三安全", "一稳定", "危及")),
    ("3.3.4", "保护第三方合法权益", ("第三方",)),
    ("3.3.5", "属于三类内部事务信息", ("内部事务",)),
    ("3.3.6", "属于四类过程性信息", ("过程性",)),
    ("3.3.7", "属于行政执法案卷", ("执法案卷",)),
    ("3.3.8", "属于行政查询事项", ("行政查询", "查询事项")),
    ("3.4.1", "本机关不掌握相关政府信息", ("不掌握",)),
    ("3.4.2", "没有现成信息需要另行制作", ("另行制作", "没有现成")),
    ("3.4.3", "补正后申请内容仍不明确", ("仍不明确", "补正后")),
    ("3.5.1", "信访举报投诉类申请", ("信访", "举报投诉")),
    ("3.5.2", "重复申请", ("重复申请",)),
    ("3.5.3", "要求提供公开出版物", ("公开出版物", "出版物")),
    ("3.5.4", "无正当理由大量反复申请", ("大量反", "反复申请", "反覆申请")),
    ("3.5.5", "要求行政机关确认或重新出具已获取信息", ("重新出具", "确认或")),
    (
        "3.6.1",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("逾期不补正", "不补正"),
    ),
    (
        "3.6.2",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        ("收费通知", "缴纳费用"),
    ),
    ("1", "本年新收政府信息公开申请数量", ("新收",)),
    ("2", "上年结转政府信息公开申请数量", ("上年结转", "上年度结转", "上一年结转", "上年度转入")),
    (
        "4",
        "结转下年度继续办理",
        ("结转下", "下年度继续", "转入下", "下年度办理", "结转至下", "继续办理"),
    ),
    ("3.1", "予以公开", ("予以公开",)),
    ("3.2", "部分公开", ("部分公开",)),
)
GROUP_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("3.3", ("不予公开",)),
    ("3.4", ("无法提供",)),
    ("3.5", ("不予处理",)),
    ("3.6", ("其他处理",)),
    ("3.7", ("总计", "合计")),
)
LABEL_OF: dict[str, str] = {code: label for code, label, _ in APPLICATION_ROWS}
LABEL_OF.update({"3.6": "其他处理", "3.6.3": "其他", "3.7": "总计"})

# Table 二: item keyword → (article, canonical item). Longest keys first.
DISCLOSURE_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("行政规范性文件", "20.1", "行政规范性文件"),
    ("规范性文件", "20.1", "规范性文件"),
    ("规章", "20.1", "规章"),
    ("其他对外管理服务事项", "20.5", "其他对外管理服务事项"),
    ("对外管理服务", "20.5", "其他对外管理服务事项"),
    ("行政许可", "20.5", "行政许可"),
    ("行政处罚", "20.6", "行政处罚"),
    ("行政强制", "20.6", "行政强制"),
    ("行政事业性收费", "20.8", "行政事业性收费"),
    ("事业性收费", "20.8", "行政事业性收费"),
    ("政府集中采购", "20.9", "政府集中采购"),
    ("集中采购", "20.9", "政府集中采购"),
)
METRIC_KEYS: tuple[tuple[str, str], ...] = (
    ("新制作", "new_made"),
    ("新公开", "new_published"),
    ("公开总数", "total_published"),
    ("上一年项目", "prev_count"),
    ("上年项目", "prev_count"),
    ("增/减", "change"),
    ("增减", "change"),
    ("处理决定", "decisions"),
    ("采购项目", "purchase_count"),
    ("采购总金额", "purchase_amount"),
    ("采购金额", "purchase_amount"),
    ("制发件数", "made"),
    ("废止件数", "repealed"),
    ("现行有效", "in_force"),
    ("收费金额", "fee_amount"),
)
METRICS_2021 = frozenset({"made", "repealed", "in_force", "fee_amount"})
METRICS_2019 = frozenset(
    {"new_made", "new_published", "total_published", "prev_count", "change"}
    | {"purchase_count", "purchase_amount"}
)
AMOUNT_METRICS = frozenset({"purchase_amount", "fee_amount"})
DEFAULT_METRICS: dict[str, dict[str, tuple[str, ...]]] = {
    "2019": {
        "20.1": ("new_made", "new_published", "total_published"),
        "20.5": ("prev_count", "change", "decisions"),
        "20.6": ("prev_count", "change", "decisions"),
        "20.8": ("prev_count", "change"),
        "20.9": ("purchase_count", "purchase_amount"),
    },
    "2021": {
        "20.1": ("made", "repealed", "in_force"),
        "20.5": ("decisions",),
        "20.6": ("decisions",),
        "20.8": ("fee_amount",),
    },
}

# Table 四 groups.
PROCEEDING_KEYS: tuple[tuple[str, str], ...] = (
    ("未经复议", "litigation_direct"),
    ("直接起诉", "litigation_direct"),
    ("复议后起诉", "litigation_after_review"),
    ("复议后", "litigation_after_review"),
    ("行政复议", "review"),
)

_NUMBERING = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十]+[)）、.．]|[(（]\d{1,2}[)）]|\d{1,2}[.．、)）](?!\d))"
)


def strip_numbering(key: str) -> str:
    """Remove a leading `（一）`/`(1)`/`1.`/`一、` numbering from a match key (repeatedly)."""
    prev = None
    while prev != key:
        prev = key
        key = _NUMBERING.sub("", key, count=1)
    return key


def application_code(labels: list[str], group: str | None) -> tuple[str | None, str | None]:
    """Map the label cells of one table 三 row to a row code (memoised)."""
    return _application_code(tuple(labels), group)


# Every keyword of ``APPLICATION_ROWS`` in one lookahead alternation, in row order: at each
# position the regex takes the first alternative that matches, i.e. the keyword of the earliest
# row starting there; the earliest row over all positions is then the first row (in table order)
# with any keyword in the key — what testing each row's keywords in turn would return.
_ROW_WORDS = [(word, i) for i, (_c, _l, words) in enumerate(APPLICATION_ROWS) for word in words]
_ROW_OF_WORD = {word: i for word, i in reversed(_ROW_WORDS)}  # a word's earliest row wins
# (a first-character class ahead of the alternation lets the engine skip the positions where no
# keyword starts, instead of trying every keyword there)
_ROW_FINDER = re.compile(
    "(?=[" + "".join(sorted({re.escape(w[0]) for w, _ in _ROW_WORDS})) + "])"
    "(?=(" + "|".join(re.escape(w) for w, _ in _ROW_WORDS) + "))"
)
# the group keywords in group order (总计 is not a group)
_GROUP_WORDS = tuple(
    (gcode, word) for gcode, words in GROUP_KEYS if gcode != "3.7" for word in words
)


@lru_cache(maxsize=16384)  # label cells repeat across rows, groups and reports
def _label_facts(label: str) -> tuple[str, str | None, str | None]:
    """``(match key, group code it names, row code it names)`` of one label cell."""
    key = match_key(label)
    group = None
    for gcode, word in _GROUP_WORDS:  # the last group named wins
        if word in key:
            group = gcode
    rows = _ROW_FINDER.findall(key)
    return (
        key,
        group,
        APPLICATION_ROWS[min(map(_ROW_OF_WORD.__getitem__, rows))][0] if rows else None,
    )


@lru_cache(maxsize=8192)
def _application_code(labels: tuple[str, ...], group: str | None) -> tuple[str | None, str | None]:
    """Map the label cells of one table 三 row to a row code.

    Args:
        labels: the row's label cells, outermost first (already de-duplicated).
        group: the current group code (``3.3`` … ``3.6``) carried from earlier rows, since
            flattened tables lose the spanning group label.

    Returns:
        ``(row_code, new_group)``; row_code is None when nothing matched.
    """
    facts = [_label_facts(x) for x in labels]
    new_group = group
    for _key, named_group, _row in facts:
        if named_group is not None:
            new_group = named_group
    for _key, _group, row in reversed(facts):
        if row is not None:
            return row, new_group
    last = strip_numbering(facts[-1][0]) if facts else ""
    if any(k in last for k in ("总计", "合计")) or last == "七总计":
        return "3.7", new_group
    if new_group == "3.6" and last in ("其他", "其它"):
        return "3.6.3", new_group
    if last.startswith("其他处理") or last == "其他处理":
        return "3.6", "3.6"
    return None, new_group


@lru_cache(maxsize=16384)  # template labels repeat in every report
def disclosure_item(label: str) -> tuple[str, str] | None:
    """Map a table 二 row label to ``(article, canonical item)``."""
    key = match_key(label)
    for word, article, item in DISCLOSURE_ITEMS:
        if word in key:
            return article, item
    return None


@lru_cache(maxsize=16384)  # template labels repeat in every report
def metric_of(header: str) -> str | None:
    """Map a table 二 column header to a metric name."""
    key = match_key(header)
    for word, metric in METRIC_KEYS:
        if word in key:
            return metric
    return None


@lru_cache(maxsize=16384)  # template labels repeat in every report
def proceeding_of(label: str) -> str | None:
    """Map a table 四 row label (row-per-proceeding layouts) to a proceeding."""
    key = match_key(label)
    for word, proc in PROCEEDING_KEYS:
        if word in key:
            return proc
    return None
