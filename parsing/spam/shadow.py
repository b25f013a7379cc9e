"""Normalised shadow text with an offset map (SPAM.md §4.2 L3).

Detectors run on the shadow: NFKC (full-width to ASCII), ASCII lower-cased, zero-width characters
removed and traditional characters mapped to simplified with a small one-to-one table. Every shadow
character remembers the original index it came from, so a removal found on the shadow maps back to
an exact span of the original string.

The trad→simp table is built-in (no OpenCC): one character to one character, and it deliberately
leaves out characters whose conversion damages place names (乾 → 干 turns 乾县 into 干县) or is
ambiguous (著). Conversion is for matching only: published text is never converted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from mypy_extensions import i64  # a native integer in the compiled build, an int otherwise

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

_TRAD_PAIRS = (
    "門门賭赌場场薦荐網网體体樂乐遊游戲戏銀银國国產产區区視视頻频線线廳厅註注冊册錄录載载寶宝運运"
    "開开關关於于這这為为發发會会們们時时對对員员來来說说過过還还辦办務务號号資资訊讯請请報报導导"
    "據据實实際际處处應应與与點点統统計计數数經经濟济機机構构議议論论記记錢钱萬万億亿價价總总結结"
    "檢检審审權权責责規规範范條条傳传業业專专稱称級级單单編编贏赢娛娱臺台灣湾馬马龍龙幣币電电費费"
    "賽赛車车華华滿满廣广東东陽阳縣县鎮镇鄉乡書书長长問问間间聞闻見见觀观覽览親亲認认識识詢询調调"
    "諮咨詳详該该讓让設设證证護护險险歡欢優优無无碼码亞亚歐欧韓韩頁页題题類类顯显須须領领風风飛飞"
    "鬥斗麼么個个義义習习擊击罰罚強强兒儿黨党進进遠远達达選选適适邊边備备復复後后從从徵征術术衛卫"
    "裝装複复補补製制標标樣样橋桥歲岁歷历決决沒没準准減减溫温熱热營营獎奖獲获現现環环畫画當当療疗"
    "盡尽監监確确禮礼離离種种積积穩稳競竞筆笔節节簡简紅红約约紙纸細细組组終终給给絡络絕绝維维綜综"
    "綠绿緊紧練练縮缩績绩續续聯联職职聽听脫脱臨临舉举舊旧藝艺藥药蘇苏覺觉觸触訂订許许評评詞词試试"
    "話话誠诚誤误課课談谈謝谢譯译讀读變变豐丰貝贝負负財财貨货販贩貸贷貿贸賓宾賣卖質质購购軍军軟软"
    "較较輕轻輸输轉转農农鄰邻醫医釋释針针鐘钟錯错鍵键鏈链鐵铁閉闭閱阅陳陈陸陆隊队隨随隱隐雜杂雙双"
    "難难雲云靜静響响預预頭头額额顧顾館馆驗验髮发麗丽齊齐齡龄裡里週周廳厅鄭郑貴贵黃黄歸归灣湾嚴严"
    "廠厂鄧邓圖图團团壓压塊块墳坟獨独濱滨瀏浏覽览聖圣園园圍围葉叶麥麦愛爱辦办薩萨億亿幾几"
)
TRAD_TO_SIMP: dict[str, str] = {
    _TRAD_PAIRS[i]: _TRAD_PAIRS[i + 1] for i in range(0, len(_TRAD_PAIRS), 2)
}

_CHAR_CACHE: dict[str, str] = {}


def _norm_char(ch: str) -> str:
    """Shadow form of one non-ASCII character."""
    got = _CHAR_CACHE.get(ch)
    if got is None:
        simp = TRAD_TO_SIMP.get(ch)
        got = simp if simp is not None else unicodedata.normalize("NFKC", ch).lower()
        if len(_CHAR_CACHE) < 50_000:
            _CHAR_CACHE[ch] = got
    return got


@dataclass(slots=True)
class Shadow:
    """Normalised text plus, for each of its characters, the original index."""

    original: str
    text: str
    index: Sequence[int]  # a ``range`` when every character maps to exactly one
    zero_width: int
    traditional: int
    han_count: int = -1  # counted on first use (only traditional text needs it)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering shadow [start, end) (end > start)."""
        return self.index[start], self.index[end - 1] + 1

    @property
    def han(self) -> int:
        """Number of Han characters of the original."""
        if self.han_count < 0:
            self.han_count = sum(map(len, _HAN_RE.findall(self.original)))
        return self.han_count

    @property
    def traditional_ratio(self) -> float:
        """Share of Han characters that are traditional-only forms."""
        return self.traditional / self.han if self.traditional else 0.0


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


class _Table(dict[int, str]):
    """ord -> shadow form, filled by ``str.translate`` itself: a character met for the first
    time is looked up through ``__missing__`` (no set of the text's characters per call)."""

    def __missing__(self, code: int) -> str:
        return _register(chr(code))


_TABLE = _Table()
_IRREGULAR: set[str] = set()  # characters whose shadow is not exactly one character
_IRREGULAR_RE: list[re.Pattern[str]] = [re.compile("(?!)")]  # a class of ``_IRREGULAR``
# runs, not single characters: counting the characters of a few runs is cheaper than a list
# with one string per character (the same count: every character lies in exactly one run)
_HAN_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]+")
_TRAD_RE = re.compile("[" + "".join(sorted(TRAD_TO_SIMP)) + "]+")


def _stable_class() -> str:
    """A character class (body) of characters that are their own shadow: ASCII but capitals,
    CJK ideographs (no decomposition, no case) but the traditional ones, common punctuation
    that NFKC keeps. A text made of them alone is its own shadow (the usual prose run between
    two full-width commas); ``tests/parsing/spam/test_inert.py`` checks every member."""
    parts = ["\\x00-\\x40\\x5b-\\x7f"]
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        start = lo
        for code in sorted(ord(c) for c in TRAD_TO_SIMP if lo <= ord(c) <= hi):
            if code > start:
                parts.append(f"{chr(start)}-{chr(code - 1)}")
            start = code + 1
        if start <= hi:
            parts.append(f"{chr(start)}-{chr(hi)}")
    parts.append(re.escape("".join(c for c in _MARKS if _norm_char(c) == c)))
    return "".join(parts)


_MARKS = "、。〈〉《》「」『』【】〔〕〖〗—–‘’“”·•※〇○●■□▲△★☆×÷°±§№"


_STABLE = _stable_class()


def _stable_map() -> str:
    """``"\x01"`` at the code of every character of ``_STABLE`` (built as ``_stable_class``
    builds the class), ``"\x00"`` at every other code below U+10000 (the class holds none
    above): a table read with ``ord`` in native code. ``tests/parsing/spam/test_shadow_split.py``
    compares it with the class at every code point."""
    out = bytearray(0x10000)
    for lo, hi in ((0x00, 0x40), (0x5B, 0x7F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF)):
        out[lo : hi + 1] = b"\x01" * (hi + 1 - lo)
    for c in TRAD_TO_SIMP:
        out[ord(c)] = 0
    for c in _MARKS:
        if _norm_char(c) == c:
            out[ord(c)] = 1
    return out.decode("latin-1")


_STABLE_MAP: Final = _stable_map()


def split_runs(original: str) -> list[str]:
    """``re.split(f"([^{_STABLE}]+)", original)``: stable, unstable, stable, ... pieces (the
    first and last may be empty; one piece when every character is stable), found by a native
    scan (the pattern costs some hundred instructions a character)."""
    table = _STABLE_MAP
    n: i64 = len(original)
    pieces: list[str] = []
    start: i64 = 0  # of the current stable piece
    i: i64 = 0
    while i < n:
        c: i64 = ord(original[i])
        if c < 0x10000 and ord(table[c]):
            i += 1
            continue
        j: i64 = i + 1
        while j < n:
            c = ord(original[j])
            if c < 0x10000 and ord(table[c]):
                break
            j += 1
        pieces.append(original[start:i])
        pieces.append(original[i:j])
        start = j
        i = j + 1  # original[j] is stable (or j == n)
    if not pieces:
        return [original]
    pieces.append(original[start:n])
    return pieces


def _register(ch: str) -> str:
    if ch < "\x80":
        norm = ch.lower()
    elif ch in ZERO_WIDTH:
        norm = ""
    else:
        norm = _norm_char(ch)
    if len(_TABLE) < 50_000:
        _TABLE[ord(ch)] = norm
    if len(norm) != 1 and ch not in _IRREGULAR:
        _IRREGULAR.add(ch)
        _IRREGULAR_RE[0] = re.compile("[" + re.escape("".join(sorted(_IRREGULAR))) + "]")
    return norm


for _ch in sorted(ZERO_WIDTH):
    _register(_ch)


def shadow_text(original: str) -> str:
    """``make_shadow(original).text`` alone (no offset map, no counts)."""
    pieces = split_runs(original)
    if len(pieces) == 1:
        return original
    if len(pieces) == 3:
        return pieces[0] + pieces[1].translate(_TABLE) + pieces[2]
    runs = pieces[1::2]
    unstable = "".join(runs)
    shadow = unstable.translate(_TABLE)  # registers new characters
    if _IRREGULAR_RE[0].search(unstable) is None:
        _put_back(pieces, shadow)
    else:
        pieces[1::2] = [run.translate(_TABLE) for run in runs]
    return "".join(pieces)


def _put_back(pieces: list[str], shadow: str) -> None:
    """Replace the unstable runs ``pieces[1::2]`` by their shadows, ``shadow`` being the shadow
    of the runs joined: one translation, not one per run, when every character of the runs has
    a one-character shadow (no irregular character: then the lengths agree run by run)."""
    k = 0
    for i in range(1, len(pieces), 2):
        e = k + len(pieces[i])
        pieces[i] = shadow[k:e]
        k = e


def make_shadow(original: str) -> Shadow:
    """Build the shadow of ``original`` (see module docstring)."""
    pieces = split_runs(original)  # stable, unstable, stable, ... (often one piece)
    if len(pieces) == 1:  # every character is its own shadow: no traditional nor zero-width
        return Shadow(original, original, range(len(original)), 0, 0)
    unstable = "".join(pieces[1::2])  # traditional, zero-width and irregular characters
    shadow = unstable.translate(_TABLE)  # registers new characters
    trad = sum(map(len, _TRAD_RE.findall(unstable)))
    if _IRREGULAR_RE[0].search(unstable) is None:
        _put_back(pieces, shadow)
        return Shadow(original, "".join(pieces), range(len(original)), 0, trad)
    return _slow_shadow(original, trad)


def _slow_shadow(original: str, trad: int) -> Shadow:
    out: list[str] = []
    index: list[int] = []
    zw = 0
    for i, ch in enumerate(original):
        if ch < "\x80":
            out.append(ch.lower())
            index.append(i)
            continue
        if ch in ZERO_WIDTH:
            zw += 1
            continue
        for n in _norm_char(ch):
            out.append(n)
            index.append(i)
    return Shadow(original, "".join(out), index, zw, trad)
