"""Document-level stripping and the report verdict (SPAM.md §4.2 L5 repeats, L8 verdict)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from parsing.blocks import DocumentBlocks, Paragraph, SpamRemovalRecord, Table
from parsing.spam.detect import COLONS, Span
from parsing.spam.latin import OWN_HOSTS
from parsing.spam.lexicon import LEXICON_VERSION
from parsing.spam.repeats import MIN_PHRASE, extend_repeats, joiner_repeats
from parsing.spam.results import SpamOutcome, TextStripResult
from parsing.spam.shadow import Shadow
from parsing.spam.signatures import load_signatures
from parsing.spam.tablepass import TableTally, strip_table
from parsing.spam.textstrip import Gap, detect_cached, find_gaps, nothing_to_strip, strip_string

_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")
_TITLE = re.compile(r"^[^，。；,;]*年度报告(?:[（(][^）)]{1,8}[）)])?$")
MOSTLY_HIJACKED = 0.05  # share of text characters removed (the seed is at ~2%, see README)
MAX_EDITED_CELLS = 3
TRADITIONAL_BODY = 0.3
_MIN_PHRASE = MIN_PHRASE
_MIN_REPEATS = 3
_MIN_BODY = 400  # below this a document is a fragment: only a majority removal quarantines


def heading_like(text: str) -> bool:
    """A section heading or a report title line (where a gap means a replaced template word)."""
    t = text.strip()
    return (len(t) <= 40 and bool(_HEADING.match(t))) or (
        len(t) <= 80 and "年度报告" in t and bool(_TITLE.search(t))
    )


def document_phrases(
    texts: Sequence[str], detected: Sequence[tuple[Shadow, tuple[Span, ...]]] | None = None
) -> list[tuple[str, str]]:
    """Signatures, then phrases found with evidence (or repeated ≥3× with weaker evidence).
    ``detected``: ``detect_cached`` of each text, when the caller has it already."""
    _, sigs = load_signatures()
    phrases: list[tuple[str, str]] = [(s.shadow, "signature") for s in sigs]
    sig_set = {p for p, _ in phrases}
    if detected is None:
        detected = [detect_cached(t) for t in texts]
    shadows = [sh.text for sh, _ in detected]
    found: set[str] = set()
    weak: set[str] = set()
    for sh_text, (_, spans) in zip(shadows, detected, strict=True):
        for sp in spans:
            phrase = sh_text[sp.start : sp.end].rstrip("".join(COLONS)).strip()
            if len(phrase) < _MIN_PHRASE or phrase in sig_set:
                continue
            if sp.accepted:
                found.add(phrase)
            elif sp.core and sp.score >= 2:
                weak.add(phrase)
    for phrase in weak:
        if sum(s.count(phrase) for s in shadows) >= _MIN_REPEATS:
            found.add(phrase)
    found |= {p for p in joiner_repeats(shadows) if p not in sig_set}
    found |= {p for p in extend_repeats(shadows, found) if p not in sig_set}
    found = {p for p in found if not _inside_a_token(shadows, p)}
    phrases += [(p, "repeat") for p in sorted(found, key=len, reverse=True)]
    return phrases


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "@.-_")


def _inside_a_token(shadows: Sequence[str], phrase: str) -> bool:
    """A Latin/domain phrase that also occurs inside a longer e-mail, URL or word
    (``hyxzfb@163.com`` when spam was glued to ``163.com`` in another paragraph) is not
    stripped document-wide: the detector scored it where it was glued, not there."""
    starts, ends = _latin(phrase[0]), _latin(phrase[-1])
    if not (starts or ends):
        return False
    for text in shadows:
        i = text.find(phrase)
        while i >= 0:
            j = i + len(phrase)
            if (starts and i > 0 and _latin(text[i - 1])) or (
                ends and j < len(text) and _latin(text[j])
            ):
                return True
            i = text.find(phrase, i + 1)
    return False


def strip_text(text: str, *, location: str = "text") -> TextStripResult:
    """Remove injected spans from one string (signatures, repeats within it, lexicon, URLs)."""
    if len(text) > _SHORT_TEXT:
        return _strip_text(text, location)
    cleaned, removals, gaps = _strip_short(text, location, OWN_HOSTS.get())
    return TextStripResult(
        cleaned,
        [SpamRemovalRecord(*r) for r in removals],
        bool(gaps),
        [Gap(*g) for g in gaps],
    )


def _strip_text(text: str, location: str) -> TextStripResult:
    detected = detect_cached(text)
    sh, lex = detected
    if not lex and nothing_to_strip(sh.text, lex, [s.shadow for s in load_signatures()[1]]):
        # no span at all: the phrases of this one text are the signatures alone, none of which
        # occurs (most titles and publisher names)
        return TextStripResult(text, [], False, [])
    res = strip_string(text, location, document_phrases([text], [detected]))
    if res.removals and heading_like(res.text):
        res.gaps = find_gaps(text, res.text, res.kept, location, heading_like=True)
    return TextStripResult(res.text, res.removals, bool(res.gaps), res.gaps)


_SHORT_TEXT = 120
_Record = tuple[str, str, str, int | None, int | None]
_GapFields = tuple[str, int, str, str, str | None]


@lru_cache(maxsize=4096)
def _strip_short(
    text: str, location: str, _own: frozenset[str]
) -> tuple[str, tuple[_Record, ...], tuple[_GapFields, ...]]:
    """``_strip_text`` of a short text as plain tuples, cached: titles and the publisher names
    of metadata repeat (``_own``, the site's own hosts, is part of the key; callers get fresh
    records every time)."""
    res = _strip_text(text, location)
    return (
        res.text,
        tuple((r.location, r.removed_text, r.detector, r.start, r.end) for r in res.removals),
        tuple((g.location, g.offset, g.removed_text, g.reason, g.candidate) for g in res.gaps),
    )


def strip_document(doc: DocumentBlocks) -> SpamOutcome:
    """Clean ``doc.title``, paragraphs and table cells in place; return removals and verdict."""
    removals: list[SpamRemovalRecord] = list(doc.spam_removals)
    gaps: list[Gap] = []
    flags: set[str] = set()
    reasons: list[str] = []
    prose = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    if doc.title:
        prose.append(doc.title)
    detected = [detect_cached(t) for t in prose]  # paragraphs in order, then the title
    phrases = document_phrases(prose, detected)
    phrase_texts = [p for p, _ in phrases]
    total_chars = removed_chars = 0
    shadows: list[Shadow] = []  # of the prose, for the traditional share
    pinyin = False

    def prose_strip(text: str, location: str, k: int) -> str:
        nonlocal removed_chars, pinyin
        sh, lex = detected[k]
        shadows.append(sh)
        if sh.traditional and sh.han >= 8 and sh.traditional_ratio > TRADITIONAL_BODY:
            flags.add("traditional_block")
        if nothing_to_strip(sh.text, lex, phrase_texts):
            return text  # what ``strip_string`` gives back: no removal, no gap (most prose)
        res = strip_string(text, location, phrases)
        head = heading_like(res.text)
        if head and res.removals:
            res.gaps = find_gaps(text, res.text, res.kept, location, heading_like=True)
        removals.extend(res.removals)
        removed_chars += len(text) - len(res.text)
        pinyin |= res.pinyin
        for g in res.gaps:
            gaps.append(g)
            if g.reason == "line_start":
                flags.add("org_name_missing")
            elif head:
                reasons.append(f"template_heading_replaced:{location}")
        return res.text

    if doc.title:
        total_chars += len(doc.title)
        doc.title = prose_strip(doc.title, "title", -1)
    tally = TableTally(phrases, removals, flags, reasons)
    k = 0
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            total_chars += len(block.text)
            block.text = prose_strip(block.text, f"text:{i}", k)
            k += 1
        elif isinstance(block, Table):
            strip_table(block, i, tally)
    total_chars += tally.total_chars
    removed_chars += tally.removed_chars
    edited_cells = tally.edited_cells
    quarantined, spam_cells = tally.quarantined, tally.spam_cells
    gaps += propagate_gaps(removals, gaps)
    trad = sum(sh.traditional for sh in shadows)
    if trad:  # Han characters are counted only then
        han = sum(sh.han for sh in shadows)
        if han >= 50 and trad / han > TRADITIONAL_BODY:
            reasons.append("traditional_body")
    if pinyin:
        flags.add("mirror_like")
        reasons.append("pinyin_annotations")
    if doc.flags & {"mirror_like", "reject_mirror"}:
        reasons.append("mirror_like")
    ratio = removed_chars / total_chars if total_chars else 0.0
    if ratio > MOSTLY_HIJACKED and total_chars >= _MIN_BODY:
        reasons.append(f"mostly_hijacked:{removed_chars}/{total_chars}")
    if edited_cells > MAX_EDITED_CELLS:
        reasons.append(f"many_table_cells_edited:{edited_cells}")
    if removals and gaps and not any("关于" in t for t in prose_texts(doc)):
        flags.add("template_word_missing:关于")
    suspected = bool(gaps)
    if reasons:
        verdict = "quarantine"
    elif not removals:
        verdict = "clean"
    else:
        verdict = "cleaned_with_gaps" if suspected else "cleaned"
    return SpamOutcome(
        verdict,  # type: ignore[arg-type]
        removals,
        suspected,
        reasons,
        quarantined,
        gaps,
        spam_cells,
        flags,
        load_signatures()[0],
        LEXICON_VERSION,
        list(tally.ambiguous),
    )


def propagate_gaps(removals: Sequence[SpamRemovalRecord], gaps: Sequence[Gap]) -> list[Gap]:
    """A phrase that replaced a word somewhere replaced it everywhere (T1 campaigns are global):
    its other removals (sentence starts, after punctuation) are gaps too."""
    phrases = {g.removed_text.rstrip(":：") for g in gaps if g.reason != "line_start"}
    if not phrases:
        return []
    have = {(g.location, g.offset) for g in gaps}
    by_loc: dict[str, list[SpamRemovalRecord]] = {}
    for r in removals:
        if r.start is not None and not r.location.startswith(("dom:", "table:")):
            by_loc.setdefault(r.location, []).append(r)
    out: list[Gap] = []
    for loc, recs in by_loc.items():
        shift = 0
        for r in sorted(recs, key=lambda x: x.start or 0):
            offset = (r.start or 0) - shift
            shift += len(r.removed_text)
            if (loc, offset) in have or r.removed_text.rstrip(":：") not in phrases:
                continue
            cand = "关于" if r.removed_text.endswith((":", "：")) else None
            out.append(Gap(loc, offset, r.removed_text, "same_phrase_as_gap", cand))
    return out


def prose_texts(doc: DocumentBlocks) -> list[str]:
    """Paragraph texts (after cleaning, when called after it)."""
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]
