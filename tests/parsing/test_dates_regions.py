"""Issue 17 §1 and issue 11 §4: the document's own date, the publisher's region, publisher_key,
and the one canonical URL behind ``report_id``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsing import RawDocument, parse_document
from parsing.extract.html import extract_html
from parsing.publishers import identify, publisher_key
from parsing.regions import divisions, resolve
from parsing.urls import canonical_url, report_id_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
META = FIXTURES / "metadata"


@pytest.mark.parametrize(
    ("name", "encoding", "expected", "source"),
    [
        ("dates_index_table.html", "utf-8", "2020-02-15", "index_table"),  # 发布日期 beats 成文日期
        ("written_date_only.html", "utf-8", "2021-01-28", "index_table"),
        ("page_text.html", "utf-8", "2022-01-28", "page_text"),
        ("no_date.html", "utf-8", None, None),
    ],
)
def test_page_dates(name, encoding, expected, source):
    doc = extract_html((META / name).read_text(encoding=encoding))
    assert doc.published_date == expected
    assert doc.published_date_source == source


def test_document_date_beats_list_date():
    case = FIXTURES / "reports" / "01_trs_2019_tpl_2020"
    meta = json.loads((case / "meta.json").read_text(encoding="utf-8"))
    raw = RawDocument(
        content=(case / "input.html").read_bytes(),
        media_type=meta["media_type"],
        url=meta["url"],
        publisher=meta["publisher"],
        published_date=date(2022, 3, 10),  # the list page's date
        published_date_source="list",
    )
    report = parse_document(raw)
    assert report.published_date == date(2021, 1, 25)  # <meta name="PubDate"> of the page
    assert report.published_date_source == "meta"


def test_list_date_is_the_recorded_fallback():
    sample = FIXTURES / "samples" / "heyang-2020-spam.txt"
    raw = RawDocument(
        content=sample.read_bytes(),
        filename=sample.name,
        publisher="合阳县人民政府",
        region_code="610500",  # found on the 渭南市 site
        published_date=date(2022, 3, 10),
    )
    report = parse_document(raw)
    assert (report.published_date, report.published_date_source) == (date(2022, 3, 10), "list")
    assert report.region_code == "610524"
    assert report.region_code_source == "publisher"
    assert report.publisher_key == "610524:合阳县人民政府"


def test_division_data_is_current_and_complete():
    table = divisions()
    assert len(table) > 3000
    assert table["610524"].name == "合阳县"
    assert table["610500"].name == "渭南市"
    assert table["653229"].name == "和安县"  # created December 2024
    assert table["429004"].parent == "420000"  # 仙桃市: county-level, directly under 湖北省


@pytest.mark.parametrize(
    ("name", "site", "code", "source"),
    [
        ("合阳县人民政府", "610500", "610524", "publisher"),  # the case
        ("陕西省渭南市合阳县教育局", None, "610524", "publisher"),
        ("渭南市人民政府", "610524", "610500", "publisher"),
        ("铁东区人民政府", "220300", "220303", "publisher"),  # 四平's, not 鞍山's
        ("铁东区人民政府", "210300", "210302", "publisher"),
        ("北京市海淀区人民政府", None, "110108", "publisher"),
        ("教育局", "610524", "610524", "site"),
        ("国务院办公厅", None, None, None),
    ],
)
def test_region_resolution(name, site, code, source):
    res = resolve(name, site)
    assert (res.code, res.source) == (code, source)


def test_ambiguous_name_stays_null_with_candidates():
    res = resolve("朝阳区人民政府", "610500")  # neither Beijing's nor 长春's 朝阳区 is near 渭南
    assert res.code is None
    assert res.ambiguous == ("110105", "220104")


@pytest.mark.parametrize(
    "variants",
    [
        [
            "合阳县人民政府",
            "合阳县政府",
            "陕西省合阳县人民政府",
            "合阳县",
            "陕西省渭南市合阳县人民政府",
        ],
        ["渭南高新区管委会", "渭南高新技术产业开发区管理委员会", "渭南高新技术产业开发区管委会"],
        ["合阳县人民政府办公室", "合阳县政府办公室", "合阳县 人民政府办公室"],
        ["合阳县城关街道办事处", "合阳县城关街道"],
    ],
)
def test_publisher_key_one_series_across_wordings(variants):
    keys = {publisher_key(v, "610524") for v in variants}
    assert len(keys) == 1, keys


def test_publisher_key_keeps_different_bodies_apart():
    assert publisher_key("合阳县教育局") != publisher_key("合阳县人民政府")
    assert publisher_key("合阳县教育局") != publisher_key("澄城县教育局")


@pytest.mark.parametrize(
    ("name", "site", "level", "parent"),
    [
        ("陕西省人民政府", None, "省级", None),
        ("渭南市人民政府", None, "市级", "陕西省人民政府"),
        ("合阳县人民政府", "610500", "县级", "渭南市人民政府"),
        ("合阳县城关镇人民政府", None, "乡镇", "合阳县人民政府"),
        ("合阳县教育局", None, "部门", "合阳县人民政府"),
        ("渭南高新区管委会", None, "功能区", "渭南市人民政府"),
    ],
)
def test_levels_and_parents(name, site, level, parent):
    who = identify(name, site)
    assert (who.level, who.parent) == (level, parent)


def test_canonical_url_and_report_id_agree_on_variants():
    variants = [
        "http://www.heyang.gov.cn/xxgk/nb/index.html",  # url-ok: data, never fetched
        "HTTP://WWW.heyang.gov.cn:80/xxgk/nb/",  # url-ok: data, never fetched
        "http://www.heyang.gov.cn/xxgk/nb/index.html#top",  # url-ok: data, never fetched
        "http://www.heyang.gov.cn/xxgk/nb/?utm_source=wx&spm=1.2",  # url-ok: data, never fetched
    ]
    assert len({canonical_url(v) for v in variants}) == 1
    assert len({report_id_for(v, "00") for v in variants}) == 1
    encoded = "http://x.gov.cn/a/%E5%B9%B4%E6%8A%A5.html?b=2&a=1"  # url-ok: data, never fetched
    raw = "http://x.gov.cn/a/年报.html?a=1&b=2"  # url-ok: data, never fetched
    assert report_id_for(encoded, "00") == report_id_for(raw, "00")


def test_crawler_uses_the_same_function():
    from crawler import urls as crawler_urls

    assert crawler_urls.canonical_url is canonical_url


_SEG = st.text(alphabet=st.sampled_from(list("abcAB019-_.~ 年报%+&=?#/:")), max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["http", "HTTPS"]),
    st.sampled_from(["www.X.gov.cn", "a.cn:80", "a.cn:8080"]),  # url-ok: data, never fetched
    _SEG,
    _SEG,
    _SEG,
)
def test_canonical_url_is_idempotent(scheme, host, path, query, fragment):
    c = canonical_url(f"{scheme}://{host}/{path}?{query}#{fragment}")
    assert canonical_url(c) == c
    assert report_id_for(c, "00") == report_id_for(f"{c}#{fragment}", "00")
