"""Unit tests of the layers: shadow offsets, signatures, CSS, title hijack, cells, traditional."""

from __future__ import annotations

from lxml import html

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.spam import clean_dom, strip_document, strip_text
from parsing.spam.cells import is_numeric, strip_cell
from parsing.spam.css import norm_color, selector_to_xpath
from parsing.spam.dom import title_is_hijacked
from parsing.spam.lexicon import PROTECTED_PHRASES
from parsing.spam.shadow import TRAD_TO_SIMP, make_shadow
from parsing.spam.signatures import load_signatures, parse_signatures
from parsing.spam.template_labels import is_canonical_label


def _all_text(root: object) -> str:
    return "".join(str(t) for t in root.itertext())  # type: ignore[attr-defined]


def test_shadow_maps_back_to_original_offsets() -> None:
    text = "见\u200bｗｗｗ．８８８ｘｘ．ｃｏｍ澳門"
    sh = make_shadow(text)
    assert sh.text == "见www.888xx.com澳门"
    assert sh.zero_width == 1
    s = sh.text.index("www")
    assert sh.span_to_original(s, s + 13) == (2, 15)
    assert sh.traditional == 1


def test_trad_map_never_damages_protected_places() -> None:
    for phrase in PROTECTED_PHRASES:
        assert make_shadow(phrase).text == phrase
    assert all(k != v for k, v in TRAD_TO_SIMP.items())


def test_signature_store_is_versioned_and_parsed() -> None:
    version, sigs = load_signatures()
    assert version != "unknown"
    assert any(s.phrase == "澳门特区赌场_澳门金沙游戏¥中心大厅" for s in sigs)
    assert any(s.shadow == "澳门赌场推荐" for s in sigs)  # traditional entry matched on the shadow
    v, parsed = parse_signatures("# version: 9\nbroken line\nsig:x\tABC\t\t\n")
    assert v == "9"
    assert [s.shadow for s in parsed] == ["abc"]


def test_css_helpers() -> None:
    assert norm_color("#FFF") == "#ffffff"
    assert norm_color("rgb(255, 255, 255)") == "#ffffff"
    assert norm_color("rgba(0,0,0,0)") == "transparent"
    assert selector_to_xpath("div.a > p#b") is not None
    assert selector_to_xpath("a:hover") is None


def test_print_only_rules_do_not_hide_screen_content() -> None:
    page = "<html><head><style>@media print{.x{display:none}}</style></head><body><p class='x'>正文内容</p></body></html>"
    root = html.document_fromstring(page)
    clean_dom(root)
    assert "正文内容" in _all_text(root)


def test_long_hidden_prose_without_evidence_is_kept() -> None:
    long_text = "按照省市要求新增政务公开专栏，及时公布各镇（街）、各部门年报。" * 10
    root = html.document_fromstring(
        f"<html><body><div id='more' style='display:none'>{long_text}</div></body></html>"
    )
    res = clean_dom(root)
    assert long_text in _all_text(root)
    assert "hidden_content_kept" in res.flags


def test_offsite_spam_anchor_removed_gov_link_kept() -> None:
    page = (
        "<html><body><p>友情链接：<a href='http://www.gov.cn/'>中国政府网</a>"  # url-ok: data, never fetched
        "<a href='https://ag8.bet/'>AG真人娱乐</a></p></body></html>"
    )
    root = html.document_fromstring(page)
    res = clean_dom(root)
    text = _all_text(root)
    assert "中国政府网" in text
    assert "AG真人" not in text
    assert "external_spam_links" in res.flags


def test_title_is_hijacked() -> None:
    assert title_is_hijacked("亚洲国产成人精品久久久_韩日欧美一区")
    assert title_is_hijacked("澳门金沙游戏中心")
    assert not title_is_hijacked("合阳县2020年政府信息公开工作年度报告")
    assert not title_is_hijacked("金沙县人民政府")
    assert not title_is_hijacked(None)


def test_cell_rules() -> None:
    for v in ("增77", "7540.77万元", "1,038", "—"):
        assert is_numeric(v)
    for label in ("（一）予以公开", "1.属于国家秘密", "第二十条第(五)项"):
        assert is_canonical_label(label)
    assert strip_cell("266 九游会", "t", []).text == "266 "  # 九 belongs to a strong term
    assert strip_cell("266九游会", "t", []).ambiguous  # touching: 9游会 exists too
    assert strip_cell("规章永利娱乐平台", "t", []).text == "规章"
    res = strip_cell("某某事项澳门金沙", "t", [])
    assert res.quarantine == "label_not_canonical"
    assert res.text == "某某事项澳门金沙"


def test_span_copies_follow_their_origin_cell() -> None:
    table = Table.from_strings([["行政许可澳门金沙", "266"]])
    table.rows.append([type(table.rows[0][0])("行政许可澳门金沙", origin=(0, 0)), table.rows[0][1]])
    out = strip_document(DocumentBlocks([table], "html"))
    assert table.texts() == [["行政许可", "266"], ["行政许可", "266"]]
    assert len(out.removals) == 1


def test_doc_removals_from_dom_layer_are_included() -> None:
    from parsing.blocks import SpamRemovalRecord

    doc = DocumentBlocks(
        [Paragraph("正文")],
        "html",
        spam_removals=[SpamRemovalRecord("dom:div", "百家乐", "dom_hidden")],
    )
    out = strip_document(doc)
    assert out.verdict == "cleaned"
    assert out.removals[0].detector == "dom_hidden"


def test_joiner_repeat_finds_unknown_brand_with_exact_boundaries() -> None:
    paras = [
        "国家和省市永盈会_乐动游戏:政务公开工作",
        "《合阳县人民政府永盈会_乐动游戏:违反规定暂行办法》",
    ]
    doc = DocumentBlocks([Paragraph(p) for p in paras], "text")
    out = strip_document(doc)
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == [
        "国家和省市政务公开工作",
        "《合阳县人民政府违反规定暂行办法》",
    ]
    assert {r.detector for r in out.removals} == {"repeat"}
    assert out.verdict == "cleaned_with_gaps"


def test_strip_text_location_and_empty() -> None:
    assert strip_text("", location="x").text == ""
    res = strip_text("澳门金沙", location="title")
    assert res.removals[0].location == "title"


def test_label_early_reject_agrees_with_full_normalisation() -> None:
    """``is_canonical_label`` rejects by the last ideograph before normalising: the same answer
    as normalising every prefix and suffix of labels with text glued on either side."""
    from parsing.spam import template_labels as tl

    def full(text: str) -> bool:
        core = tl._norm(text)
        return bool(core) and (core in tl.canonical_labels() or bool(tl._ARTICLE.match(core)))

    glue = ["亚博官网", "\u3000 ", "（含网上办理）", "一、", "45件", "\u00b4", "第二十条第(三)项"]
    checked = 0
    for label in tl._LABELS.split():
        for g in glue:
            for text in (label + g, g + label):
                for k in range(1, len(text) + 1):
                    for part in (text[:k], text[k - 1 :]):
                        assert tl.is_canonical_label(part) == full(part), part
                        checked += 1
    assert checked > 10_000
