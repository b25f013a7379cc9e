"""The hostile corpus at parse level: caps, OOXML hardening and empty inputs (issue 14).

Every document is generated here (``hostile_docs``); each must end quickly as its own clear
error kind, never a silent report, never a hang.
"""

from __future__ import annotations

import time

import hostile_docs as h
import pytest

from parsing import ParseError, RawDocument, Report, parse_document
from parsing.extract.limits import MB, Limits


def _parse(content: bytes, name: str, limits: Limits | None = None) -> Report:
    raw = RawDocument(content=content, filename=name, url=f"http://127.0.0.1/h/{name}")
    return parse_document(raw, limits)


def _error(content: bytes, name: str, limits: Limits | None = None) -> ParseError:
    with pytest.raises(ParseError) as info:
        _parse(content, name, limits)
    err = info.value
    assert err.url == f"http://127.0.0.1/h/{name}"
    assert err.sha256
    assert len(err.sha256) == 64
    return err


# ---------------------------------------------------------------- PDF caps


def test_the_stream_bomb_pdf_is_refused_in_well_under_a_second():
    bomb = h.stream_bomb_pdf()
    assert 100_000 < len(bomb) < 150_000  # ~123 KB on disk, ~120 MB inflated
    started = time.monotonic()
    err = _error(bomb, "bomb.pdf")
    assert time.monotonic() - started < 5
    assert err.kind == "too_large"
    assert "inflates to more than" in err.message
    assert "stream limit" in err.message


def test_per_page_stream_cap():
    pdf = h.many_streams_pdf(pages=2, streams=3, kilobytes=512)  # 1.5 MB per page
    limits = Limits(max_stream_bytes=1 * MB, max_page_stream_bytes=1 * MB)
    err = _error(pdf, "page.pdf", limits)
    assert err.kind == "too_large"
    assert "page 1 content inflates to" in err.message
    assert "page limit" in err.message


def test_per_document_stream_cap():
    pdf = h.many_streams_pdf(pages=3, streams=2, kilobytes=512)  # 3 MB in all
    err = _error(pdf, "doc.pdf", Limits(max_document_stream_bytes=2 * MB))
    assert err.kind == "too_large"
    assert "document limit" in err.message


def test_page_count_cap():
    err = _error(h.page_count_pdf(401), "pages.pdf")
    assert err.kind == "too_large"
    assert "401 pages exceeds the limit of 400" in err.message


def test_characters_per_page_cap():
    err = _error(h.char_bomb_pdf(3000), "chars.pdf", Limits(max_chars_per_page=1000))
    assert err.kind == "too_large"
    assert "3000 characters (limit 1000)" in err.message


def test_objects_per_page_cap():
    err = _error(h.object_bomb_pdf(3000), "objects.pdf", Limits(max_objects_per_page=1000))
    assert err.kind == "too_large"
    assert "objects (limit 1000)" in err.message


def test_caps_leave_ordinary_streams_alone():
    # 2 pages x 3 streams x 512 KB: under every default cap, so the PDF is simply read
    err = _error(h.many_streams_pdf(pages=2, streams=3, kilobytes=512), "fine.pdf")
    assert err.kind == "not_a_report"  # no text, no tables: read fine, not a report


# ---------------------------------------------------------------- OOXML hardening


@pytest.mark.parametrize(
    ("build", "part"),
    [
        (h.disguised_part_docx, "word/document.bin"),
        (lambda: h.utf32_docx(bom=True), "word/document.xml"),
        (lambda: h.utf32_docx(bom=False), "word/document.xml"),
        (h.external_entity_docx, "customXml/item1.dat"),
        (h.gbk_dtd_docx, "docProps/custom.xml"),
    ],
    ids=["disguised-main-part", "utf32-bom", "utf32-no-bom", "xxe-odd-name-utf16", "gbk-dtd"],
)
def test_every_ooxml_part_is_checked_for_dtds(build, part):
    err = _error(build(), "hostile.docx")
    assert err.kind == "corrupt_document"
    assert f"{part} declares a DOCTYPE/ENTITY" in err.message


def test_a_renamed_main_part_without_dtd_is_still_read():
    """The override path is real: the same package without the DTD parses as the report."""
    report = _parse(h.disguised_part_clean_docx(), "renamed.docx")
    assert report.year == 2021
    assert report.applications


def test_defusedxml_is_what_refuses_a_dtd_the_byte_scan_cannot_see():
    """A DOCTYPE spelled in an encoding the byte scan does not know (UTF-7) is still refused."""
    from parsing.extract.docx_safety import check_xml_part

    data = b'<?xml version="1.0" encoding="utf-7"?>+ADwAIQ-DOCTYPE r [+ADwAIQ-ENTITY e "x">]><r>&e;</r>'
    assert b"<!DOCTYPE" not in data
    assert "<!DOCTYPE" in data.decode("utf-7")
    from parsing.errors import CorruptDocumentError

    with pytest.raises(CorruptDocumentError, match="DOCTYPE/ENTITY"):
        check_xml_part(data, "word/settings.xml")
    check_xml_part(b'<?xml version="1.0"?><r a="1">ok</r>', "word/ok.xml")  # clean part passes
    check_xml_part(b"\x89PNG\r\n\x1a\n\x00\x00binary", "word/media/image1.png")  # not XML


# ---------------------------------------------------------------- empty and truncated inputs


@pytest.mark.parametrize("name", ["report.pdf", "report.docx", "report.html", "report.doc", "x"])
def test_a_zero_byte_file_is_empty_whatever_its_name(name):
    err = _error(h.EMPTY, name)
    assert err.kind == "empty_file"
    assert "empty file (0 bytes)" in err.message


def test_html_without_body_text():
    err = _error(h.NO_BODY_HTML, "blank.html")
    assert err.kind == "empty_html"


@pytest.mark.parametrize("build", [h.empty_zip, h.empty_members_docx], ids=["no-members", "0-byte"])
@pytest.mark.parametrize("name", ["report.docx", "download"])
def test_empty_zip_archives(build, name):
    err = _error(build(), name)
    assert err.kind == "empty_archive"


# ---------------------------------------------------------------- fuzz findings


def test_a_cut_off_style_block_holding_the_page_is_read_in_linear_time():
    """scripts/fuzz_documents.py: an unclosed <style> swallowing 56 KB took 97 s (regex)."""
    page = "<html><head><style><!-- p.Mso " + "报告正文 span lang=EN-US " * 8000
    started = time.monotonic()
    err = _error(page.encode(), "cut.html")
    assert time.monotonic() - started < 5
    assert err.kind == "empty_html"


def test_control_characters_and_a_broken_ipv6_href_are_not_parser_bugs():
    page = (
        "<html><body><p>某县2020年政府信息公开\x01工作年度报告\x0b</p>"
        "<p><a href='http://[oops/'>链接</a></p></body></html>"
    )
    err = _error(page.encode(), "ctl.html")
    assert err.kind == "not_a_report"


def test_a_zip_member_with_an_unknown_compression_method_is_corrupt():
    data = bytearray(h.disguised_part_clean_docx())
    central = data.index(b"PK\x01\x02")
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")  # method 99 for member 1
    err = _error(bytes(data), "method.docx")
    assert err.kind == "corrupt_document"
    assert "damaged member" in err.message
