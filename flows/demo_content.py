"""Bundled sample sites for ``xxgk demo`` and the end-to-end tests, generated from numbers.

Three CMS styles a real crawl meets: a TRS site (``createPageHTML`` paging, ``div.TRS_Editor``
bodies), a Hanweb site (``<datastore>`` list, sub-agency reports, one page hacked with spam),
and a GBK site with plain ``下一页`` links (one report whose totals do not add up). The real
合阳县 2020 report (with its injected gambling spam) is served as flattened text in a page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

_RESULT_ROWS_2019 = [
    ("（一）予以公开", None),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("（三）不予公开", "1．属于国家秘密"),
    (None, "2．其他法律行政法规禁止公开"),
    (None, "3．危及“三安全一稳定”"),
    (None, "4．保护第三方合法权益"),
    (None, "5．属于三类内部事务信息"),
    (None, "6．属于四类过程性信息"),
    (None, "7．属于行政执法案卷"),
    (None, "8．属于行政查询事项"),
    ("（四）无法提供", "1．本机关不掌握相关政府信息"),
    (None, "2．没有现成信息需要另行制作"),
    (None, "3．补正后申请内容仍不明确"),
    ("（五）不予处理", "1．信访举报投诉类申请"),
    (None, "2．重复申请"),
    (None, "3．要求提供公开出版物"),
    (None, "4．无正当理由大量反复申请"),
    (None, "5．要求行政机关确认或重新出具已获取信息"),
]
_OTHER_2021 = [
    ("（六）其他处理", "1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (None, "2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    (None, "3．其他"),
]
_GROUP_SPAN = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}


@dataclass
class DemoReport:
    """One generated report: who, which year, which template and its key numbers."""

    publisher: str
    year: int
    template: str
    new_requests: list[int]  # table 三 row 1, six applicant columns (total is computed)
    carried: list[int] = field(default_factory=lambda: [0] * 6)
    withheld: list[int] = field(default_factory=lambda: [0] * 6)  # counted in 3.3.1
    carry_next: list[int] = field(default_factory=lambda: [0] * 6)
    review: list[int] = field(default_factory=lambda: [1, 0, 0, 0, 1])
    licences: tuple[int, int, int] = (266, 77, 1038)
    break_totals: bool = False
    spam: bool = False

    def row(self, values: list[int]) -> list[int]:
        """Six applicant columns plus their total."""
        return [*values, sum(values)]

    def published(self) -> list[int]:
        """Row 3.1: new + carried − withheld − carried to next year."""
        return [
            n + c - w - x
            for n, c, w, x in zip(
                self.new_requests, self.carried, self.withheld, self.carry_next, strict=True
            )
        ]


def _td(text: object, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
        f' colspan="{colspan}"' if colspan > 1 else ""
    )
    return f"<td{attrs}>{html.escape(str(text))}</td>"


def table_two(rep: DemoReport) -> str:
    """表二 in the report's template, one sub-table per article as sites print it."""
    lic = rep.licences
    if rep.template == "2019":
        parts = [
            (
                "第二十条第（一）项",
                ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
                [["规章", 0, 0, 0], ["规范性文件", 3, 3, 20]],
            ),
            (
                "第二十条第（五）项",
                ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                [
                    ["行政许可", lic[0], f"增{lic[1]}", f"{lic[2]:,}"],
                    ["其他对外管理服务事项", 123, "增16", 183],
                ],
            ),
            (
                "第二十条第（六）项",
                ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                [["行政处罚", 51, 0, 689], ["行政强制", 23, "增2", 13]],
            ),
            (
                "第二十条第（八）项",
                ["信息内容", "上一年项目数量", "本年增/减"],
                [["行政事业性收费", 22, "减3"]],
            ),
            (
                "第二十条第（九）项",
                ["信息内容", "采购项目数量", "采购总金额"],
                [["政府集中采购", 81, "7540.77万元"]],
            ),
        ]
    else:
        parts = [
            (
                "第二十条第（一）项",
                ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                [["规章", 0, 0, 0], ["行政规范性文件", 5, 1, 24]],
            ),
            ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [["行政许可", f"{lic[2]:,}"]]),
            (
                "第二十条第（六）项",
                ["信息内容", "本年处理决定数量"],
                [["行政处罚", 702], ["行政强制", 9]],
            ),
            (
                "第二十条第（八）项",
                ["信息内容", "本年收费金额（单位：万元）"],
                [["行政事业性收费", 35.6]],
            ),
        ]
    rows = []
    for heading, header, data in parts:
        rows.append("<tr>" + _td(heading, colspan=4) + "</tr>")
        rows.append(
            "<tr>"
            + "".join(
                _td(h, colspan=4 - len(header) + 1 if i == len(header) - 1 else 1)
                for i, h in enumerate(header)
            )
            + "</tr>"
        )
        for d in data:
            rows.append(
                "<tr>"
                + "".join(
                    _td(x, colspan=4 - len(d) + 1 if i == len(d) - 1 else 1)
                    for i, x in enumerate(d)
                )
                + "</tr>"
            )
    return '<table border="1" cellspacing="0">' + "".join(rows) + "</table>"


def table_three(rep: DemoReport) -> str:
    """表三 with the real spans: corner 3×3, 申请人情况, 三、本年度办理结果 over all result rows."""
    zero = [0] * 6
    result_rows = list(_RESULT_ROWS_2019)
    result_rows += _OTHER_2021 if rep.template == "2021" else [("（六）其他处理", None)]
    values: dict[int, list[int]] = {0: rep.published(), 2: rep.withheld}
    total_results = [p + w for p, w in zip(rep.published(), rep.withheld, strict=True)]
    head = (
        "<tr>"
        + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3)
        + _td("申请人情况", colspan=7)
        + "</tr><tr>"
        + _td("自然人", rowspan=2)
        + _td("法人或其他组织", colspan=5)
        + _td("总计", rowspan=2)
        + "</tr><tr>"
        + "".join(_td(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"))
        + "</tr>"
    )
    body = [
        "<tr>"
        + _td("一、本年新收政府信息公开申请数量", colspan=3)
        + "".join(_td(v) for v in rep.row(rep.new_requests))
        + "</tr>",
        "<tr>"
        + _td("二、上年结转政府信息公开申请数量", colspan=3)
        + "".join(_td(v) for v in rep.row(rep.carried))
        + "</tr>",
    ]
    span = len(result_rows) + 1
    for i, (group, sub) in enumerate(result_rows):
        cells = _td("三、本年度办理结果", rowspan=span) if i == 0 else ""
        if group and sub:
            cells += _td(group, rowspan=_GROUP_SPAN[group]) + _td(sub)
        elif group:
            cells += _td(group, colspan=2)
        else:
            cells += _td(sub)
        row = rep.row(values.get(i, zero))
        if rep.break_totals and i == 0:
            row[-1] += 2  # printed total that does not add up
        body.append("<tr>" + cells + "".join(_td(v) for v in row) + "</tr>")
    body.append(
        "<tr>"
        + _td("（七）总计", colspan=2)
        + "".join(_td(v) for v in rep.row(total_results))
        + "</tr>"
    )
    body.append(
        "<tr>"
        + _td("四、结转下年度继续办理", colspan=3)
        + "".join(_td(v) for v in rep.row(rep.carry_next))
        + "</tr>"
    )
    return '<table border="1">' + head + "".join(body) + "</table>"


def table_four(rep: DemoReport) -> str:
    """表四: 15 numbers under headers spanning 2–3 rows."""
    outcomes = "".join(_td(x) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
    head = (
        "<tr>"
        + _td("行政复议", colspan=5)
        + _td("行政诉讼", colspan=10)
        + "</tr><tr>"
        + "".join(
            _td(x, rowspan=2) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
        )
        + _td("未经复议直接起诉", colspan=5)
        + _td("复议后起诉", colspan=5)
        + "</tr><tr>"
        + outcomes
        + outcomes
        + "</tr>"
    )
    nums = rep.review + [0, 0, 0, 0, 0] + [0, 0, 0, 0, 0]
    return '<table border="1">' + head + "<tr>" + "".join(_td(v) for v in nums) + "</tr></table>"


def report_page(rep: DemoReport, *, site_title: str, date: str) -> str:
    """A TRS-style article page holding the whole report."""
    title = f"{rep.publisher}{rep.year}年政府信息公开工作年度报告"
    spam_div = (
        '<div style="display:none"><a href="http://spam.example.com/">澳门金沙娱乐城官网</a>'
        "<a href='http://spam.example.com/2'>澳门威尼斯人线上娱乐</a></div>"
        if rep.spam
        else ""
    )
    glued = "澳门金沙娱乐场_澳门威尼斯人¥官方网站" if rep.spam else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{html.escape(title)}_{html.escape(site_title)}</title>
<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="{date} 09:30">
</head><body>{spam_div}<div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<h1 class="title">{html.escape(title)}</h1><div class="info">发布时间：{date}</div>
<div class="TRS_Editor">
<p>本报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限为{rep.year}年1月1日至{rep.year}年12月31日。</p>
<p><strong>一、总体情况</strong></p>
<p>{rep.year}年，{rep.publisher}{glued}认真贯彻落实政府信息公开工作要求，主动公开政府信息，依法办理依申请公开事项。</p>
<p><strong>二、主动公开政府信息情况</strong></p>{table_two(rep)}
<p><strong>三、收到和处理政府信息公开申请情况</strong></p>{table_three(rep)}
<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>{table_four(rep)}
<p><strong>五、存在的主要问题及改进情况</strong></p>
<p>一是公开内容的规范性有待提高；二是依申请公开答复质量需进一步提升。下一步将加强培训。</p>
<p><strong>六、其他需要报告的事项</strong></p>
<p>本年度未收取信息处理费。</p>
</div><div class="footer">版权所有：{html.escape(site_title)} 网站标识码6105240001</div></body></html>"""


def sample_page() -> str:
    """The real 合阳县 2020 report (spam included) as a page of flattened text paragraphs."""
    text = resources.files("flows").joinpath("demo_data/heyang-2020-spam.txt").read_text("utf-8")
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (
        '<html><head><meta charset="utf-8"><title>合阳县2020年政府信息公开工作年度报告</title></head>'
        '<body><h1>合阳县2020年政府信息公开工作年度报告</h1><div class="TRS_Editor">'
        f"{paras}</div></body></html>"
    )


def demo_reports() -> dict[str, list[tuple[str, DemoReport]]]:
    """The reports of each demo site, keyed by site name, with their article file names."""
    return {
        "demo_trs": [
            (
                "2022/t20220310_1.html",
                DemoReport(
                    "渭南市", 2021, "2021", [10, 2, 0, 1, 1, 0], withheld=[1, 0, 0, 0, 0, 0]
                ),
            ),
            (
                "2021/t20210301_2.html",
                DemoReport(
                    "渭南市", 2020, "2019", [8, 1, 0, 0, 0, 1], carry_next=[0, 0, 0, 0, 0, 0]
                ),
            ),
            ("2020/t20200305_3.html", DemoReport("渭南市", 2019, "2019", [7, 0, 0, 0, 1, 0])),
        ],
        "demo_hanweb": [
            (
                "art/2022/1/20/art_1_11.html",
                DemoReport("合阳县教育局", 2021, "2021", [3, 0, 0, 0, 0, 0], spam=True),
            ),
            (
                "art/2022/1/25/art_1_12.html",
                DemoReport("合阳县卫生健康局", 2021, "2021", [2, 1, 0, 0, 0, 0]),
            ),
        ],
        "demo_gbk": [
            (
                "news/2021-03-20-1.html",
                DemoReport("澄城县", 2020, "2019", [6, 0, 0, 0, 0, 0], break_totals=True),
            ),
        ],
    }


def write_demo_sites(root: Path) -> None:
    """Write the three demo sites under ``root/<site>/`` (relative links only)."""
    reports = demo_reports()
    trs = root / "demo_trs" / "xxgk" / "nb"
    titles = {
        "demo_trs": "渭南市人民政府",
        "demo_hanweb": "合阳县人民政府",
        "demo_gbk": "澄城县人民政府",
    }
    for site, items in reports.items():
        for path, rep in items:
            base = trs if site == "demo_trs" else root / site
            out = base / path
            out.parent.mkdir(parents=True, exist_ok=True)
            page = report_page(rep, site_title=titles[site], date=f"{rep.year + 1}-02-15")
            if site == "demo_gbk":
                out.write_bytes(
                    page.replace('charset="utf-8"', 'charset="gb2312"').encode("gb18030")
                )
            else:
                out.write_text(page, encoding="utf-8")
    _trs_lists(trs, reports["demo_trs"])
    _hanweb_list(root / "demo_hanweb", reports["demo_hanweb"])
    _gbk_lists(root / "demo_gbk", reports["demo_gbk"])


def _li(href: str, title: str, date: str) -> str:
    return f'<li><a href="{href}" title="{html.escape(title)}">{html.escape(title)}</a><span>{date}</span></li>'


def _trs_lists(base: Path, items: list[tuple[str, DemoReport]]) -> None:
    links = [(p, f"{r.publisher}{r.year}年政府信息公开工作年度报告") for p, r in items]
    links.append(("2021/t20210302_9.html", "渭南市2020年政府信息公开工作年度报告的解读"))
    (base / "2021" / "t20210302_9.html").write_text(
        "<html><body><h1>渭南市2020年政府信息公开工作年度报告的解读</h1><p>解读内容。</p></body></html>",
        encoding="utf-8",
    )
    (base / "sample").mkdir(exist_ok=True)
    (base / "sample" / "t20210120_8.html").write_text(sample_page(), encoding="utf-8")
    links.insert(0, ("sample/t20210120_8.html", "合阳县2020年政府信息公开工作年度报告"))
    pages = [links[:2], links[2:4], links[4:]]
    for i, chunk in enumerate(pages):
        name = "index.html" if i == 0 else f"index_{i}.html"
        lis = "".join(_li(f"./{p}", t, "2022-03-10") for p, t in chunk)
        (base / name).write_text(
            f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
            f'<ul class="list">{lis}</ul><script>createPageHTML({len(pages)}, {i}, "index", "html");'
            "</script></body></html>",
            encoding="utf-8",
        )


def _hanweb_list(base: Path, items: list[tuple[str, DemoReport]]) -> None:
    records = "".join(
        f"<record><![CDATA[{_li('../../' + p, f'{r.publisher}{r.year}年政府信息公开工作年度报告', '2022-01-20')}]]></record>"
        for p, r in items
    )
    col = base / "col" / "col1" / "index.html"
    col.parent.mkdir(parents=True, exist_ok=True)
    col.write_text(
        '<html><head><meta charset="utf-8"></head><body><div id="list">'
        f'<script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup><recordset>{records}'
        "</recordset></datastore></script></div></body></html>",
        encoding="utf-8",
    )


def _gbk_lists(base: Path, items: list[tuple[str, DemoReport]]) -> None:
    """Plain 下一页 lists in GBK; one report is a Word attachment of an article page."""
    from flows.demo_docx import report_docx

    attached = DemoReport("澄城县", 2021, "2021", [4, 0, 1, 0, 0, 0], withheld=[1, 0, 0, 0, 0, 0])
    title = "澄城县2021年政府信息公开工作年度报告"
    news = base / "news"
    news.mkdir(parents=True, exist_ok=True)
    (news / "P020220301.docx").write_bytes(report_docx(attached))
    article = (
        f'<html><head><meta charset="gb2312"><title>{title}</title>'
        '<meta name="PubDate" content="2022-02-28 10:00"></head><body>'
        f"<h1>{title}</h1>"
        f'<div class="zw"><p>{title}已编制完成，现予公布。</p>'
        f'<p>附件：<a href="P020220301.docx">{title}.docx</a></p></div></body></html>'
    )
    (news / "2022-03-01-2.html").write_bytes(article.encode("gb18030"))
    lis = _li("news/2022-03-01-2.html", title, "2022-03-01") + "".join(
        _li(p, f"{r.publisher}{r.year}年政府信息公开工作年度报告", "2021-03-20") for p, r in items
    )
    page1 = (
        f'<html><head><meta charset="gb2312"></head><body><ul>{lis}</ul>'
        '<a href="list_2.html">下一页</a></body></html>'
    )
    page2 = (
        '<html><head><meta charset="gb2312"></head><body><ul>'
        + _li("news/budget.html", "澄城县2021年部门预算公开", "2021-02-01")
        + "</ul></body></html>"
    )
    budget = '<html><head><meta charset="gb2312"></head><body><h1>澄城县2021年部门预算公开</h1></body></html>'
    (base / "list.html").write_bytes(page1.encode("gb18030"))
    (base / "list_2.html").write_bytes(page2.encode("gb18030"))
    (news / "budget.html").write_bytes(budget.encode("gb18030"))


def demo_sites_toml(port: int) -> str:
    """The site registry of the demo sites served on ``127.0.0.1:port``."""
    base = f"http://127.0.0.1:{port}"
    return f"""# Generated by xxgk demo: three local sites in three CMS styles.
[[site]]
name = "demo_trs"
publisher = "渭南市人民政府"
region_code = "610500"
start_urls = ["{base}/demo_trs/xxgk/nb/index.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "demo_hanweb"
publisher = "合阳县人民政府"
region_code = "610524"
start_urls = ["{base}/demo_hanweb/col/col1/index.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "demo_gbk"
publisher = "澄城县人民政府"
region_code = "610525"
start_urls = ["{base}/demo_gbk/list.html"]
allowed_domains = ["127.0.0.1"]
"""
