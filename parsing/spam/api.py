"""Spam stripper entry points (interface stub: the spam issue fills in the detectors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lxml import etree, html

from parsing.blocks import DocumentBlocks, Paragraph, SpamRemovalRecord, Table

Verdict = Literal["clean", "cleaned", "cleaned_with_gaps", "quarantine"]

_SIGNATURES = ("澳门特区赌场_澳门金沙游戏¥中心大厅",)


@dataclass(slots=True)
class DomCleanResult:
    """What the DOM layer removed and noticed."""

    removals: list[SpamRemovalRecord] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


@dataclass(slots=True)
class TextStripResult:
    """A string after stripping, with what was removed."""

    text: str
    removals: list[SpamRemovalRecord] = field(default_factory=list)
    replacement_suspected: bool = False


@dataclass(slots=True)
class SpamOutcome:
    """The document-level result of stripping."""

    verdict: Verdict
    removals: list[SpamRemovalRecord]
    replacement_suspected: bool = False
    quarantine_reasons: list[str] = field(default_factory=list)
    quarantined_cells: list[str] = field(default_factory=list)

    @property
    def chars_removed(self) -> int:
        """Characters removed in all."""
        return sum(len(r.removed_text) for r in self.removals)


def clean_dom(root: html.HtmlElement) -> DomCleanResult:
    """Drop scripts, styles and comments from ``root`` in place."""
    for el in list(root.iter(etree.Comment, "script", "style", "noscript")):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    return DomCleanResult()


def strip_text(text: str, *, location: str = "text") -> TextStripResult:
    """Remove known injected phrases from ``text``."""
    removals: list[SpamRemovalRecord] = []
    out = text
    for sig in _SIGNATURES:
        while (i := out.find(sig)) >= 0:
            end = i + len(sig)
            if end < len(out) and out[end] in ":：":
                end += 1
            removals.append(SpamRemovalRecord(location, out[i:end], "signature", i, end))
            out = out[:i] + out[end:]
    return TextStripResult(out, removals, bool(removals))


def strip_document(doc: DocumentBlocks) -> SpamOutcome:
    """Clean every paragraph and table cell of ``doc`` in place and return the verdict."""
    removals: list[SpamRemovalRecord] = list(doc.spam_removals)
    suspected = False
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            res = strip_text(block.text, location=f"text:{i}")
            block.text = res.text
            removals += res.removals
            suspected |= res.replacement_suspected
        elif isinstance(block, Table):
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    res = strip_text(cell.text, location=f"table:{i}:r{r}c{c}")
                    cell.text = res.text
                    removals += res.removals
    if not removals:
        return SpamOutcome("clean", removals)
    return SpamOutcome("cleaned_with_gaps" if suspected else "cleaned", removals, suspected)
