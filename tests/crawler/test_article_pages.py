"""Multi-page and scanned articles: which links are the article's own pages (issue 12)."""

from __future__ import annotations

import sys
from pathlib import Path

from crawler.article_pages import find_pages, find_scans, load_groups, record_pages

FORMS = Path(__file__).resolve().parents[1] / "fixtures" / "sites" / "forms"
sys.path.insert(0, str(FORMS))

import build_forms  # noqa: E402

BASE = "http://127.0.0.1:8000/xxgk/nb/202201/"


def _article(pager: str, body: str = "<p>正文</p>") -> str:
    return build_forms.article("某某县2021年政府信息公开工作年度报告", "某某县", body, pager)


def test_trs_pages_from_the_script_and_links():
    html = _article(build_forms.pager("t20220120_2001", 3, 0))
    assert find_pages(html, BASE + "t20220120_2001.html") == [
        BASE + "t20220120_2001.html",
        BASE + "t20220120_2001_1.html",
        BASE + "t20220120_2001_2.html",
    ]


def test_from_a_continuation_page_the_article_is_still_page_one():
    html = _article(build_forms.pager("t20220120_2001", 3, 2))
    pages = find_pages(html, BASE + "t20220120_2001_2.html")
    assert pages[0] == BASE + "t20220120_2001.html"
    assert len(pages) == 3


def test_hanweb_index_pages_and_no_foreign_links():
    html = (FORMS / "pager_hanweb.html").read_text(encoding="utf-8")
    base = "http://127.0.0.1:8000/art/2022/1/20/art_1_99/"
    assert find_pages(html, base + "index.html") == [
        base + "index.html",
        base + "index_2.html",
        base + "index_3.html",
    ]


def test_single_page_article_and_list_script_of_another_stem():
    html = _article('<script>createPageHTML(5, 0, "index", "html");</script>')
    assert find_pages(html, BASE + "t20220120_2002.html") == [BASE + "t20220120_2002.html"]


def test_scanned_article_images_but_not_icons():
    body = (
        '<p><img src="W020220121_1.png" width="600"></p><p><img src="W020220121_2.jpg"></p>'
        '<p><img src="/images/print.gif" width="16" height="16"></p>'
    )
    assert find_scans(_article("", body), BASE + "t.html") == [
        BASE + "W020220121_1.png",
        BASE + "W020220121_2.jpg",
    ]
    text_body = "<p>" + "正文内容" * 60 + '</p><p><img src="chart.png"></p>'
    assert find_scans(_article("", text_body), BASE + "t.html") == []


def test_page_relation_survives_in_the_archive_index(tmp_path):
    pages = [BASE + "a.html", BASE + "a_1.html", BASE + "a_2.html"]
    record_pages(tmp_path, pages)
    record_pages(tmp_path, pages[:2])  # the article was re-cut into 2 pages: replaced
    groups = load_groups(tmp_path)
    assert len(groups) == 1
    group = next(iter(groups.values()))
    assert group.pages == tuple(pages[:2])
    assert group.page_count == 2
