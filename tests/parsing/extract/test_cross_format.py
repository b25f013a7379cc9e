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
    # where a value sits differs by format (PDF grids gain columns); the printed text does not
    rows = {"source_kind", "source_page", "source_table", "source_row", "source_col"}
    exclude = {
        t: {"__all__": rows} for t in ("active_disclosure", "applications", "review_litigation")
    }
    da = {k: v for k, v in a.model_dump(exclude=exclude).items() if k not in skip}
    db = {k: v for k, v in b.model_dump(exclude=exclude).items() if k not in skip}
    assert da == db


_PROVENANCE = {"source_kind", "source_page", "source_table", "source_row", "source_col"}


def _values(report, table: str) -> list[dict]:
    """The rows without where they sit (formats lay grids out differently)."""
    return [r.model_dump(exclude=_PROVENANCE) for r in getattr(report, table)]


def render_html(spec) -> bytes:
    """The spec as a TRS-style article page: real <table>s with rowspan/colspan."""
    import html as html_lib

    parts = [f"<html><head><meta charset='utf-8'><title>{spec.title}</title></head><body>"]
    parts.append(f"<h1>{spec.title}</h1><div class='TRS_Editor'>")
    for block in spec.blocks[1:]:
        if isinstance(block, str):
            parts.append(f"<p>{html_lib.escape(block)}</p>")
            continue
        parts.append("<table border='1'>")
        for r, row in enumerate(block.rows):
            parts.append("<tr>")
            for c, text in enumerate(row):
                span = block.span_at(r, c)
                if span is not None and (span[0], span[1]) != (r, c):
                    continue  # covered by a spanning cell
                attrs = ""
                if span is not None:
                    r0, c0, r1, c1 = span
                    attrs = f" rowspan='{r1 - r0 + 1}' colspan='{c1 - c0 + 1}'"
                parts.append(f"<td{attrs}>{html_lib.escape(text)}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</div></body></html>")
    return "".join(parts).encode("utf-8")


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_html_pdf_and_docx_give_identical_tables(fx, specs, build, template):
    """Issue #7: the same report rendered as HTML, PDF and DOCX parses to identical tables."""
    from parsing.inputs import RawDocument
    from parsing.pipeline import parse_document

    spec = specs.report(template, split_table_3=True)
    sources = {
        "report.html": render_html(spec),
        "report.pdf": build(f"pdf-{template}-True", lambda: fx.render_pdf(spec)),
        "report.docx": build(f"docx-{template}-True", lambda: fx.render_docx(spec)),
    }
    parsed = {
        name: parse_document(RawDocument(content=data, filename=name))
        for name, data in sources.items()
    }
    html_report = parsed["report.html"]
    assert html_report.applications
    assert html_report.review_litigation
    assert html_report.active_disclosure
    for name, report in parsed.items():
        assert report.template == template, name
        for table in ("applications", "active_disclosure", "review_litigation"):
            assert _values(report, table) == _values(html_report, table), (name, table)
            assert all(r.source_kind for r in getattr(report, table)), (name, table)
        assert report.validation_status == html_report.validation_status, name
