"""Report metadata: title, publisher, year and publication date from the document and hints."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from parsing.normalize import collapse_ws, nfkc, to_simplified

_TITLE_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年\s*(?:度)?")
_REPORT_WORDS = ("年度报告", "年报", "年度報告", "年報", "工作报告")
_PUBLISHER = re.compile(
    r"^(?:关于)?(?:印发|转发|公布|发布)?(?P<pub>.{2,40}?)(?:关于)?\s*(?:19|20)\d{2}\s*年\s*度?"
    r"\s*(?:政府)?(?:信息|資訊|资讯|政务)"
)
# 2021年某某县教育局政府信息公开工作年度报告, 某某县教育局政府信息公开工作2021年度报告
_PUBLISHER_YEAR_FIRST = re.compile(
    r"^(?:关于)?(?:印发|转发|公布|发布)?(?:19|20)\d{2}\s*年\s*度?(?P<pub>.{2,40}?)"
    r"(?:政府)?(?:信息|资讯|政务)公开"
)
_PUBLISHER_YEAR_LAST = re.compile(
    r"^(?:关于)?(?:印发|转发|公布|发布)?(?P<pub>.{2,40}?)(?:政府)?(?:信息|资讯|政务)公开工作"
    r"(?:19|20)\d{2}"
)
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=\s*年)")
_ZONES = (
    "开发区",
    "高新区",
    "园区",
    "景区",
    "示范区",
    "实验区",
    "试验区",
    "保税区",
    "管理区",
    "合作区",
)
_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计期间|数据的统计期限)[^。\n]{0,12}?(20\d{2})\s*年\s*1\s*月\s*1\s*日"
)
_GOV_SUFFIX = ("省", "市", "县", "区", "旗", "镇", "乡", "州", "盟")
_LOOKALIKE = ("解读", "图解", "工作要点", "要点", "预算", "决算", "政策问答", "一图读懂")
# title variants (issue 12): notices and letters about reports, other annual reports, meetings
_NOT_REPORT = (
    *("通知", "函", "统计年报", "法治政府", "培训", "会议", "召开", "开班", "部署", "编制工作"),
    *("征求意见", "指南", "目录", "意见", "方案", "问答", "视频", "动漫"),
)
# 2021年度政府信息公开工作报告, 关于2021年度政府信息公开工作的报告
_YEARLY_WORK_REPORT = re.compile(r"(?:19|20)\d{2}\s*年度.{0,12}?(?:公开)?工作的?报告")
# the issuer printed after the report words: …年度报告（合阳县教育局） / …年度报告-合阳县人民政府
_ISSUER_LAST = re.compile(
    r"(?:年度报告|年报|工作报告|工作的报告)\s*(?:[（(](?P<a>[^（）()]{2,30})[）)]|[-—－_｜|:：]+\s*"
    r"(?P<b>[^（）()\-—－_｜|]{2,30}))\s*(?:[（(][^（）()]*[）)])?$"
)
_YEARISH = re.compile(r"\d|年$|^[〇零○一二三四五六七八九]{2,}")
_EDITION = ("更正", "修订", "修改", "正式", "版", "全文", "附件", "PDF", "pdf", "word", "图片")
# a year that is the publishing year, not the report year: 2022年发布, 2022年1月
_PUBLISHING_YEAR = re.compile(r"^\s*年\s*(?:\d{1,2}\s*月|发布|印发|编制|公布)")


def clean_title(title: str | None) -> str:
    """Collapse whitespace and drop site-name suffixes such as ``_合阳县人民政府``."""
    if not title:
        return ""
    t = collapse_ws(title)
    for sep in ("_", "|", " - ", "——"):
        if sep in t:
            head = t.split(sep)[0].strip()
            if any(w in head for w in _REPORT_WORDS):
                t = head
    return t


def is_report_title(title: str) -> bool:
    """True when a title names an annual disclosure report (not a 解读/图解/要点 look-alike).

    Accepts ``…年度报告``, ``…年报``, ``2021年度政府信息公开工作报告``, the issuer at the end,
    ``（更正版）``; rejects notices and letters about reports, 统计年报, 法治政府建设年度报告,
    training-meeting news and the look-alikes of :func:`is_lookalike_title`.
    """
    t = arabic_years(to_simplified(nfkc(title)).replace(" ", ""))
    named = any(w in t for w in ("年度报告", "年报")) or bool(_YEARLY_WORK_REPORT.search(t))
    if not named or is_lookalike_title(t):
        return False
    return not ("公开" not in t and "年报" not in t and "年度报告" in t)


def is_lookalike_title(title: str) -> bool:
    """True for 解读, 图解, 工作要点 and similar pages that mention the report but are not it."""
    t = to_simplified(nfkc(title)).replace(" ", "")
    if any(w in t for w in _LOOKALIKE):
        return True
    if "法治政府" in t or "统计年报" in t:
        return True
    edition = re.sub(r"[（(][^（）()]*(?:更正|修订)[^（）()]*[）)]", "", t)
    return any(w in edition for w in _NOT_REPORT if w not in ("意见", "指南", "目录"))


def arabic_years(text: str) -> str:
    """``二〇二一年`` → ``2021年`` (years written in Chinese numerals)."""
    return _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text)


def year_from_title(title: str) -> int | None:
    """The report year printed in the title (``合阳县2020年政府信息公开工作年度报告`` → 2020)."""
    t = arabic_years(nfkc(title))
    found = list(_TITLE_YEAR.finditer(t))
    for m in found:  # 2022年发布2021年度… : the year of 年度, not the publishing year
        if "度" in m.group(0):
            return int(m.group(1))
    for m in found:
        if not _PUBLISHING_YEAR.match(t[m.start(0) + 4 :]):
            return int(m.group(1))
    return int(found[0].group(1)) if found else None


def year_from_text(text: str) -> int | None:
    """The year from a 统计期限 sentence, else the most frequent plausible ``20xx年``."""
    t = arabic_years(nfkc(text[:20000]))
    m = _PERIOD.search(t)
    if m:
        return int(m.group(1))
    counts = Counter(int(y) for y in re.findall(r"(20[0-3]\d)\s*年", t[:6000]))
    if not counts:
        return None
    best = max(counts.values())
    return max(y for y, c in counts.items() if c == best)


def publisher_from_title(title: str, default: str | None) -> str | None:
    """The issuing body named before the year in the title, reconciled with the registry default.

    ``合阳县`` with default ``合阳县人民政府`` gives the default; ``合阳县教育局`` stays as is;
    a bare government name (``…县``) becomes ``…县人民政府``.
    """
    t = arabic_years(to_simplified(nfkc(collapse_ws(title))).replace(" ", ""))
    last = _ISSUER_LAST.search(t)
    if last is not None:  # the issuer printed after the report words
        issuer = (last.group("a") or last.group("b") or "").strip()
        if issuer and not any(w in issuer for w in _EDITION) and not _YEARISH.search(issuer):
            if default and default.startswith(issuer):
                return government_name(default)
            return government_name(issuer)
    m = _PUBLISHER.match(t) or _PUBLISHER_YEAR_FIRST.match(t) or _PUBLISHER_YEAR_LAST.match(t)
    if not m or m.group("pub") in ("政府", "人民政府"):
        return default
    pub = m.group("pub").strip("《》“”\"'：: ")
    pub = re.sub(r"(?:19|20)\d{2}年(?:\d{1,2}月)?(?:发布|印发|编制|公布)$", "", pub)
    pub = re.sub(r"^(?:关于|公开|印发|转发)", "", pub)
    pub = re.sub(r"(?:政府)?(?:信息|政务)公开(?:工作)?$", "", pub)
    if len(pub) < 2:
        return default
    if default and default.startswith(pub):
        return government_name(default)
    return government_name(pub)


def government_name(name: str) -> str:
    """A bare place name (``合阳县``, ``城关镇``) names its people's government."""
    if name.endswith(_ZONES):  # 开发区, 高新区 …: administered by a committee, not a government
        return name
    return name + "人民政府" if name.endswith(_GOV_SUFFIX) else name


def parse_date(text: str | None) -> date | None:
    """``2021-01-25`` / ``2021年1月25日`` / ``2021/1/25`` → date, else None."""
    if not text:
        return None
    m = re.search(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})", nfkc(text))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
