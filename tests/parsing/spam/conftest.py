"""Fixtures for the spam stripper tests: the real sample as DocumentBlocks."""

from __future__ import annotations

import pytest

from parsing.blocks import DocumentBlocks
from tests.parsing.spam.helpers import SAMPLE, text_to_blocks


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text("utf-8")


@pytest.fixture
def sample_blocks(sample_text: str) -> DocumentBlocks:
    return text_to_blocks(sample_text)
