"""Title recognition, URL canonicalisation and list-page extraction (pure functions)."""

from __future__ import annotations

import pytest

from crawler.listing import hanweb_pages, json_listing, parse_listing, trs_pages
from crawler.recognize import is_report_title, publisher_from_title, year_from_title
from crawler.urls import canonical_url, filename_from_headers, is_attachment_url, sanitize_filename


@pytest.mark.parametrize(
    ("title", "ok", "year", "publisher"),
    [
        ("合阳县教育局2021年政府信息公开工作年度报告", True, 2021, "合阳县教育局"),
        ("合阳县2020年政府信息公开工作年度报告（更正版）", True, 2020, "合阳县人民政府"),
        ("渭南市人民政府2019年度政府信息公开年报", True, 2019, "渭南市人民政府"),
        ("政府信息公开工作年度报告（二〇一九年）", True, 2019, "合阳县人民政府"),
        ("洽川镇２０２２年政府信息公开工作年度报告", True, 2022, "洽川镇"),
        ("关于合阳县2021年政府信息公开工作年度报告的解读", False, 2021, None),
        ("图解：2021年政府信息公开年度报告", False, 2021, None),
        ("一图读懂合阳县2021年政府信息公开工作年度报告", False, 2021, None),
        ("合阳县2022年政务公开工作要点", False, 2022, None),
        ("合阳县2021年部门预算公开", False, 2021, None),
        ("关于做好2021年政府信息公开工作年度报告编制和发布工作的通知", False, 2021, None),
    ],
)
def test_titles(title, ok, year, publisher):
    assert is_report_title(title) is ok
    assert year_from_title(title) == year
    if ok:
        assert publisher_from_title(title, "合阳县人民政府") == publisher


def test_canonical_url_collapses_variants():
    a = canonical_url("http://WWW.heyang.gov.cn:80/zwgk/xxgknb/index.html?from=list#x")
    assert (
        a
        == canonical_url("http://www.heyang.gov.cn/zwgk/xxgknb/")  # url-ok: data, never fetched
        == "http://www.heyang.gov.cn/zwgk/xxgknb/"  # url-ok: data, never fetched
    )
    assert (
        canonical_url("http://a.cn/d.jsp?b=2&a=1&utm_source=z")  # url-ok: data, never fetched
        == "http://a.cn/d.jsp?a=1&b=2"  # url-ok: data, never fetched
    )


def test_attachments_and_filenames():
    assert is_attachment_url("http://a.cn/P020220125001.PDF")  # url-ok: data, never fetched
    assert is_attachment_url(
        "http://a.cn/module/download/downfile.jsp?classid=0&filename=22.pdf"  # url-ok: data, never fetched
    )
    assert is_attachment_url("http://a.cn/x.wps")  # url-ok: data, never fetched
    assert not is_attachment_url("http://a.cn/x.html")  # url-ok: data, never fetched
    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("..") == "document"
    assert "/" not in sanitize_filename("a/b\\..\\c.pdf")
    gbk = "年报.pdf".encode("gbk").decode("latin-1")
    assert (
        filename_from_headers(
            f'attachment; filename="{gbk}"',
            "http://a.cn/x",  # url-ok: data, never fetched
        )
        == "年报.pdf"
    )
    assert (
        filename_from_headers(
            "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf",
            "http://a.cn/x",  # url-ok: data, never fetched
        )
        == "年报.pdf"
    )
    assert (
        filename_from_headers(
            None,
            "http://a.cn/dl.jsp?filename=../../x.pdf",  # url-ok: data, never fetched
        )
        == "x.pdf"
    )


def test_trs_pagination_variants():
    base = "http://a.gov.cn/zwgk/xxgknb/index.html"  # url-ok: data, never fetched
    urls = [p.url for p in trs_pages('createPageHTML(5, 0, "index", "html");', base)]
    assert urls == [
        f"http://a.gov.cn/zwgk/xxgknb/index_{i}.html"  # url-ok: data, never fetched
        for i in range(1, 5)
    ]
    assert trs_pages('createPageHTML(5, 2, "index", "html");', base) == []
    v = trs_pages(
        "var countPage = 3;var currentPage = 0;createPageHTML(countPage, currentPage, 'index', 'shtml');",
        base,
    )
    assert [p.url.rsplit("/", 1)[1] for p in v] == ["index_1.shtml", "index_2.shtml"]
    assert trs_pages("createPageHTML(1, 0, 'index', 'html')", base) == []


def test_hanweb_dataproxy_requests():
    page = """<div id="888"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=7&path=/&columnid=55&unitid=888&webname=x&permissiontype=0"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="/art/2022/1/1/art_55_1.html">XX2021年政府信息公开工作年度报告</a>2022-01-01</li>]]></record></recordset></datastore></script></div>
    <script>var totalRecord = 40; perpage:5</script>"""
    listing = parse_listing(
        page,
        "http://a.gov.cn/col/col55/index.html",  # url-ok: data, never fetched
    )
    assert listing.style == "hanweb"
    assert listing.links[0].date == "2022-01-01"
    assert [p.url.split("?")[1] for p in listing.pages] == [
        "startrecord=2&endrecord=16&perpage=5",
        "startrecord=17&endrecord=31&perpage=5",
        "startrecord=32&endrecord=46&perpage=5",
    ]
    assert all(
        p.method == "POST" and "columnid=55" in p.body and "unitid=888" in p.body
        for p in listing.pages
    )
    assert (
        hanweb_pages(
            page,
            "http://a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=2",  # url-ok: data, never fetched
            1,
        )
        == []
    )


def test_json_listing():
    doc = '{"data":{"totalPage":3,"rows":[{"DOCTITLE":"XX2021年政府信息公开工作年度报告","DOCPUBURL":"/c/1.html","DOCRELTIME":"2022-01-02 10:00"}]}}'
    page = json_listing(doc, "http://a.gov.cn/api?pageIndex=1")  # url-ok: data, never fetched
    assert page.links[0].url == "http://a.gov.cn/c/1.html"  # url-ok: data, never fetched
    assert page.links[0].date == "2022-01-02"
    assert [p.url for p in page.pages] == [
        "http://a.gov.cn/api?pageIndex=2",  # url-ok: data, never fetched
        "http://a.gov.cn/api?pageIndex=3",  # url-ok: data, never fetched
    ]
    assert json_listing("not json", "http://a.gov.cn/") is None  # url-ok: data, never fetched


def test_plain_next_link_and_list_scope():
    html = '<div class="nav"><a href="/other.html">XX2021年政府信息公开工作年度报告</a></div><ul class="l"><li><a href="a.html">A</a></li></ul><a href="list2.html">下一页</a><a href="list0.html">上一页</a>'
    page = parse_listing(
        html,
        "http://a.gov.cn/nb/list.html",  # url-ok: data, never fetched
        list_selector="ul.l",
    )
    assert [link.url for link in page.links] == [
        "http://a.gov.cn/nb/a.html"  # url-ok: data, never fetched
    ]
    assert [p.url for p in page.pages] == [
        "http://a.gov.cn/nb/list2.html"  # url-ok: data, never fetched
    ]
