"""Result types of the spam stripper (returned by ``parsing.spam`` entry points)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from parsing.blocks import SpamRemovalRecord
from parsing.spam.textstrip import Gap

Verdict = Literal["clean", "cleaned", "cleaned_with_gaps", "quarantine"]


@dataclass(slots=True)
class DomCleanResult:
    """What the DOM layer removed and noticed.

    ``flags`` are page signals: ``title_hijack``, ``meta_hijack``, ``js_injection``,
    ``referrer_redirect``, ``js_title_reset``, ``noscript_links``, ``comment_links``,
    ``hidden_template_content``, ``hidden_content_kept``, ``external_spam_links``,
    ``tiny_iframe``. ``dropped`` counts silently dropped nodes (scripts, styles, comments).
    """

    removals: list[SpamRemovalRecord] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    dropped: int = 0


@dataclass(slots=True)
class TextStripResult:
    """A string after stripping, with what was removed and where words were probably lost."""

    text: str
    removals: list[SpamRemovalRecord] = field(default_factory=list)
    replacement_suspected: bool = False
    gaps: list[Gap] = field(default_factory=list)


@dataclass(slots=True)
class SpamOutcome:
    """The document-level result of stripping.

    ``quarantined_cells`` are ``table:i:rRcC`` locations left unchanged because spam overlapped
    digits or the rest was not a canonical label; ``spam_cells`` are cells that held nothing but
    spam (now empty: the row is a candidate for exclusion); ``flags`` are document signals such as
    ``numeric_cell_had_spam``, ``label_suffix_stripped``, ``org_name_missing``,
    ``template_word_missing:关于``, ``traditional_block``, ``mirror_like``.
    """

    verdict: Verdict
    removals: list[SpamRemovalRecord]
    replacement_suspected: bool = False
    quarantine_reasons: list[str] = field(default_factory=list)
    quarantined_cells: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    spam_cells: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    signature_version: str = ""
    lexicon_version: str = ""
    # value cells emptied because spam sat inside or took digits of their number (``table:i:rRcC``;
    # the raw text stays on ``Cell.raw``): published as null with ``spam.ambiguous_cell``
    ambiguous_cells: list[str] = field(default_factory=list)

    @property
    def chars_removed(self) -> int:
        """Characters removed in all."""
        return sum(len(r.removed_text) for r in self.removals)
