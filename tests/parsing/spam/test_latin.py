"""Latin-letter and domain spam (issue 11): brands in letters/pinyin/domains of any TLD are spam,
except the site's own domain, ``.gov.cn`` addresses and contact addresses in the report's voice
(the corpus cases in ``tests/fixtures/spam/cases.toml`` cover the shapes and the bait)."""

from __future__ import annotations

from parsing.inputs import RawDocument
from parsing.pipeline import parse_document
from parsing.spam import strip_text
from parsing.spam.latin import brand_word, own_hosts
from tests.parsing.digit_cases import REPORTS


def test_the_sites_own_domain_is_never_spam() -> None:
    text = "请登录本县门户网站www.yabo-county.com查询，或致电12345。"
    assert strip_text(text).text != text  # a brand label in a foreign host is spam
    with own_hosts("http://www.yabo-county.com/zwgk/2023/nb.html"):  # url-ok
        assert strip_text(text).text == text
    assert strip_text(text).text != text  # the exemption ends with the document


def test_brand_words() -> None:
    for word in ("yabo", "bet365", "hg0088", "yabo88", "kaiyunsports", "ag8"):
        assert brand_word(word), word
    for word in ("world", "bank", "office", "app", "wifi", "ag", "w3", "2023", "gov"):
        assert not brand_word(word), word


def test_report_with_latin_spam_in_body_parses_clean() -> None:
    page = (REPORTS / "02_trs_2021_tpl_2022" / "input.html").read_text(encoding="utf-8")
    spam = "kaiyun开云体育官网入口xx88.vip亚博体育"
    dirty = page.replace("本报告中所列数据", f"本报告{spam}中所列数据", 1)
    report = parse_document(
        RawDocument(content=dirty.encode(), url="http://127.0.0.1/zwgk/nb.html")  # url-ok
    )
    assert "kaiyun" not in (report.text_overall or "") + "".join(report.sections.values())
    assert any("xx88.vip" in r.removed_text for r in report.spam_removals)


def test_a_domain_glued_to_spam_in_one_paragraph_is_not_stripped_from_an_email_elsewhere():
    # found by the hypothesis property: spam glued before "163.com" in one paragraph made
    # "163.com" a document-wide phrase, cutting the contact e-mail of an untouched paragraph
    from parsing.blocks import DocumentBlocks, Paragraph
    from parsing.spam import strip_document

    contact = "监督电话0913-5521234，电子邮箱hyxzfb@163.com。"
    doc = DocumentBlocks(
        blocks=[
            Paragraph(text="合阳县2020年政府信息公开工作年度报告"),
            Paragraph(text=contact.replace("@", "@澳门金沙🎰")),
            Paragraph(text=contact),
        ],
        format="text",
    )
    strip_document(doc)
    assert doc.blocks[2].text == contact
    assert "澳门金沙" not in doc.blocks[1].text
