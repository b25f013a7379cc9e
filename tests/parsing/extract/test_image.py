"""Image attachments (图片版): OCR when tesseract is installed, clear errors otherwise."""

from __future__ import annotations

import io

import pytest
from extract_assertions import paragraphs, tables
from PIL import Image

import parsing.extract.image as image
from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.image import blocks_from_ocr_lines, extract_image
from parsing.extract.limits import Limits


def _png(width: int = 40, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format="PNG")
    return out.getvalue()


def test_not_an_image():
    with pytest.raises(CorruptDocumentError):
        extract_image(b"\x89PNG\r\n\x1a\n truncated")


def test_pixel_limit():
    with pytest.raises(CorruptDocumentError, match="pixels"):
        extract_image(_png(), limits=Limits(max_image_pixels=100))


def test_missing_tesseract(monkeypatch):
    monkeypatch.setattr(image, "tesseract_languages", lambda: None)
    with pytest.raises(UnsupportedFormatError, match="tesseract-ocr-chi-sim"):
        extract_image(_png())


def test_ocr_lines_to_tables():
    blocks = blocks_from_ocr_lines(
        ["二、主动公开政府信息情况", "规章 0 0 0", "行政 规范性文件 5 1 32", "第二十条第(五)项"]
    )
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Paragraph"]
    assert blocks[1].texts() == [["规章", "0", "0", "0"], ["行政规范性文件", "5", "1", "32"]]


def test_ocr_png_page(fx, specs, build):
    if image.tesseract_languages() is None:
        pytest.skip("tesseract with chi_sim is not installed (scripts/install-converters.sh)")
    pdf = build("pdf2021", lambda: fx.render_pdf(specs.report("2021")))
    png = build("png2021", lambda: fx.page_png(pdf, 0, dpi=300))
    doc = extract_image(png)
    assert doc.format == "image"
    assert {"image_only", "ocr"} <= doc.flags
    assert "一、总体情况" in paragraphs(doc)
    rows = [[c.text for c in row] for t in tables(doc) for row in t.rows]
    assert ["行政规范性文件", "5", "1", "32"] in rows
