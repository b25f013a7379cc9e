"""The versioned signature store of confirmed injected phrases (SPAM.md §4.2 L5, campaign store).

Entries live in ``data/signatures.tsv`` (id, phrase, first seen, where). They are matched exactly on
the shadow text before any other detector, which gives exact boundaries even for a single
occurrence. Loaded lazily (no file I/O at import time).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from parsing.spam.shadow import make_shadow


@dataclass(frozen=True, slots=True)
class Signature:
    """One confirmed injected phrase."""

    rule_id: str
    phrase: str  # as seen on the page
    shadow: str  # the phrase in shadow form (what is matched)


def parse_signatures(text: str) -> tuple[str, tuple[Signature, ...]]:
    """Parse the TSV store: returns (version, signatures). Malformed lines are skipped."""
    version = "unknown"
    out: list[Signature] = []
    for line in text.splitlines():
        if line.startswith("# version:"):
            version = line.split(":", 1)[1].strip()
            continue
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[1].strip():
            continue
        phrase = parts[1].strip()
        out.append(Signature(parts[0].strip(), phrase, make_shadow(phrase).text))
    out.sort(key=lambda s: -len(s.shadow))
    return version, tuple(out)


@cache
def load_signatures() -> tuple[str, tuple[Signature, ...]]:
    """The packaged store: (version, signatures longest first)."""
    text = resources.files("parsing.spam").joinpath("data/signatures.tsv").read_text("utf-8")
    return parse_signatures(text)
