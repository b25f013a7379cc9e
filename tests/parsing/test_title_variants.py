"""Title variants (issue 12 §8): the crawler and the parser accept and reject the same titles."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crawler import recognize
from parsing import metadata

CASES = tomllib.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "titles.toml").read_text("utf-8")
)
DEFAULT = "合阳县人民政府"


@pytest.mark.parametrize("case", CASES["accept"], ids=lambda c: c["title"])
def test_accepted_titles(case):
    title = case["title"]
    assert recognize.is_report_title(title)
    assert metadata.is_report_title(title)
    assert not metadata.is_lookalike_title(title)
    assert recognize.year_from_title(title) == case["year"]
    assert metadata.year_from_title(title) == case["year"]
    assert recognize.publisher_from_title(title, DEFAULT) == case["publisher"]
    assert metadata.publisher_from_title(title, DEFAULT) == case["publisher"]


@pytest.mark.parametrize("title", CASES["reject"]["titles"])
def test_rejected_titles(title):
    assert not recognize.is_report_title(title)
    assert not metadata.is_report_title(title)
