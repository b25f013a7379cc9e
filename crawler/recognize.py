"""Recognise annual-report links from their titles: is it a report, which year, which publisher."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_REPORT_WORDS = ("年度报告", "年报", "年度工作报告")
_DISCLOSURE_WORDS = ("信息公开", "政务公开")
# look-alikes that mention the report but are not the report
_NOISE_WORDS = (
    "解读",
    "图解",
    "一图",
    "图读",
    "要点",
    "预算",
    "决算",
    "通知",
    "指南",
    "目录",
    "制度",
    "意见",
    "方案",
    "新闻发布",
    "问答",
    "更正说明",
    "征求",
    "会议",
    "视频",
    "动漫",
    "H5",
    # issue 12: letters about reports, other annual reports, training-meeting news
    "函",
    "统计年报",
    "法治政府",
    "培训",
    "召开",
    "开班",
    "部署",
)
# 2021年度政府信息公开工作报告, 关于2021年度政府信息公开工作的报告 (no 年度报告/年报)
_YEARLY_WORK_REPORT = re.compile(r"(?:19|20)\d{2}年度.{0,12}?工作的?报告")
_ISSUER_LAST = re.compile(
    r"(?:年度报告|年报|工作报告|工作的报告)(?:[（(](?P<a>[^（）()]{2,30})[）)]|[-—－_｜|:：]+"
    r"(?P<b>[^（）()\-—－_｜|]{2,30}))(?:[（(][^（）()]*[）)])?$"
)
_YEARISH = re.compile(r"\d|年$|^[〇零○一二三四五六七八九]{2,}")
_EDITION = ("更正", "修订", "修改", "正式", "版", "全文", "附件", "PDF", "pdf", "word", "图片")
_PUBLISHING_YEAR = re.compile(r"^年(?:\d{1,2}月|发布|印发|编制|公布)")
_CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_ANY = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CN_YEAR = re.compile(r"([〇零○Ｏ一二三四五六七八九]{4})\s*年")
_PUBLISHER_TRIM = " \u3000:：-—_·|【】[]《》<>\"“”'‘’（）()"
_GOV_SUFFIXES = ("人民政府", "政府", "人民政府办公室", "人民政府办公厅", "政府办公室", "政府办")


def normalize_title(text: str) -> str:
    """NFKC (full-width digits and brackets to ASCII) with whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def is_report_title(text: str) -> bool:
    """True for titles like ``合阳县教育局2021年政府信息公开工作年度报告（更正版）``."""
    t = normalize_title(text)
    if not t or len(t) > 120:
        return False
    named = any(w in t for w in _REPORT_WORDS) or bool(_YEARLY_WORK_REPORT.search(t))
    if not named or not any(w in t for w in _DISCLOSURE_WORDS):
        return False
    return not any(w in t for w in _NOISE_WORDS)


def is_noise_title(text: str) -> bool:
    """True for look-alike titles (解读, 图解, 要点, 预算…) that must not be archived as reports."""
    t = normalize_title(text)
    return any(w in t for w in _NOISE_WORDS)


def year_from_title(text: str) -> int | None:
    """The report year named in the title (``2021年``, ``二〇二一年``, ``（2019）``), else None."""
    t = normalize_title(text)
    found = list(_YEAR_RE.finditer(t))
    for hit in found:  # 2022年发布2021年度… : the year of 年度, not the publishing year
        if t[hit.end() : hit.end() + 1] == "度":
            return int(hit.group(1))
    for hit in found:
        if not _PUBLISHING_YEAR.match(t[hit.start() + 4 :]):
            return int(hit.group(1))
    for rx in (_YEAR_RE, _YEAR_ANY):
        m = rx.search(t)
        if m:
            return int(m.group(1))
    m = _CN_YEAR.search(t)
    if m:
        return int(m.group(1).translate(_CN_DIGITS))
    return None


def publisher_from_title(text: str, default: str | None = None) -> str | None:
    """Publisher named before the year, e.g. ``合阳县教育局2021年…`` → ``合阳县教育局``.

    A bare region name (``合阳县2021年…``) maps to the site's own publisher ``default`` when the
    default is that region's government.
    """
    t = normalize_title(text)
    last = _ISSUER_LAST.search(t)
    if last is not None:  # the issuer printed after the report words
        issuer = (last.group("a") or last.group("b") or "").strip(_PUBLISHER_TRIM)
        if (
            len(issuer) >= 2
            and not any(w in issuer for w in _EDITION)
            and not _YEARISH.search(issuer)
        ):
            if default and default.startswith(issuer):
                return default
            return issuer
    cut = len(t)
    for rx in (_YEAR_RE, _YEAR_ANY, _CN_YEAR):
        m = rx.search(t)
        if m:
            cut = min(cut, m.start())
    for word in (*_DISCLOSURE_WORDS, "政府信息", "关于"):
        pos = t.find(word)
        if pos >= 0:
            cut = min(cut, pos)
    for m in _YEAR_RE.finditer(t):  # 合阳县2022年发布2021年度…: cut at the first year
        cut = min(cut, m.start())
        break
    prefix = t[:cut].strip(_PUBLISHER_TRIM)
    if prefix.endswith("关于"):
        prefix = prefix[:-2]
    if len(prefix) < 2 or prefix.isdigit():
        return default
    if default and any(default.endswith(prefix + s) for s in _GOV_SUFFIXES):
        return default  # 洽川镇 on the site of 合阳县洽川镇人民政府
    if default and default.startswith(prefix) and default[len(prefix) :] in _GOV_SUFFIXES:
        return default
    return prefix
