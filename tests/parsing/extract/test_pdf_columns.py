"""PDF tables without ruling lines (issue 12 §6): values placed by the header's column x positions.

Table 二 mixes sub-tables of three numbers (第二十条第（一）项) with sub-tables of one number
(行政许可 1,038; 行政事业性收费 12.5 万元), each under its own ``信息内容 | …`` header: every row
of both templates must be read, and what cannot be read is a ``table.rows_missing`` warning.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from parsing.extract import pdf_columns
from parsing.inputs import RawDocument
from parsing.pipeline import parse_document

FORMS = Path(__file__).resolve().parents[2] / "fixtures" / "sites" / "forms"
if str(FORMS) not in sys.path:
    sys.path.insert(0, str(FORMS))

import build_forms  # noqa: E402


def _parse(data: bytes):  # type: ignore[no-untyped-def]
    return parse_document(RawDocument(content=data, filename="report.pdf", year_hint=2021))


def _tables(report) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    return {
        "active": sorted(
            (a.article, a.item, a.metric, a.value, a.unit) for a in report.active_disclosure
        ),
        "applications": sorted(
            (r.row_code, *(None if v == 0 else v for v in r.values())) for r in report.applications
        ),
        "review": sorted((r.proceeding, r.outcome, r.value) for r in report.review_litigation),
    }


@pytest.fixture(scope="module")
def borderless(fx, build):  # type: ignore[no-untyped-def]
    def make(template: str) -> tuple[bytes, bytes]:
        spec = build_forms.spec_for("寅县教育局", template)
        return (
            build(f"borderless-{template}", lambda: build_forms.render_borderless_pdf(spec)),
            build(f"ruled-{template}", lambda: fx.render_pdf(spec)),
        )

    return make


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_borderless_pdf_reads_every_row_of_table_2(borderless, template):
    data, ruled = borderless(template)
    got, want = _parse(data), _parse(ruled)
    assert _tables(got) == _tables(want)
    items = {a.item for a in got.active_disclosure}
    assert {"行政许可", "行政处罚", "行政强制", "行政事业性收费"} <= items
    if template == "2021":  # the one-number rows: placed under their own header column
        values = {(a.item, a.metric): (a.value, a.unit) for a in got.active_disclosure}
        assert values[("行政许可", "decisions")] == (1038, None)
        assert values[("行政强制", "decisions")] == (3, None)
        assert values[("行政事业性收费", "fee_amount")] == (12.5, "万元")
    else:  # 本年增/减 centred over two columns in 第（八）项: its own column, not 处理决定数量
        assert ("20.8", "行政事业性收费", "change", 0, None) in _tables(got)["active"]
        assert ("20.9", "政府集中采购", "purchase_amount", 7540.77, "万元") in _tables(got)[
            "active"
        ]
    rules = {i.rule for i in got.validation_issues}
    assert "table.rows_missing" not in rules
    assert got.validation_status == want.validation_status


def test_rows_not_read_are_a_warning_never_silent(borderless, monkeypatch):
    """If the one-number rows are not read (the reader before issue 12 §6), the report is not
    ``valid``: a ``table.rows_missing`` warning names each template row that is missing."""
    data, _ruled = borderless("2021")
    assert _parse(data).validation_status == "valid"
    monkeypatch.setattr(pdf_columns, "_ONE_NUMBER_GAP", 1e9)  # one-number rows never read
    report = _parse(data)
    assert {a.item for a in report.active_disclosure} == {"规章", "行政规范性文件"}
    missing = [i for i in report.validation_issues if i.rule == "table.rows_missing"]
    assert len(missing) == 1
    assert missing[0].severity == "warning"
    for item in ("行政许可", "行政处罚", "行政强制", "行政事业性收费"):
        assert item in missing[0].message
    assert report.validation_status == "warning"
    assert report.active_disclosure_cells_found == 6 < report.active_disclosure_cells_expected


def test_contents_line_and_prose_are_not_one_number_rows():
    """A contents line ``一、总体情况 … 1`` and a page number are never table rows."""

    def word(text: str, x0: float, x1: float, top: float = 100.0) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x1, "top": top, "bottom": top + 10}

    contents = [word("一、总体情况", 60, 120, 100), word("1", 500, 505, 100)]
    contents += [word("二、主动公开政府信息情况", 60, 180, 120), word("2", 500, 505, 120)]
    assert pdf_columns.borderless_tables(contents) == []
    close = [word("行政许可", 60, 100, 100), word("5", 104, 109, 100)]  # prose: no gap
    close += [word("行政处罚", 60, 100, 120), word("6", 104, 109, 120)]
    assert pdf_columns.borderless_tables(close) == []
    rows = [word("行政许可", 60, 100, 100), word("1,038", 300, 320, 100)]
    rows += [word("行政处罚", 60, 100, 120), word("65", 302, 312, 120)]
    found = pdf_columns.borderless_tables(rows)
    assert [t.table.texts() for t in found] == [[["行政许可", "1,038"], ["行政处罚", "65"]]]


def test_page_of_one_number_rows_only_is_read_and_the_rest_warned(fx):
    """Table 二 broken by a page break after 第二十条第（一）项: the page holding only the
    one-number sub-tables (no line with two numbers) is still read by x position, and the
    lost 第（一）项 rows are named in a ``table.rows_missing`` warning."""
    spec = build_forms.spec_for("寅县教育局", "2021")
    for i, block in enumerate(spec.blocks):
        if hasattr(block, "rows") and "第二十条" in block.rows[0][0]:
            cut = 4  # rows 0-3: 第（一）项, its header, 规章, 行政规范性文件
            block.rows = block.rows[cut:]
            block.spans = [(a - cut, b, c - cut, d) for a, b, c, d in block.spans if a >= cut]
            spec.blocks[i] = block
    report = _parse(build_forms.render_borderless_pdf(spec))
    values = {(a.item, a.metric): (a.value, a.unit) for a in report.active_disclosure}
    assert values == {
        ("行政许可", "decisions"): (1038, None),
        ("行政处罚", "decisions"): (65, None),
        ("行政强制", "decisions"): (3, None),
        ("行政事业性收费", "fee_amount"): (12.5, "万元"),
    }
    missing = [i.message for i in report.validation_issues if i.rule == "table.rows_missing"]
    assert missing == ["table 二 (active_disclosure): template rows not read: 规章, 行政规范性文件"]
