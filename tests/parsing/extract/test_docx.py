"""DOCX extractor: merged cells (gridSpan / vMerge), text boxes, hidden spam, hostile packages."""

from __future__ import annotations

import io
import zipfile

import pytest
from extract_assertions import expected, grid, norm, paragraphs, tables

from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.docx import extract_docx
from parsing.extract.limits import Limits


@pytest.fixture(scope="module")
def docx_2021(fx, specs, build):
    return build(
        "docx2021", lambda: fx.render_docx(specs.report("2021"), textbox=True, hidden_spam=True)
    )


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_template_tables(fx, specs, build, template):
    spec = specs.report(template)
    doc = extract_docx(build(f"docx{template}plain", lambda: fx.render_docx(spec)))
    assert doc.format == "docx"
    assert doc.title == spec.title
    got = tables(doc)
    for table, table_spec in zip(got, spec.tables(), strict=True):
        assert grid(table) == expected(table_spec)
    assert [norm(p) for p in paragraphs(doc)] == [norm(p) for p in spec.paragraphs()]


def test_merged_cells_counted_once(docx_2021):
    t3 = tables(extract_docx(docx_2021))[1]
    # python-docx would repeat 三、本年度办理结果 in all 22 rows; here it is one cell + copies
    column0 = [c for row in t3.rows for c in row[:1]]
    own = [c.text for c in column0 if not c.is_copy and c.text == "三、本年度办理结果"]
    assert own == ["三、本年度办理结果"]
    assert sum(c.origin == (5, 0) for c in column0) == 21  # vMerge over 3.2 … 3.7
    assert [c.origin for c in t3.rows[0][3:]] == [None] + [(0, 3)] * 6  # 申请人情况 gridSpan=7
    assert t3.rows[1][4].text == "法人或其他组织"
    assert t3.rows[1][8].origin == (1, 4)
    assert t3.rows[2][3].origin == (1, 3)  # 自然人 merged over two header rows


def test_textbox_and_hidden_spam(docx_2021, fx):
    doc = extract_docx(docx_2021)
    texts = paragraphs(doc)
    assert texts[-1].replace(" ", "").replace("\u3000", "") == norm(fx.TEXTBOX_TEXT)
    assert texts.count(texts[-1]) == 1  # mc:Fallback copy of the text box is skipped
    assert "一、总体情况" in texts
    assert fx.HIDDEN_SPAM not in "".join(texts)
    [record] = doc.spam_removals
    assert (record.removed_text, record.detector) == (fx.HIDDEN_SPAM, "docx_hidden")


def test_zip_bomb_refused(fx, build):
    bomb = build("bomb", fx.zip_bomb_docx)
    assert len(bomb) < 1_000_000
    with pytest.raises(CorruptDocumentError, match="zip bomb"):
        extract_docx(bomb)


def test_ratio_limit(docx_2021):
    with pytest.raises(CorruptDocumentError, match="zip bomb"):
        extract_docx(docx_2021, limits=Limits(zip_max_member_bytes=1000))


def test_entity_declarations_refused(fx, build):
    with pytest.raises(CorruptDocumentError, match="DOCTYPE/ENTITY"):
        extract_docx(build("entities", fx.entities_docx))


def test_not_a_docx():
    with pytest.raises(CorruptDocumentError):
        extract_docx(b"PK\x03\x04 truncated zip")
    with pytest.raises(UnsupportedFormatError, match="OLE2"):
        extract_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(CorruptDocumentError):
        extract_docx(b"")


def test_zip_without_document_part():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "不是文档")
    with pytest.raises(CorruptDocumentError):
        extract_docx(out.getvalue())


def test_truncated_docx(docx_2021):
    with pytest.raises(CorruptDocumentError):
        extract_docx(docx_2021[: len(docx_2021) // 2])
