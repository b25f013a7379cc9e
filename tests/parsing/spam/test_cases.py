"""SPAM.md §4.7: one test per case (fixtures in tests/fixtures/spam/cases.toml)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import html

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.spam import clean_dom, strip_document, strip_text
from tests.parsing.spam.helpers import load_cases

CASES = load_cases()


def _ids(kind: str) -> list[Any]:
    return [pytest.param(c, id=f"case{c['id']}") for c in CASES if c["kind"] == kind]


def test_case_count_and_must_stay_unchanged_present() -> None:
    ids = {c["id"] for c in CASES}
    assert len([i for i in ids if i <= 42]) >= 30
    assert {9, *range(33, 43)} <= ids


@pytest.mark.parametrize("case", _ids("text"))
def test_text_case(case: dict[str, Any]) -> None:
    res = strip_text(case["input"], location="text:0")
    assert res.text == case["expect"]
    assert [r.removed_text for r in res.removals] == case["removed"]
    for r in res.removals:  # offsets point at the exact original span
        assert case["input"][r.start : r.end] == r.removed_text
    if "suspected" in case:
        assert res.replacement_suspected is case["suspected"]
    if not case["removed"]:
        assert res.text == case["input"]


@pytest.mark.parametrize("case", _ids("doc"))
def test_document_case(case: dict[str, Any]) -> None:
    doc = DocumentBlocks(
        [Paragraph(p) for p in case["paragraphs"]], "text", title=case.get("title")
    )
    out = strip_document(doc)
    if "expect_paragraphs" in case:
        assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == case["expect_paragraphs"]
    if "removed" in case:
        assert [r.removed_text for r in out.removals] == case["removed"]
    assert out.verdict == case["verdict"], out.quarantine_reasons
    for prefix in case.get("reasons_prefix", []):
        assert any(r.startswith(prefix) for r in out.quarantine_reasons), out.quarantine_reasons
    assert set(case.get("flags", [])) <= out.flags


@pytest.mark.parametrize("case", _ids("html"))
def test_html_case(case: dict[str, Any]) -> None:
    root = html.document_fromstring(case["input"])
    res = clean_dom(root)
    body = root.find(".//body")
    text = "".join(str(t) for t in body.itertext()) if body is not None else ""
    for s in case.get("absent", []):
        assert s not in text
    for s in case.get("present", []):
        assert s in text
    assert set(case.get("flags", [])) <= res.flags, res.flags


@pytest.mark.parametrize("case", _ids("cells"))
def test_cells_case(case: dict[str, Any]) -> None:
    table = Table.from_strings(case["rows"])
    doc = DocumentBlocks([table], "html")
    out = strip_document(doc)
    assert table.texts() == case["expect_rows"]
    assert out.quarantined_cells == case["quarantined"]
    if case["quarantined"]:
        assert out.verdict == "quarantine"
    assert set(case.get("flags", [])) <= out.flags
    assert out.spam_cells == case.get("spam_cells", [])
