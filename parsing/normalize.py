"""Small pure text normalisers used for matching (never for the text we publish).

``match_key`` folds full-width forms (NFKC), removes whitespace and maps traditional
characters of the report vocabulary to simplified ones; place names are untouched because the
map only holds the template's own words (no 乾→干).
"""

from __future__ import annotations

import re
import unicodedata

_T = (
    "資訊開報請況數處結轉複議訟總計權執檢調務關規範製決產業構會組織門項與並維審應為屬國機現確認網強"
    "費購權條護證據據對於從過個們來時實發這經濟區縣鎮鄉廳辦務類節內容單位號將傳統監督績廣專題幣億萬"
    "協歸納書補齊稱盡壹貳參陸積極統籌劃佈錄聯繫電話導覽訪問頁標題類別體製與隊責絡點擊閱讀區劃級論壇"
)
_S = (
    "资讯开报请况数处结转复议讼总计权执检调务关规范制决产业构会组织门项与并维审应为属国机现确认网强"
    "费购权条护证据据对于从过个们来时实发这经济区县镇乡厅办务类节内容单位号将传统监督绩广专题币亿万"
    "协归纳书补齐称尽壹贰参陆积极统筹划布录联系电话导览访问页标题类别体制与队责络点击阅读区划级论坛"
)
_T2S = str.maketrans(_T, _S)
_WS = re.compile(r"[\s\u3000\u00a0\u200b-\u200f\u2060\ufeff]+")
_ZW = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


def to_simplified(text: str) -> str:
    """Map the report vocabulary's traditional characters to simplified (others untouched)."""
    return text.translate(_T2S)


def nfkc(text: str) -> str:
    """NFKC-fold full-width digits/punctuation and drop zero-width characters."""
    return _ZW.sub("", unicodedata.normalize("NFKC", text))


def collapse_ws(text: str) -> str:
    """Collapse runs of whitespace (incl. nbsp and ideographic space) to one space, strip."""
    return _WS.sub(" ", text).strip()


def match_key(text: str) -> str:
    """A key for label matching: NFKC, simplified, no whitespace, unified quotes."""
    key = to_simplified(nfkc(text))
    key = _WS.sub("", key)
    return key.replace("“", '"').replace("”", '"')


def has_traditional(text: str) -> bool:
    """True if the text holds traditional characters of the report vocabulary."""
    return any(ch in _T for ch in text)
