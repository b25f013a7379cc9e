"""Small pure text normalisers used for matching (never for the text we publish).

``match_key`` folds full-width forms (NFKC), removes whitespace and maps traditional
characters of the report vocabulary to simplified ones; place names are untouched because the
map only holds the template's own words (no 乾→干).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_T = (
    "資訊開報請況數處結轉複復議訟總計權執檢調務關規範製決產業構會組織門項與並維審應為屬國機現確認網強費購條護證據對於從過個們"
    "來時實發這經濟區縣鎮鄉廳辦類節內單號將傳統監績廣專題幣億萬協歸納書齊稱盡積極籌劃佈錄聯繫電話導覽訪問頁標體隊責絡點擊閱讀"
    "級論壇許罰採詢無當廢額徵訴糾險穩補後獲繳繼續舉祕係價間進臺檔術負擔溝親戶鑑態創優勢質動愛聽衛環農龍嶺陽陰東貴雲遼寧蘇濱漢"
    "灣澤滬閩讓記錢銀稅財擬設備違歲齡醫藥療災遷舊築營場廠礦煙鐵車運輸郵驗測紀紹約線練細終給縮缺罷聞腦興艱藝觀視覺訂討訓託診評"
    "詞試詳誠誤說諸諾謀謝謂講謹識譯變豐貢貨貧貸賠賦贊趙趕軍輔輕較載輪遞遠適遺選遲邊鄰釋針銷鋼鍵長閉閒隨隱雙雜難靜韓頂順預領頭"
    "頻顧顯風飛養餘館馬髮鬥魚鳥麥黃"
)
_S = (
    "资讯开报请况数处结转复复议讼总计权执检调务关规范制决产业构会组织门项与并维审应为属国机现确认网强费购条护证据对于从过个们"
    "来时实发这经济区县镇乡厅办类节内单号将传统监绩广专题币亿万协归纳书齐称尽积极筹划布录联系电话导览访问页标体队责络点击阅读"
    "级论坛许罚采询无当废额征诉纠险稳补后获缴继续举秘系价间进台档术负担沟亲户鉴态创优势质动爱听卫环农龙岭阳阴东贵云辽宁苏滨汉"
    "湾泽沪闽让记钱银税财拟设备违岁龄医药疗灾迁旧筑营场厂矿烟铁车运输邮验测纪绍约线练细终给缩缺罢闻脑兴艰艺观视觉订讨训托诊评"
    "词试详诚误说诸诺谋谢谓讲谨识译变丰贡货贫贷赔赋赞赵赶军辅轻较载轮递远适遗选迟边邻释针销钢键长闭闲随隐双杂难静韩顶顺预领头"
    "频顾显风飞养余馆马发斗鱼鸟麦黄"
)
_T2S = str.maketrans(_T + "減覆", _S + "减复")
_TRADITIONAL = re.compile("[" + "".join(sorted(set(_T + "減覆"))) + "]")
_WS = re.compile(r"[\s\u3000\u00a0\u200b-\u200f\u2060\ufeff]+")
_ZW = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


def to_simplified(text: str) -> str:
    """Map the report vocabulary's traditional characters to simplified (others untouched)."""
    if not _TRADITIONAL.search(text):  # most text holds none: a C scan, no per-character map
        return text
    return text.translate(_T2S)


def nfkc(text: str) -> str:
    """NFKC-fold full-width digits/punctuation and drop zero-width characters."""
    # NFKC is NFKD then canonical composition, i.e. NFC of the NFKD form (the Unicode definition,
    # checked over every code point): the same string, an order of magnitude faster in CPython
    # on Han text than ``normalize("NFKC")``, whose composition step is slow
    return _ZW.sub("", unicodedata.normalize("NFC", unicodedata.normalize("NFKD", text)))


def collapse_ws(text: str) -> str:
    """Collapse runs of whitespace (incl. nbsp and ideographic space) to one space, strip."""
    if " " not in text and text.isprintable():
        # every whitespace character but the space is unprintable (a control or separator), as
        # are the zero-width ones: nothing to collapse (most cells and paragraphs)
        return text
    # ``str.split`` splits on exactly what ``\s`` matches; the zero-width characters ``_WS``
    # also collapses are not printable, so a printable result proves there were none
    joined = " ".join(text.split())
    if joined.isprintable():
        return joined
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=16384)
def match_key(text: str) -> str:
    """A key for label matching: NFKC, simplified, no whitespace, unified quotes."""
    key = to_simplified(nfkc(text))
    key = _WS.sub("", key)
    return key.replace("“", '"').replace("”", '"')
