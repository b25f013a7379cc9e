"""Report metadata: title, publisher, year and publication date from the document and hints."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from parsing.normalize import collapse_ws, nfkc, to_simplified
from parsing.spam import strip_text

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
# ``_CN_YEAR`` on the reversed text: led by the literal 年, which the regex engine scans for in C,
# where ``_CN_YEAR`` starts a match attempt at every character (``arabic_years``)
_CN_YEAR_REVERSED = re.compile(r"年\s*[〇零一二三四五六七八九]{4}")
_SHORT = 200  # shorter texts (titles): one forward scan costs less than the two reversals
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
    if len(text) < _SHORT:
        return _CN_YEAR.sub(_arabic, text)
    if "年" not in text:
        return text
    # Each match of ``_CN_YEAR`` is the four numerals before the whitespace run before a 年
    # that has four numerals there; reversed, that is a match of ``_CN_YEAR_REVERSED`` starting
    # at that 年 (neither 年 nor whitespace is a numeral, so the matches are the same in both
    # directions and never overlap). The digits are mapped one by one: reversing back restores
    # their order (``test_arabic_years_reversed_is_exact``).
    backwards = text[::-1]
    if _CN_YEAR_REVERSED.search(backwards) is None:
        return text
    return _CN_YEAR_REVERSED.sub(_arabic, backwards)[::-1]


def _arabic(m: re.Match[str]) -> str:
    return m.group().translate(_CN_DIGITS)


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


@lru_cache(maxsize=4)  # period_year and year_from_text read the same body: normalised once
def _year_text(text: str) -> str:
    """The first 20,000 characters of ``text``, NFKC-folded, years in Arabic digits."""
    return arabic_years(nfkc(text[:20000]))


def year_from_text(text: str) -> int | None:
    """The year from a 统计期限 sentence, else the most frequent plausible ``20xx年``."""
    t = _year_text(text)
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


# --- trusted publisher and year (issue 11) -------------------------------------------------

_ORG_END = (
    "政府",
    "局",
    "委员会",
    "管委会",
    "委",
    "办公室",
    "办公厅",
    "厅",
    "院",
    "中心",
    "所",
    "处",
    "站",
    "队",
    "会",
    "部",
    "馆",
    "社",
    "办",
    "署",
    "司",
    "室",
    "街道办事处",
    "办事处",
    "公司",
    "集团",
    "学校",
    "大学",
    "医院",
    "监狱",
    "分局",
    "支队",
    "大队",
    "检察院",
    "法院",
    *_GOV_SUFFIX,
    *_ZONES,
)
_OFFICE = re.compile(r"(?:政务公开|信息公开|政府信息公开)?(?:办公室|办公厅|综合科|综合股|办)$")
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff（）()·]+$")
_GENERIC = frozenset({"政府", "人民政府", "县政府", "市政府", "区政府", "机关", "单位", "办公室"})
PUBLISHER_SOURCES = ("meta", "index_table", "page_source")


def trusted_name(name: str | None) -> str | None:
    """``name`` simplified and trimmed when it can name a body: Han characters only (no spam
    residue, symbols, letters or digits), 2–40 characters, ending like an organisation."""
    if not name:
        return None
    n = to_simplified(nfkc(collapse_ws(name))).replace(" ", "").strip("《》“”\"'：:，,。 ")
    if not (2 <= len(n) <= 40) or not _NAME_CHARS.match(n):
        return None
    if not n.endswith(_ORG_END) or n.startswith("本") or n in _GENERIC:
        return None
    if strip_text(n).removals:
        return None
    return n


def _related(a: str, b: str) -> bool:
    """One body under two spellings: equal, or one is the other's office / people's government."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    rest = long_[len(short) :]
    return long_.startswith(short) and (
        bool(_OFFICE.fullmatch(rest)) or rest in ("人民政府", "政府")
    )


def choose_publisher(
    meta: dict[str, str],
    title_issuer: str | None,
    registry: str | None,
    body: str | Callable[[], str] = "",
) -> tuple[str, str, list[str]]:
    """``(publisher, source, disagreements)`` from document metadata → the title's issuer after
    spam removal → the registry's publisher; names with spam residue are never used.

    A metadata name that is the title issuer's (or the registry's) office names the drafter of
    that body's report: the body is the publisher. The registry's publisher is confirmed when the
    document's ``body`` names it (a site publishing only for itself); otherwise the source is
    ``registry_unconfirmed`` and a note says so (a portal hosting its departments' reports).
    ``body`` may be a function giving it (called only when the registry's publisher is used).
    """
    title = trusted_name(title_issuer)
    reg = trusted_name(registry)
    found = [(s, trusted_name(meta.get(s))) for s in PUBLISHER_SOURCES]
    named = [(s, n) for s, n in found if n]
    notes: list[str] = []
    if named:
        source, name = named[0]
        for other in (title, reg):
            office = bool(other) and _OFFICE.search(name[len(other or "") :]) is not None
            if other and office and len(other) < len(name) and _related(other, name):
                name = other  # 澄城县人民政府办公室 drafted 澄城县人民政府's report
                break
        if title and not _related(title, name) and not _related(government_name(title), name):
            notes.append(f"metadata ({source}) names {name}, the title {title}")
        return government_name(name), source, notes
    if title:
        return government_name(title), "title", notes
    if reg:
        name = government_name(reg)
        bare = name.removesuffix("人民政府")
        if not isinstance(body, str):
            body = body()
        if name in body or (len(bare) >= 2 and bare != name and bare + "政府" in body):
            return name, "registry", notes
        notes.append(f"unconfirmed: the registry's publisher {name} is not named in the document")
        return name, "registry_unconfirmed", notes
    return "未知", "registry_unconfirmed", notes


def period_year(text: str) -> int | None:
    """The statistics period printed in the body (``统计期限自2022年1月1日起``), else None."""
    head = text[:20000]
    at = head.find("统")
    end = head.find("。", at) if at >= 0 else -1
    if end >= 0:
        # The body up to the end of the sentence of its first 统, read first: a ``_PERIOD``
        # match holds no 。, and the text normalises and converts its years in two parts
        # around a 。 (no NFKC composition, reordering or ``_CN_YEAR`` match crosses one), so a
        # match in this part is the first match in the whole (``test_period_year_head``).
        m = _PERIOD.search(arabic_years(nfkc(head[: end + 1])))
        if m is not None:
            return int(m.group(1))
    m = _PERIOD.search(_year_text(text))
    return int(m.group(1)) if m else None


def choose_year(
    *,
    period: int | None,
    title: int | None,
    hint: int | None,
    text: int | None,
    published: date | None,
) -> tuple[int | None, str, str | None]:
    """``(year, source, disagreement)``: the body's statistics period beats the title
    (department reports are often titled with the publishing year), then hint, body text and
    the year before publication."""
    note = None
    if period is not None and title is not None and period != title:
        note = f"the title says {title}, the statistics period printed in the body {period}"
    for year, source in (
        (period, "body_period"),
        (title, "title"),
        (hint, "hint"),
        (text, "body_text"),
        (published.year - 1 if published else None, "published_date"),
    ):
        if year is not None:
            return year, source, note
    return None, "", note
