"""Multi-page articles: the pages of one article (``xxx.html``, ``xxx_1.html`` …) as one document.

Each page is extracted on its own, then the blocks are joined in page order. The 分页 bar
(``上一页 1 2 3 下一页``, ``共3页``) and a continuation page's repeat of the article heading are
dropped; the title and date come from page 1. ``page_of_block`` says which page (1-based) each
joined block came from, for per-value provenance.
"""

from __future__ import annotations

import contextlib
import re

from parsing.blocks import Block, DocumentBlocks, Paragraph, Table

_PAGER_WORDS = (
    r"(?:上一页|下一页|上页|下页|首页|尾页|末页|前一页|后一页|共\s*\d+\s*页|第\s*\d+\s*页"
    r"|当前第?\s*\d+\s*页|跳转|转到|GO|go)"
)
_PAGER = re.compile(rf"^(?:{_PAGER_WORDS}|\d{{1,3}}|[\s\[\]【】<>«»|/…，,。:：])+$")


def is_pager_line(text: str) -> bool:
    """True for a line of the 分页 bar (page numbers and 上一页/下一页 words only)."""
    t = text.strip()
    return bool(t) and bool(_PAGER.fullmatch(t)) and not t.isdigit() or _only_page_numbers(t)


def _only_page_numbers(t: str) -> bool:
    parts = re.split(r"[\s|]+", t)
    return len(parts) >= 2 and all(p.isdigit() and len(p) <= 3 for p in parts if p)


def set_page(table: Table, number: int) -> None:
    """Record the 1-based page a grid came from, where ``Table`` has a ``page`` (provenance)."""
    with contextlib.suppress(AttributeError):
        setattr(table, "page", number)  # noqa: B010 - absent on Table before per-value provenance


def join_pages(pages: list[DocumentBlocks]) -> tuple[DocumentBlocks, list[int]]:
    """One document from the extracted pages of an article, and each block's page number."""
    first = pages[0]
    blocks: list[Block] = []
    page_of_block: list[int] = []
    warnings: list[str] = []
    flags: set[str] = set()
    removals = []
    for number, page in enumerate(pages, start=1):
        for block in page.blocks:
            if isinstance(block, Paragraph):
                if is_pager_line(block.text):
                    continue
                if number > 1 and first.title and block.text.strip() == first.title.strip():
                    continue
            if isinstance(block, Table):
                set_page(block, number)
            blocks.append(block)
            page_of_block.append(number)
        warnings += [w if number == 1 else f"page {number}: {w}" for w in page.warnings]
        flags |= page.flags
        removals += page.spam_removals
    scans = [p for p in pages[1:] if p.format == "image"]
    has_tables = any(isinstance(b, Table) for b in first.blocks)
    confidences = [p.ocr_confidence for p in scans if p.ocr_confidence is not None]
    doc = DocumentBlocks(
        blocks=blocks,
        # an article whose body is scanned page images is an image report
        format="image" if scans and not has_tables else first.format,
        title=first.title,
        published_date=first.published_date,
        warnings=warnings,
        spam_removals=removals,
        flags=flags,
    )
    if confidences:
        doc.ocr_confidence = round(sum(confidences) / len(confidences), 1)
    for n, page in enumerate(pages, start=1):
        doc.low_confidence_cells += [f"page {n}: {c}" for c in page.low_confidence_cells]
    return doc, page_of_block
