"""Canonical labels of the national report templates (2019 and 2021), for table-cell checks.

A label cell may be stripped of glued spam only when what remains is one of these (after
NFKC, whitespace removal and leading numbering such as ``三、``, ``(一)``, ``1.``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_LABELS = """
信息内容 本年新制作数量 本年新公开数量 对外公开总数量 本年制发件数 本年废止件数 现行有效件数
上一年项目数量 本年增/减 处理决定数量 本年处理决定数量 本年收费金额(单位:万元) 本年收费金额
采购项目数量 采购总金额 规章 规范性文件 行政规范性文件 行政许可
其他对外管理服务事项 行政处罚 行政强制
行政事业性收费 政府集中采购 申请人情况 自然人 法人或其他组织 商业企业 科研机构 社会公益组织
法律服务机构 其他 总计 本年新收政府信息公开申请数量 上年结转政府信息公开申请数量 本年度办理结果
予以公开 部分公开(区分处理的,只计这一情形,不计其他情形) 部分公开 不予公开 属于国家秘密
其他法律行政法规禁止公开 危及“三安全一稳定” 危及"三安全一稳定" 保护第三方合法权益
属于三类内部事务信息
属于四类过程性信息 属于行政执法案卷 属于行政查询事项 无法提供 本机关不掌握相关政府信息
没有现成信息需要另行制作 补正后申请内容仍不明确 不予处理 信访举报投诉类申请 重复申请
要求提供公开出版物
无正当理由大量反复申请 要求行政机关确认或重新出具已获取信息 其他处理
申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请
申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 结转下年度继续办理 行政复议
行政诉讼 结果维持 结果纠正 其他结果 尚未审结 未经复议直接起诉 复议后起诉
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)
"""

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、])")
_ARTICLE = re.compile(r"^第二十条第\([一二三四五六七八九十]+\)项$")


def _norm(text: str) -> str:
    s = "".join(unicodedata.normalize("NFKC", text).split())
    while True:
        t = _NUMBERING.sub("", s, count=1)
        if t == s:
            return s
        s = t


@cache
def canonical_labels() -> frozenset[str]:
    """Normalised canonical label set."""
    return frozenset(_norm(x) for x in _LABELS.split())


@cache
def label_ends() -> frozenset[str]:
    """Last characters of the label cores (and of the article form, which ends in 项): a text
    whose last non-space character is a CJK ideograph outside this set is no label."""
    return frozenset({x[-1] for x in canonical_labels()} | {"项"})


def is_canonical_label(text: str) -> bool:
    """True when ``text`` is a template label (numbering and spacing ignored)."""
    end = text.rstrip()
    if end and "\u4e00" <= end[-1] <= "\u9fff" and end[-1] not in label_ends():
        # A CJK unified ideograph is stable under NFKC (never changed nor composed with what
        # precedes it) and no numbering ends in one: the core would end in it, and no label
        # does. Most prefixes and suffixes ``parsing.spam.glued`` tries end here, without NFKC.
        return False
    core = _norm(text)
    return bool(core) and (core in canonical_labels() or bool(_ARTICLE.match(core)))
