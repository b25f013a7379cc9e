"""Spam written in Latin letters, pinyin or as domains (issue 11): betting brands such as
``yabo``/``kaiyun``/``bet365``, brand-plus-digits hosts (``hg0088``, ``w88``), any TLD, domains
glued to Han text. Exempt: ``.gov.cn`` (and ``.gov``) hosts, file names (``附件.docx``), e-mail
addresses (never matched after ``@``) and the site's own hosts (:data:`OWN_HOSTS`, set per
document by ``strip_document``), so a report citing its own site or a contact address keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Betting and casino brands in letters or pinyin (shadow form: lower case).
LATIN_BRANDS: frozenset[str] = frozenset(
    [
        "yabo",
        "kaiyun",
        "leyu",
        "bet365",
        "188bet",
        "12bet",
        "1xbet",
        "sbobet",
        "vwin",
        "dafabet",
        "betway",
        "pinnacle",
        "bbin",
        "w88",
        "m88",
        "fun88",
        "letou",
        "bwin",
        "williamhill",
        "ladbrokes",
        "weinisiren",
        "xinpujing",
        "pujing",
        "amjs",
        "jinsha",
        "huangguan",
        "taiyangcheng",
        "huatihui",
        "hth",
        "jiuyou",
        "shaba",
        "sabasports",
        "milan",
        "ebet",
        "agbet",
        "kaiyuan",
        "yongli",
        "bocai",
        "baccarat",
        "casino",
        "sportsbook",
        "betting",
        "jackpot",
        "xpj",
        "vns",
        "tyc",
        "ylg",
        "mgm",
        "hgty",
    ]
)
# Short brand abbreviations that are spam when digits follow (hg0088, xpj888, ag8, w88).
_BRAND_DIGITS = re.compile(
    r"^(?:(?:hg|xpj|amjs|vns|ag)\d{1,6}|(?:tyc|bet|w|m|ky|hth|bob|bbin|yh|jbb|ybty|lb|mgm|pj|js)\d{2,6})$"
)
_BRAND_SUFFIXES = frozenset(
    [
        "gaming",
        "game",
        "games",
        "sports",
        "sport",
        "bet",
        "casino",
        "ty",
        "tiyu",
        "yule",
        "app",
        "vip",
        "com",
        "net",
        "guanwang",
    ]
)
SPAM_TLDS: frozenset[str] = frozenset(
    [
        "vip",
        "bet",
        "casino",
        "games",
        "game",
        "win",
        "top",
        "xyz",
        "cc",
        "app",
        "club",
        "fun",
        "live",
        "site",
        "shop",
        "ltd",
        "pw",
        "ws",
        "la",
        "me",
        "tv",
        "io",
        "bio",
        "lol",
        "poker",
        "icu",
        "buzz",
        "work",
    ]
)
FILE_EXTENSIONS: frozenset[str] = frozenset(
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "wps",
        "et",
        "dps",
        "ofd",
        "txt",
        "rtf",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "bmp",
        "tif",
        "tiff",
        "zip",
        "rar",
        "7z",
        "html",
        "htm",
        "shtml",
        "jsp",
        "php",
        "asp",
        "aspx",
        "js",
        "css",
        "xml",
        "json",
        "csv",
        "mp4",
        "mp3",
        "avi",
        "exe",
    ]
)
URL_ANY_TLD = re.compile(
    r"(?<![@a-z0-9.\-])(?:https?://)?(?:[a-z0-9][a-z0-9\-]{0,40}\.)+"
    r"(?P<tld>[a-z]{2,12})(?![a-z0-9\-])(?!\.[a-z])(?::\d+)?(?:/[a-z0-9._~%/?=&\-]*)?"
)
_WORD = re.compile(r"[a-z0-9]+")
_LONG_BRANDS = frozenset(b for b in LATIN_BRANDS if len(b) >= 4)
_HAN = re.compile(r"[\u4e00-\u9fff]")

OWN_HOSTS: ContextVar[frozenset[str]] = ContextVar("xxgk_own_hosts", default=frozenset())


@contextmanager
def own_hosts(url: str | None) -> Iterator[None]:
    """Within the block, the host of ``url`` (and its subdomains) is the document's own site."""
    host = host_of(url) if url and "." in url else ""
    token = OWN_HOSTS.set(frozenset({host}) if host else frozenset())
    try:
        yield
    finally:
        OWN_HOSTS.reset(token)


def host_of(url: str) -> str:
    """The host of a URL-like string, lower case, without ``www.`` and port."""
    host = url.lower().split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def exempt_host(host: str) -> bool:
    """Government hosts and the document's own site are never spam."""
    if host.endswith((".gov.cn", ".gov")) or host == "gov.cn":
        return True
    own = OWN_HOSTS.get()
    return any(host == h or host.endswith("." + h) for h in own)


def brand_word(word: str) -> bool:
    """A Latin/pinyin betting brand (``yabo``, ``bet365``, ``hg0088``, ``yabo88``)."""
    if word in LATIN_BRANDS or _BRAND_DIGITS.match(word):
        return True
    core = word.rstrip("0123456789")
    if len(core) >= 4 and core != word and core in LATIN_BRANDS:
        return True
    # shabagaming, kaiyunsports, yabovip: a brand of 4+ letters then a suffix, tried suffix by
    # suffix (15 tests, not one per brand: every number of every paragraph comes here)
    return any(
        word.endswith(suffix) and word[: len(word) - len(suffix)] in _LONG_BRANDS
        for suffix in _BRAND_SUFFIXES
    )


def url_score(url: str, tld: str, text: str, start: int, end: int) -> int | None:
    """Extra weight of a URL-like match (None: not a URL or exempt). Brand labels +2, a spam
    TLD glued to Han characters (``xx88.vip亚博``) +2."""
    if tld in FILE_EXTENSIONS:
        return None
    host = host_of(url)
    if exempt_host(host):
        return None
    extra = 0
    if any(brand_word(p) for p in re.split(r"[.\-]", host)):
        extra += 2
    glued = (start > 0 and bool(_HAN.match(text[start - 1]))) or (
        end < len(text) and bool(_HAN.match(text[end]))
    )
    if glued and tld in SPAM_TLDS:
        extra += 2
    return extra


def brand_words(text: str) -> list[tuple[int, int, str]]:
    """Latin/pinyin brand words outside URLs: (start, end, word)."""
    out: list[tuple[int, int, str]] = []
    for m in _WORD.finditer(text):
        s, e = m.span()
        if (s > 0 and text[s - 1] in ".@/-") or (e < len(text) and text[e] in ".@-"):
            continue  # part of a URL, an e-mail or a hyphenated name: scored as a URL
        if brand_word(m.group()):
            out.append((s, e, m.group()))
    return out
