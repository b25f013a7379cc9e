"""Document-level stripping and the report verdict (SPAM.md §4.2 L5 repeats, L8 verdict)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsing.blocks import DocumentBlocks, Paragraph, SpamRemovalRecord, Table
from parsing.spam.cells import CellStrip, strip_cell
from parsing.spam.detect import COLONS
from parsing.spam.lexicon import LEXICON_VERSION
from parsing.spam.results import SpamOutcome, TextStripResult
from parsing.spam.shadow import is_han, make_shadow
from parsing.spam.signatures import load_signatures
from parsing.spam.textstrip import Gap, detect_cached, find_gaps, strip_string

_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")
_TITLE = re.compile(r"^[^，。；,;]*年度报告(?:[（(][^）)]{1,8}[）)])?$")
MOSTLY_HIJACKED = 0.05  # share of text characters removed (the seed is at ~2%, see README)
MAX_EDITED_CELLS = 3
TRADITIONAL_BODY = 0.3
_MIN_PHRASE = 4
_MIN_REPEATS = 3
_JOINER_SET = frozenset("_|¥丨")
_JOINED = re.compile(r"[\u4e00-\u9fff][_|¥丨][\u4e00-\u9fff]")
_PLAIN_NUMBER = re.compile(r"[\d.,%+\-\s]*")
_MIN_BODY = 400  # below this a document is a fragment: only a majority removal quarantines


def heading_like(text: str) -> bool:
    """A section heading or a report title line (where a gap means a replaced template word)."""
    t = text.strip()
    return (len(t) <= 40 and bool(_HEADING.match(t))) or (len(t) <= 80 and bool(_TITLE.search(t)))


def document_phrases(texts: Sequence[str]) -> list[tuple[str, str]]:
    """Signatures, then phrases found with evidence (or repeated ≥3× with weaker evidence)."""
    _, sigs = load_signatures()
    phrases: list[tuple[str, str]] = [(s.shadow, "signature") for s in sigs]
    sig_set = {p for p, _ in phrases}
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
    phrases += [(p, "repeat") for p in sorted(found, key=len, reverse=True)]
    return phrases


def _cell(
    text: str, loc: str, phrases: Sequence[tuple[str, str]], cache: dict[str, CellStrip]
) -> CellStrip:
    """``strip_cell`` with a per-document cache (numeric cells repeat: 0, 0, 0 …)."""
    if _PLAIN_NUMBER.fullmatch(text):
        return CellStrip(text)
    hit = cache.get(text)
    if hit is None:
        hit = cache[text] = strip_cell(text, "", phrases)
    if not hit.removals:
        return hit
    removals = [
        SpamRemovalRecord(loc, r.removed_text, r.detector, r.start, r.end) for r in hit.removals
    ]
    return CellStrip(hit.text, removals, hit.quarantine, hit.flag)


def _word_char(ch: str) -> bool:
    return is_han(ch) or ("a" <= ch <= "z") or ch.isdigit()


def joiner_repeats(shadows: Sequence[str]) -> set[str]:
    """Maximal repeats around a symbol joined between Han characters (``永盈会_乐动体育``).

    Such joiners never occur in report prose; an injected phrase is identical at every place while
    its contexts differ, so extending all occurrences while they agree gives exact boundaries.
    """
    groups: dict[str, list[tuple[int, int]]] = {}
    for k, text in enumerate(shadows):
        for m in _JOINED.finditer(text):
            groups.setdefault(m.group(), []).append((k, m.start() + 1))
    found: set[str] = set()
    for all_occ in groups.values():
        seen: dict[str, tuple[int, int]] = {}
        for k, p in all_occ:  # a duplicated paragraph is one context, not a repeat
            seen.setdefault(shadows[k], (k, p))
        occ = list(seen.values())
        if len(occ) < 2:
            continue
        left = right = 1
        while all(
            p - left - 1 >= 0
            and _word_char(shadows[k][p - left - 1])
            and shadows[k][p - left - 1] == shadows[occ[0][0]][occ[0][1] - left - 1]
            for k, p in occ
        ):
            left += 1
        while all(
            p + right + 1 < len(shadows[k])
            and (_word_char(shadows[k][p + right + 1]) or shadows[k][p + right + 1] in _JOINER_SET)
            and shadows[k][p + right + 1] == shadows[occ[0][0]][occ[0][1] + right + 1]
            for k, p in occ
        ):
            right += 1
        k0, p0 = occ[0]
        phrase = shadows[k0][p0 - left : p0 + right + 1]
        if len(phrase) >= _MIN_PHRASE and len(occ) >= 2:
            found.add(phrase)
    # keep maximal phrases only (a chain with two joiners yields the same phrase twice or a part)
    return {p for p in found if not any(p != q and p in q for q in found)}


def strip_text(text: str, *, location: str = "text") -> TextStripResult:
    """Remove injected spans from one string (signatures, repeats within it, lexicon, URLs)."""
    res = strip_string(text, location, document_phrases([text]))
    if res.removals and heading_like(res.text):
        res.gaps = find_gaps(text, res.text, res.kept, location, heading_like=True)
    return TextStripResult(res.text, res.removals, bool(res.gaps), res.gaps)


def strip_document(doc: DocumentBlocks) -> SpamOutcome:
    """Clean ``doc.title``, paragraphs and table cells in place; return removals and verdict."""
    removals: list[SpamRemovalRecord] = list(doc.spam_removals)
    gaps: list[Gap] = []
    flags: set[str] = set()
    reasons: list[str] = []
    prose = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    if doc.title:
        prose.append(doc.title)
    phrases = document_phrases(prose)
    total_chars = removed_chars = trad = han = 0
    pinyin = False

    def prose_strip(text: str, location: str) -> str:
        nonlocal removed_chars, trad, han, pinyin
        sh = make_shadow(text)
        trad, han = trad + sh.traditional, han + sh.han
        if sh.han >= 8 and sh.traditional_ratio > TRADITIONAL_BODY:
            flags.add("traditional_block")
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
        doc.title = prose_strip(doc.title, "title")
    quarantined: list[str] = []
    spam_cells: list[str] = []
    edited_cells = 0
    cell_cache: dict[str, CellStrip] = {}
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            total_chars += len(block.text)
            block.text = prose_strip(block.text, f"text:{i}")
        elif isinstance(block, Table):
            done: dict[tuple[int, int], CellStrip] = {}
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    if cell.origin is not None and cell.origin in done:
                        cell.text = done[cell.origin].text
                        continue
                    total_chars += len(cell.text)
                    loc = f"table:{i}:r{r}c{c}"
                    res = _cell(cell.text, loc, phrases, cell_cache)
                    done[(r, c)] = res
                    if res.quarantine:
                        quarantined.append(loc)
                        reasons.append(f"cell_{res.quarantine}:{loc}")
                        continue
                    if res.removals:
                        edited_cells += 1
                        removed_chars += len(cell.text) - len(res.text)
                        removals.extend(res.removals)
                        cell.text = res.text
                    if res.flag:
                        flags.add(res.flag)
                        if res.flag == "spam_cell":
                            spam_cells.append(loc)
    gaps += propagate_gaps(removals, gaps)
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
