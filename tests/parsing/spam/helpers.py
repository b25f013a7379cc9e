"""Shared helpers of the spam tests (fixture paths, the text-to-blocks splitter, cases)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from parsing.blocks import DocumentBlocks, Paragraph, Table

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLE = FIXTURES / "samples" / "heyang-2020-spam.txt"
CASES = FIXTURES / "spam" / "cases.toml"


def text_to_blocks(text: str) -> DocumentBlocks:
    """Lines with ``|`` become table rows (consecutive rows form one table); others paragraphs."""
    blocks: list[Paragraph | Table] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        if "|" in line:
            rows.append([c.strip() for c in line.split("|")])
            continue
        if rows:
            blocks.append(Table.from_strings(rows))
            rows = []
        if line.strip():
            blocks.append(Paragraph(line))
    if rows:
        blocks.append(Table.from_strings(rows))
    return DocumentBlocks(blocks=blocks, format="text")


def load_cases() -> list[dict[str, Any]]:
    with CASES.open("rb") as fh:
        return list(tomllib.load(fh)["case"])
