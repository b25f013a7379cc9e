"""Spam vocabulary (SPAM.md §2.1) with allow-contexts (§2.2); all terms in shadow form.

Tiers: ``STRONG`` (S, weight 3), ``BRAND`` (weak brand words that may start a chain, weight 1),
``WEAK`` (ambiguous words, weight 1), ``SUFFIX`` (promotion suffixes, weight 1, never evidence on
their own) and ``VARIANTS`` (J tier: look-alike / homophone spellings, weight 2, only next to
other evidence). Shadow form = NFKC, lower-case ASCII, simplified characters.
"""

from __future__ import annotations

import re

LEXICON_VERSION = "2026.1"


def _words(text: str) -> list[str]:
    return text.split()


STRONG: frozenset[str] = frozenset(
    _words(
        """
赌场 博彩 娱乐城 百家乐 龙虎斗 老虎机 骰宝 牌九 真人娱乐 真人视讯 真人荷官
电子游艺 捕鱼游戏 棋牌游戏 现金棋牌 彩票平台 购彩 时时彩 分分彩 北京赛车
pk10 六合彩 特码 体育投注 体育平台 足球投注 赌球 竞彩推荐 电竞竞猜 彩金
注册送 返水 洗码 娱乐平台 网赌 线上赌场 葡京 新葡京 威尼斯人 金沙娱乐 澳门金沙
金沙游戏 金沙官网 太阳城娱乐 太阳城集团 皇冠体育 皇冠娱乐 皇冠官网 新濠天地
美高梅 银河娱乐 澳门银河 开元棋牌 ky棋牌 ag真人 bbin pg电子 mg电子
bet365 188金宝博 华体会 九游会 半岛体育 星空体育 bob体育 od体育
雷竞技 澳门特区赌场 澳门博彩 澳门赌场 澳门永利 永利娱乐 澳门新濠 博彩业网址
赌博网站 博彩网站 彩票网址 国产精品 精品久久 一区二区 二区三区 亚洲精品 欧美激情
无码 中文字幕 av在线 成人网站 成人视频 黄色视频 黄片 三级片 人人爽 人人看
国产自拍 国产成人 乱伦 菠萝视频 福利姬 约炮 同城约 私服 传奇私服 代孕 发票代开
代开发票 迷药 窃听器 贷款秒批 黑客接单
亚博体育 亚博娱乐 亚博官网 开云体育 开云官网 乐鱼体育 沙巴体育 米乐体育 必威体育 宝博体育
凯发娱乐 博天堂 威廉希尔 易胜博 金宝博 千亿体育 澳门金沙游戏
"""
    )
)

BRAND: frozenset[str] = frozenset(
    _words(
        """
澳门 金沙 皇冠 开元 银河 永利 太阳城 新濠 博彩业 亚博 开云 乐鱼 沙巴 米乐 必威
"""
    )
)

WEAK: frozenset[str] = frozenset(
    _words(
        """
彩票 体彩 福彩 体育 娱乐 真人 棋牌 游戏 赌博 外挂 刷单 办证
"""
    )
)

SUFFIX: frozenset[str] = frozenset(
    _words(
        """
官网 官方网站 官方 网址 入口 平台 中心 大厅 下载 注册 登录 推荐 导航 担保
开户 网站 在线 手机版 网页版 app 客户端 线上 集团 首页 城
"""
    )
)

# J tier: variant spelling -> canonical term (applied only next to other evidence).
VARIANTS: dict[str, str] = {
    "菠菜": "博彩",
    "博采": "博彩",
    "堵场": "赌场",
    "睹场": "赌场",
    "蒲京": "葡京",
    "莆京": "葡京",
    "佰家乐": "百家乐",
    "百佳乐": "百家乐",
    "奥门": "澳门",
    "噢门": "澳门",
}

# A hit lying entirely inside one of these is legitimate (place, organisation, programme names).
ALLOW: frozenset[str] = frozenset(
    _words(
        """
澳门特别行政区 港澳 澳门回归 澳门特区政府 澳门大学 金沙县 金沙江 金沙镇 金沙乡
金沙村 金沙街道 金沙湾 金沙路 金沙遗址 体育彩票 福利彩票 彩票公益金 体彩公益金
福彩公益金 体彩中心 福彩中心 体彩 福彩 彩票管理 彩票销售 彩票市场 彩票机构
彩票发行 文化娱乐 娱乐场所 娱乐服务 娱乐活动 棋牌室 开元路 开元大道 开元寺
开元街 开元小区 开元广场 开元社区 皇冠假日 皇冠路 真人真事 政务服务大厅 办事大厅
服务大厅 便民大厅 办税大厅 服务中心 政务中心 体育局 体育总局 全民健身 体育场
体育馆 体育中心 体育产业 体育事业 体育赛事 体育设施 体育彩票 游戏游艺 网络游戏
游戏厅 游戏机 银河街道 银河路 银河社区 太阳城小区 太阳城社区 永利街道 成人教育
登录政务服务网 平台建设 公开平台 服务平台 信息平台 政务平台
"""
    )
)

# 赌博 and similar in enforcement phrasing (公安局 reports) are legitimate.
_TARGETS = "赌博|赌场|网赌|博彩|六合彩|赌球|私服|外挂|刷单|代孕|办证|发票代开|迷药|窃听器"
TARGETS = re.compile(_TARGETS)  # in every ENFORCEMENT match: a cheap test before it
ENFORCEMENT = re.compile(
    r"(?:打击|查处|整治|严禁|禁止|治理|防范|涉|跨境|网络|取缔|捣毁|破获|侦破|打掉|聚众|参与|开设|组织)"
    rf"[^\s，。；,;]{{0,4}}?(?P<w>{_TARGETS})"
    rf"|(?P<w2>{_TARGETS})(?:违法|犯罪|案件|案|人员|窝点|团伙|活动|行为|问题|专项|等)"
)

TERM_WEIGHT: dict[str, int] = {
    **{t: 1 for t in SUFFIX},
    **{t: 1 for t in WEAK},
    **{t: 1 for t in BRAND},
    **{t: 2 for t in VARIANTS},
    **{t: 3 for t in STRONG},
}

# Characters joining parts of a brand chain. Strong joiners never sit between Han characters in
# report prose; soft ones (comma, space, colon) join only when spam follows.
STRONG_JOINERS = frozenset("_|¥$€·•~/丨")
SOFT_JOINERS = frozenset(",，、 -—:：")

# Places OpenCC's t2s damages (乾县 -> 干县); our own converter never maps 乾, but any converter
# plugged in later must leave these intact.
PROTECTED_PHRASES: tuple[str, ...] = ("乾县", "乾安县", "乾陵", "乾元", "乾隆")
