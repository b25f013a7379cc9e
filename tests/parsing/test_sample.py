"""The real sample report (heyang 2020, spam-injected, flattened text) parses exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import RawDocument, parse_document

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"


@pytest.fixture(scope="module")
def report():
    raw = RawDocument(content=SAMPLE.read_bytes(), filename=SAMPLE.name, publisher="合阳县人民政府")
    return parse_document(raw)


def test_metadata(report):
    assert report.template == "2019"
    assert report.year == 2020
    assert report.publisher == "合阳县人民政府"
    assert report.format == "text"
    assert report.validation_status == "valid"
    assert report.validation_issues == []


def test_table_three(report):
    rows = {r.row_code: r.values() for r in report.applications}
    assert rows["1"] == [4, 0, 0, 0, 1, 0, 5]
    assert rows["3.7"] == [4, 0, 0, 0, 1, 0, 5]
    assert rows["4"] == [0] * 7
    assert len(rows) == 23  # 1, 2, 3.1, 3.2, 8 + 3 + 5 sub-rows, 3.6, 3.7, 4


def test_table_two(report):
    got = {(a.item, a.metric): (a.value, a.unit) for a in report.active_disclosure}
    assert got[("行政许可", "prev_count")] == (266, None)
    assert got[("行政许可", "change")] == (77, None)
    assert got[("行政许可", "decisions")] == (1038, None)
    assert [got[("其他对外管理服务事项", m)][0] for m in ("prev_count", "change", "decisions")] == [
        123,
        16,
        183,
    ]
    assert [got[("行政处罚", m)][0] for m in ("prev_count", "change", "decisions")] == [51, 0, 689]
    assert [got[("行政强制", m)][0] for m in ("prev_count", "change", "decisions")] == [23, 2, 13]
    assert got[("行政事业性收费", "prev_count")][0] == 22
    assert got[("行政事业性收费", "change")][0] == 10
    assert got[("政府集中采购", "purchase_count")][0] == 81
    assert got[("政府集中采购", "purchase_amount")] == (7540.77, "万元")
    assert [
        got[("规范性文件", m)][0] for m in ("new_made", "new_published", "total_published")
    ] == [
        3,
        3,
        20,
    ]


def test_table_four(report):
    assert len(report.review_litigation) == 15
    assert all(x.value == 0 for x in report.review_litigation)


def test_spam_removed_with_evidence(report):
    assert report.spam_detected
    assert report.spam_chars_removed == 75
    assert report.replacement_suspected
    assert "澳门" not in (report.text_overall or "")
    assert all("澳门特区赌场" in r.removed_text for r in report.spam_removals)


def test_sections(report):
    assert report.text_overall.startswith("2020年以来")
    assert report.text_problems.startswith("(一)存在问题")
    assert report.text_other == "规范性文件核定后取消失效性文件,现存有效规范性文件为20件。"
