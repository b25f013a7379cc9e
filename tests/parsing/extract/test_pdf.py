"""PDF extractor: template tables, page-split table 三, invisible spam, corrupt input."""

from __future__ import annotations

import pytest
from extract_assertions import expected, grid, norm, paragraphs, tables

from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.limits import Limits
from parsing.extract.pdf import extract_pdf


@pytest.fixture(scope="module")
def pdfs(fx, specs, build):
    return {
        "2019": build("pdf2019", lambda: fx.render_pdf(specs.report("2019"))),
        "2021": build("pdf2021", lambda: fx.render_pdf(specs.report("2021"))),
        "split": build("pdfsplit", lambda: fx.render_pdf(specs.report("2021", split_table_3=True))),
        "spam": build("pdfspam", lambda: fx.render_pdf(specs.report("2019"), spam=True)),
    }


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_template_tables_and_paragraphs(pdfs, specs, template):
    spec = specs.report(template)
    doc = extract_pdf(pdfs[template])
    assert doc.format == "pdf"
    assert doc.title == spec.title
    got = tables(doc)
    assert len(got) == 3
    for table, table_spec in zip(got, spec.tables(), strict=True):
        assert grid(table) == expected(table_spec)
    # wrapped lines are joined back into paragraphs; page numbers ('- 1 -') are gone
    assert [norm(p) for p in paragraphs(doc)] == [norm(p) for p in spec.paragraphs()]


def test_table_3_cells_2021(pdfs):
    t3 = tables(extract_pdf(pdfs["2021"]))[1]
    assert len(t3.rows) == 28
    assert len(t3.rows[0]) == 10
    assert t3.rows[0][3].text == "申请人情况"
    assert t3.rows[0][9].origin == (0, 3)
    assert t3.rows[5][0].text == "三、本年度办理结果"
    # the 三、本年度办理结果 cell spans every result row (3.1 … 3.7)
    assert all(t3.rows[r][0].origin == (5, 0) for r in range(6, 27))
    assert [c.text for c in t3.rows[-1][3:]] == ["1", "0", "0", "0", "0", "0", "1"]


def test_table_split_over_pages_is_merged(pdfs, specs):
    doc = extract_pdf(pdfs["split"])
    spec = specs.report("2021", split_table_3=True)
    got = tables(doc)
    assert len(got) == 3, "table 三 must come back as one table"
    # header rows repeated on page 2 are dropped; blank continuation of the merged
    # 三、本年度办理结果 / （三）不予公开 cells is joined to its origin on page 1
    assert grid(got[1]) == expected(spec.tables()[1])
    assert not any(p.strip("- ").isdigit() for p in paragraphs(doc))


def test_invisible_spam_dropped_and_recorded(pdfs, fx):
    doc = extract_pdf(pdfs["spam"])
    removed = {(r.location, r.removed_text, r.detector) for r in doc.spam_removals}
    assert ("pdf:p1", fx.SPAM_WHITE, "pdf_invisible") in removed  # white on white
    assert ("pdf:p1", fx.SPAM_INVISIBLE, "pdf_invisible") in removed  # render mode 3
    text = "".join(paragraphs(doc))
    assert fx.SPAM_WHITE not in text
    assert "葡京" not in text
    assert "2020年，某某县人民政府坚持" in text
    assert len(doc.spam_removals) == 2


def test_truncated_pdf_is_corrupt(pdfs, fx):
    with pytest.raises(CorruptDocumentError) as err:
        extract_pdf(fx.corrupt_pdf(pdfs["2021"]))
    assert err.value.kind == "corrupt_document"


@pytest.mark.parametrize(
    "data", [b"", b"<html>not a pdf</html>", b"%PDF-1.7\n" + b"\x00garbage" * 50]
)
def test_garbage_is_corrupt(data):
    with pytest.raises(CorruptDocumentError):
        extract_pdf(data)


def test_limits(pdfs):
    with pytest.raises(CorruptDocumentError, match="pages"):
        extract_pdf(pdfs["split"], limits=Limits(max_pages=1))
    with pytest.raises(CorruptDocumentError, match="limit"):
        extract_pdf(pdfs["2021"], limits=Limits(max_bytes=1000))
    with pytest.raises(CorruptDocumentError, match="time limit"):
        extract_pdf(pdfs["2021"], limits=Limits(max_seconds=0))


def test_image_only_pdf_without_tesseract(pdfs, fx, build, monkeypatch):
    import parsing.extract.image as image

    scanned = build("scanned", lambda: fx.image_only_pdf(pdfs["2021"]))
    monkeypatch.setattr(image, "tesseract_languages", lambda: None)
    monkeypatch.setattr("parsing.extract.pdf.tesseract_languages", lambda: None)
    with pytest.raises(UnsupportedFormatError, match="tesseract") as err:
        extract_pdf(scanned)
    assert err.value.kind == "format_unsupported"


def test_image_only_pdf_is_ocrd(pdfs, fx, build):
    from parsing.extract.image import tesseract_languages

    if tesseract_languages() is None:
        pytest.skip("tesseract with chi_sim is not installed (scripts/install-converters.sh)")
    scanned = build("scanned", lambda: fx.image_only_pdf(pdfs["2021"]))
    doc = extract_pdf(scanned)
    assert doc.format == "image"
    assert {"image_only", "ocr"} <= doc.flags
    text = "".join(paragraphs(doc))
    assert "总体情况" in text
    assert "主动公开政府信息情况" in text
    rows = [[c.text for c in row] for t in tables(doc) for row in t.rows]
    assert ["规章", "0", "0", "0"] in rows
    assert ["行政规范性文件", "5", "1", "32"] in rows
