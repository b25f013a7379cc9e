"""The same report as PDF and DOCX gives identical table grids (and reports, once parsed)."""

from __future__ import annotations

import importlib.util

import pytest
from extract_assertions import own_texts, tables

from parsing.extract.docx import extract_docx
from parsing.extract.pdf import extract_pdf


@pytest.mark.parametrize(("template", "split"), [("2019", False), ("2021", False), ("2021", True)])
def test_pdf_and_docx_grids_identical(fx, specs, build, template, split):
    spec = specs.report(template, split_table_3=split)
    pdf = extract_pdf(build(f"pdf-{template}-{split}", lambda: fx.render_pdf(spec)))
    docx = extract_docx(build(f"docx-{template}-{split}", lambda: fx.render_docx(spec)))
    pdf_tables, docx_tables = tables(pdf), tables(docx)
    assert len(pdf_tables) == len(docx_tables) == 3
    for a, b in zip(pdf_tables, docx_tables, strict=True):
        assert own_texts(a) == own_texts(b)


@pytest.mark.skipif(
    importlib.util.find_spec("parsing.pipeline") is None, reason="parsing.pipeline not written yet"
)
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_parsed_reports_identical(fx, specs, build, template):
    from parsing.inputs import RawDocument
    from parsing.pipeline import parse_document

    spec = specs.report(template)
    pdf = build(f"pdf-{template}-False", lambda: fx.render_pdf(spec))
    docx = build(f"docx-{template}-False", lambda: fx.render_docx(spec))
    a = parse_document(RawDocument(content=pdf, filename="report.pdf", year_hint=2021))
    b = parse_document(RawDocument(content=docx, filename="report.docx", year_hint=2021))
    skip = {
        "report_id",
        "content_sha256",
        "source_format",
        "sha256",
        "source_sha256",
        "format",
        "extracted_at",
        "parsed_at",
        "parser_version",
        "warnings",
        "flags",
    }
    da = {k: v for k, v in a.model_dump().items() if k not in skip}
    db = {k: v for k, v in b.model_dump().items() if k not in skip}
    assert da == db
