"""Structural cues for unknown brands, glued table cells, document repeats, fast paths."""

from __future__ import annotations

from lxml import etree, html

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.extract.html import extract_html, parse_tree
from parsing.spam import clean_dom, strip_document, strip_text
from parsing.spam.cells import strip_cell
from parsing.spam.css import style_rules
from parsing.spam.dom import title_is_hijacked
from parsing.spam.tablepass import TableTally, cell_result

ZW = "\u200b"


def _all(root: etree._Element) -> str:
    return "".join(str(t) for t in root.itertext())


def test_zero_width_interleaved_run_is_removed_exactly() -> None:
    spam = ZW.join("鸿胜国际官网")
    res = strip_text(f"提高工作质量。{spam}")
    assert res.text == "提高工作质量。"
    assert [r.removed_text for r in res.removals] == [spam]


def test_repeated_unit_with_three_copies_or_suffix_is_removed() -> None:
    assert strip_text("工作质量。鑫盈,鑫盈,鑫盈").text == "工作质量。"
    assert (
        strip_text("开展打击尊御电竞·尊御电竞网址跨境赌博专项行动").text
        == "开展打击跨境赌博专项行动"
    )


def test_two_copies_in_a_title_are_not_spam() -> None:
    title = "澄城县人民政府-政府信息公开年报"
    assert strip_text(title).text == title
    assert not title_is_hijacked(title)


def test_trailing_chain_after_a_sentence_end() -> None:
    assert strip_text("现将有关事项通知如下。鸿胜k8|必赢亚洲官网").text == "现将有关事项通知如下。"
    for keep in ("监督电话0913-5521234。电子邮箱hyxzfb@163.com", "一、总体情况", "详见附件。附件1"):
        assert strip_text(keep).text == keep


def test_glued_cell_spam_is_stripped_only_with_evidence() -> None:
    # spam touching a number could have carried digits: ambiguous (digit conservation)
    assert strip_cell("45鸿胜国际官网", "t", []).ambiguous
    assert strip_cell("45 鸿胜国际官网", "t", []).text == "45 "
    assert strip_cell("规范性文件鸿胜·鑫盈", "t", []).text == "规范性文件"
    assert strip_cell("鸿胜tt国际 266", "t", []).text == " 266"
    assert strip_cell("20亿胜娱乐平台", "t", []).quarantine == "spam_overlaps_digits"
    for keep in ("行政许可（含网上平台办理）", "部分公开（区分处理的，只计这一情形）", "266（件）"):
        res = strip_cell(keep, "t", [])
        assert res.text == keep
        assert not res.removals


def test_document_repeat_extends_over_an_unknown_brand() -> None:
    spam = "汇隆亚洲娱乐平台"
    doc = DocumentBlocks(
        [
            Paragraph(f"《合阳县人民政府{spam}违反政府信息公开工作规定责任追究暂行办法》"),
            Paragraph(f"{spam}政府信息公开工作的意见和建议，可通过政府网站反馈。"),
            Paragraph(f"负责贯彻落实国家和省市{spam}政务公开工作的有关法规。"),
        ],
        "text",
    )
    strip_document(doc)
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert not any("汇隆" in t for t in texts), texts


def test_table_pass_equals_strip_cell_with_document_phrases() -> None:
    phrases = [("鸿胜国际", "repeat")]
    tally = TableTally(phrases, [], set(), [])
    for text in ("行政许可", "行政许可鸿胜国际", "0", "266九游会", "其他", "鸿胜国际"):
        got = cell_result(text, tally)
        want = strip_cell(text, "", phrases)
        assert got is None and not want.removals or got == want, text


def test_span_copies_follow_their_stripped_origin() -> None:
    table = Table.from_strings([["行政许可澳门金沙", "1"], ["x", "2"]])
    table.rows[1][0].text, table.rows[1][0].origin = "行政许可澳门金沙", (0, 0)
    strip_document(DocumentBlocks([table], "text"))
    assert table.rows[0][0].text == table.rows[1][0].text == "行政许可"


def test_comment_tail_text_is_kept() -> None:
    doc = extract_html(
        "<html><body><table><tr><td><!--来源-->渭南市人民政府办公室</td></tr></table>"
        "<div id='zoom'><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table>"
        "</div></body></html>"
    )
    assert doc.blocks  # parsed
    root = parse_tree("<html><body><p>甲<!--x-->乙</p></body></html>")
    clean_dom(root)
    assert _all(root) == "甲乙"


def test_style_rules_keep_only_what_can_hide_and_later_rules_win() -> None:
    page = (
        "<html><head><style>.a{display:none}.a{display:block}.b{overflow:hidden}"
        ".c{font-size:12pt;color:#333}</style></head><body><div class='a'>显示</div>"
        "<div class='b' style='height:0'>零高</div><p class='c'>正文</p></body></html>"
    )
    root = html.document_fromstring(page)
    rules = style_rules(root)
    assert all("font-size" not in decls for _, decls in rules)
    clean_dom(root)
    text = _all(root)
    assert "显示" in text
    assert "正文" in text
    assert "零高" not in text


def test_plain_etree_and_lxml_html_trees_clean_alike() -> None:
    page = (
        "<html><body bgcolor='#fff'><p>全年共办理<span style='font-size:0'>百家乐</span>114件</p>"
        "<font color='#ffffff'>太阳城娱乐</font><p>公开信息5200条。</p></body></html>"
    )
    a, b = html.document_fromstring(page), etree.fromstring(page, etree.HTMLParser())
    clean_dom(a)
    clean_dom(b)
    assert _all(a) == _all(b) == "全年共办理114件公开信息5200条。"
