"""Generated reports with known injected spans (for the property tests and benchmarks/spam_bench).

Clean reports are assembled from realistic report sentences (including the false-positive bait of
SPAM.md §2.2) and template tables with random numbers; injections follow §4.4: T1 replacement of
``关于``, T2 inserted/appended chains and URLs, T10 zero-width and full-width tricks, T11 spam glued
to label and numeric cells. Every injected character position is recorded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from parsing.blocks import DocumentBlocks, Paragraph, Table

CLEAN_SENTENCES = [
    "根据《中华人民共和国政府信息公开条例》规定，编制本报告。",
    "围绕《关于开展政务新媒体摸底统计工作的通知》文件要求，完成摸底统计工作。",
    "负责贯彻落实国家和省市关于政务公开工作的有关法规、政策和制度。",
    "制定印发了《合阳县人民政府关于违反政府信息公开工作规定责任追究暂行办法》。",
    "全年主动公开各类信息5200条，其中发布政务动态类信息2400条。",
    "12345便民服务热线共计接处群众来电反映事项5268件，接通率办结率均为100%。",
    "2020年共办理人大代表议案、建议和政协委员提案等114件，办复率100%。",
    "政府网站目前共设有新闻中心、政务公开、政务服务、政民互动等六个一级栏目。",
    "及时公布各镇(街)、各部门年报，提高政务公开平台透明度。",
    "澳门特别行政区政府代表团来我市考察交流。",
    "做好体彩公益金分配使用情况公开；福利彩票销售额1.2亿元。",
    "开展打击跨境赌博专项行动，查处网络赌博案件12起，收缴赌资3.5万元。",
    "金沙县人民政府深入推进金沙江流域生态保护。",
    "规范文化娱乐场所和老年棋牌室管理，推动全民健身。",
    "开元路拓宽工程完成投资3.2亿元，皇冠假日酒店周边交通改善。",
    "乾县人民政府办公室牵头抓总，指导、协调、监督全县政务公开工作。",
    "做好新冠病毒疫苗接种、禁毒宣传等信息发布，引导群众登录政务服务网办理事项。",
    "在政务服务大厅设立政府信息公开查阅点，便民服务中心大厅配备查阅设备。",
    "向脱贫户发放菠菜、白菜种子500斤。",
    "监督电话0913-5521234，电子邮箱hyxzfb@163.com。",
    "关于政府信息公开工作的意见和建议，可通过政府网站反馈。",
    "一是加强培训，推动工作落实，提高政务公开的工作质量和工作效率。",
    "二是突出重点，提优服务水平，确保政府信息公开工作质量。",
    "加大政府信息公开网栏目维护监督管理力度，广泛运用广播电视、政务服务网等方式推进主动公开。",
    "规范性文件核定后取消失效性文件，现存有效规范性文件为20件。",
]
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
LABELS = [
    "规章",
    "规范性文件",
    "行政许可",
    "其他对外管理服务事项",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
]
KNOWN_BRANDS = [
    "澳门金沙",
    "威尼斯人",
    "新葡京",
    "百家乐",
    "皇冠体育",
    "澳门银河",
    "开元棋牌",
    "AG真人",
    "bet365",
    "华体会",
    "九游会",
    "半岛体育",
    "澳门特区赌场",
    "时时彩",
    "六合彩",
    "体育投注",
    "真人视讯",
    "太阳城娱乐",
    "博彩",
    "澳门赌场",
    "美高梅",
    "雷竞技",
]
# Unknown brands are *generated* (see ``unseen_brand``) from characters common in gambling brand
# names, an optional Latin/digit tag and an optional brand-type word; a name containing any term
# of the stripper's vocabulary (lexicon tiers and allow-contexts) is rejected, so recall on these
# measures generalisation, not the lexicon. UNSEEN_BRANDS is a fixed sample for the tests.
_BRAND_CHARS = "鸿凯盈赢鼎富豪鑫旺汇威尊御爵胜发必利亿博德伟优易星辉腾凤隆恒泰祥瑞金玖鹏盛"
_BRAND_TAGS = ["", "", "", "k8", "88", "365", "tt", "vip"]
_BRAND_TYPES = ["", "", "国际", "亚洲", "会", "电竞"]
UNSEEN_BRANDS = ["凯发k8", "鸿胜国际", "永盈会", "必赢亚洲", "鑫博tt电竞"]
SUFFIXES = [
    "",
    "",
    "官网",
    "网址",
    "娱乐平台",
    "游戏",
    "中心大厅",
    "官方网站",
    "登录入口",
    "APP下载",
]
JOINERS = ["", "_", "¥", "|", ",", "·"]
ZW = "\u200b"
WRAPPERS = [
    '<div style="display:none">{}</div>',
    '<div style="position:absolute;left:-9999px;top:-9999px">{}</div>',
    '<span style="font-size:0">{}</span>',
    '<font color="#ffffff">{}</font>',
    '<marquee height="1" width="5" scrollamount="3000">{}</marquee>',
    "<noscript>{}</noscript>",
    '<p class="hx">{}</p>',
    "<div hidden>{}</div>",
    '<span style="visibility:hidden">{}</span>',
    '<div style="height:0;overflow:hidden">{}</div>',
    '<span style="color:transparent">{}</span>',
]
FULLWIDTH = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz0123456789.",
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９．",
)


@dataclass
class GenReport:
    """A generated report: blocks (with injections), the clean blocks, injected spans by location."""

    doc: DocumentBlocks
    clean: DocumentBlocks
    injected: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    t1_spans: int = 0


@cache
def _vocabulary() -> tuple[str, ...]:
    from parsing.spam import lexicon as lx

    return tuple({*lx.STRONG, *lx.BRAND, *lx.WEAK, *lx.SUFFIX, *lx.VARIANTS, *lx.ALLOW})


def unseen_brand(rng: random.Random) -> str:
    """A brand name the stripper cannot know: no lexicon or allow-context term inside."""
    while True:
        core = "".join(rng.sample(_BRAND_CHARS, 2))
        name = core + rng.choice(_BRAND_TAGS) + rng.choice(_BRAND_TYPES)
        if not any(t in name for t in _vocabulary()):
            return name


def chain(rng: random.Random, *, unseen: float = 0.0, digits: bool = True) -> str:
    """A random brand chain: 1–3 brands joined by a joiner, a suffix, maybe a URL / ZW chars."""
    return chain_of(rng, unseen=unseen, digits=digits)[0]


def chain_of(rng: random.Random, *, unseen: float = 0.0, digits: bool = True) -> tuple[str, bool]:
    """``(chain, made of unknown brands)`` (see ``chain``)."""
    if rng.random() < unseen:
        pool = [unseen_brand(rng) for _ in range(3)]
        if not digits:
            pool = ["".join(c for c in b if not c.isdigit()) for b in pool]
        return build_chain(rng, pool, digits=digits), True
    return build_chain(rng, KNOWN_BRANDS, digits=digits), False


def build_chain(rng: random.Random, pool: list[str], *, digits: bool = True) -> str:
    """A chain from ``pool`` (see ``chain``)."""
    parts = [rng.choice(pool) for _ in range(rng.randint(1, 3))]
    if not digits:
        parts = [p for p in parts if not any(c.isdigit() for c in p)] or ["澳门金沙"]
    text = rng.choice(JOINERS).join(parts) + rng.choice(SUFFIXES)
    if rng.random() < 0.2:
        chars = list(text)
        text = ZW.join(chars)
    if digits and rng.random() < 0.2:
        url = f"www.{rng.choice(['wnsr', 'amjs', 'pj', 'hg'])}{rng.randint(100, 9999)}.{rng.choice(['com', 'cc', 'vip'])}"
        if rng.random() < 0.3:
            url = url.translate(FULLWIDTH)
        text += rng.choice([":", "网址:", " "]) + url
    return text


def clean_report(rng: random.Random) -> DocumentBlocks:
    """A clean report: headings, 2–5 sentences per section, two template tables."""
    blocks: list[Paragraph | Table] = [Paragraph("合阳县2020年政府信息公开工作年度报告")]
    for h in HEADINGS:
        blocks.append(Paragraph(h))
        for _ in range(rng.randint(2, 5)):
            blocks.append(Paragraph(rng.choice(CLEAN_SENTENCES)))
        if h.startswith("二"):
            rows = [["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]]
            for lab in rng.sample(LABELS, 4):
                rows.append(
                    [
                        lab,
                        str(rng.randint(0, 999)),
                        rng.choice(["0", f"增{rng.randint(1, 99)}", f"减{rng.randint(1, 9)}"]),
                        str(rng.randint(0, 9999)),
                    ]
                )
            blocks.append(Table.from_strings(rows))
        if h.startswith("三"):
            rows = [["自然人", "商业企业", "科研机构", "总计"]]
            for _ in range(5):
                rows.append(
                    [str(rng.randint(0, 50)) for _ in range(3)]
                    + [f"{rng.randint(0, 99999) / 100:.2f}万元"]
                )
            blocks.append(Table.from_strings(rows))
    return DocumentBlocks(blocks=blocks, format="text")


def _copy(doc: DocumentBlocks) -> DocumentBlocks:
    blocks: list[Paragraph | Table] = []
    for b in doc.blocks:
        blocks.append(
            Paragraph(b.text) if isinstance(b, Paragraph) else Table.from_strings(b.texts())
        )
    return DocumentBlocks(blocks=blocks, format=doc.format)


def inject(rng: random.Random, clean: DocumentBlocks, *, unseen: float = 0.0) -> GenReport:
    """Inject spam into a copy of ``clean``; record every injected character position."""
    doc = _copy(clean)
    rep = GenReport(doc, clean)

    def note(loc: str, s: int, e: int, kind: str) -> None:
        rep.injected.setdefault(loc, []).append((s, e))
        rep.kinds.setdefault(loc, []).append(kind)

    t1: str | None = None
    t1_unseen = False
    if rng.random() < 0.5:
        t1, t1_unseen = chain_of(rng, unseen=unseen, digits=False)
        t1 += rng.choice(["", ":", ":"])
    for i, b in enumerate(doc.blocks):
        loc = f"text:{i}"
        if isinstance(b, Paragraph):
            if t1 and "关于" in b.text:  # T1: every 关于 replaced by the same phrase
                out, pos = "", 0
                while (j := b.text.find("关于", pos)) >= 0:
                    out += b.text[pos:j]
                    note(loc, len(out), len(out) + len(t1), "T1u" if t1_unseen else "T1")
                    rep.t1_spans += 1
                    out += t1
                    pos = j + 2
                b.text = out + b.text[pos:]
            elif rng.random() < 0.15 and not HEADINGS.count(b.text):  # T2 / T10
                spam, spam_unseen = chain_of(rng, unseen=unseen)
                cut = len(b.text) if rng.random() < 0.5 else rng.randint(1, max(1, len(b.text) - 1))
                while cut < len(b.text) and (b.text[cut - 1].isdigit() or b.text[cut].isdigit()):
                    cut += 1  # keep inserted spam from touching numbers (keeps ground truth simple)
                b.text = b.text[:cut] + spam + b.text[cut:]
                note(loc, cut, cut + len(spam), "T2u" if spam_unseen else "T2")
        else:
            for r, row in enumerate(b.rows):
                for c, cell in enumerate(row):
                    if r == 0 or rng.random() > 0.04:
                        continue
                    spam, cell_unseen = chain_of(rng, unseen=unseen, digits=False)
                    spam = "".join(ch for ch in spam if ch != ZW)
                    cloc = f"table:{i}:r{r}c{c}"
                    note(
                        cloc,
                        len(cell.text),
                        len(cell.text) + len(spam),
                        "T11u" if cell_unseen else "T11",
                    )
                    cell.text += spam
    return rep


def generate(n: int, seed: int = 7, *, unseen: float = 0.1) -> list[GenReport]:
    """``n`` generated reports with injections."""
    rng = random.Random(seed)
    return [inject(rng, clean_report(rng), unseen=unseen) for _ in range(n)]
