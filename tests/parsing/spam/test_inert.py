"""The exact early rejects of ``parsing.spam.inert`` agree with the full detector path."""

from __future__ import annotations

import random
import re
import unicodedata

from parsing.blocks import Table
from parsing.spam import lexicon as lx
from parsing.spam import shadow
from parsing.spam import template_labels as tl
from parsing.spam.cells import CellStrip, strip_cell
from parsing.spam.detect import scan, term_table
from parsing.spam.document import _strip_text, document_phrases, heading_like
from parsing.spam.inert import inert_cell
from parsing.spam.shadow import TRAD_TO_SIMP, ZERO_WIDTH, is_han, make_shadow, shadow_text
from parsing.spam.signatures import load_signatures
from parsing.spam.tablepass import TableTally, _apply, cell_result, strip_table
from parsing.spam.textstrip import find_gaps, strip_string
from tests.parsing.spam.spam_corpus import (
    CLEAN_SENTENCES,
    JOINERS,
    KNOWN_BRANDS,
    SUFFIXES,
    UNSEEN_BRANDS,
    ZW,
)

_TERMS = sorted(lx.STRONG | lx.BRAND | lx.WEAK | lx.SUFFIX | set(lx.VARIANTS) | lx.ALLOW)
_ODD = list("_|¥丨·/~$•,，、 -—:：()（）①ａＢ½㎏ā\u3000\n") + [ZW, "\u00ad", "\ufeff"]
_TRAD = "".join(sorted(TRAD_TO_SIMP))


def _pieces(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind == 9:  # weak words joined: accepted only through the joiner
        return rng.choice(sorted(lx.WEAK)) + rng.choice("/~·$") + rng.choice(sorted(lx.WEAK))
    if kind == 10:  # pinyin annotations without ASCII letters
        return "".join(rng.choice("政府信息") + rng.choice(["(ā)", "(ǚ)", "(è)"]) for _ in range(3))
    if kind == 11:
        return rng.choice(load_signatures()[1]).phrase
    if kind == 0:
        return rng.choice(tl._LABELS.split())
    if kind == 1:
        return rng.choice(_TERMS)
    if kind == 2:
        s = rng.choice(CLEAN_SENTENCES)
        k = rng.randrange(len(s))
        return s[k : k + rng.randrange(1, 12)]
    if kind == 3:
        return rng.choice(_ODD)
    if kind == 4:
        return str(rng.randrange(10_000)) + rng.choice(["", "件", "万元", "%", "."])
    if kind == 5:
        return rng.choice(KNOWN_BRANDS + UNSEEN_BRANDS) + rng.choice(SUFFIXES)
    if kind == 6:
        return rng.choice(JOINERS)
    if kind == 7:
        return rng.choice(_TRAD) + rng.choice("ｋ8a ")
    unit = rng.choice(["本年", "公开", "信息", "政府"])
    return unit * rng.randrange(1, 4)


def _texts(rng: random.Random, n: int) -> list[str]:
    out = [label for label in tl._LABELS.split()]
    out += [f"{i}．{label}" for i, label in enumerate(tl._LABELS.split())]
    out += [label.translate({ord(s): t for t, s in TRAD_TO_SIMP.items()}) for label in out[:80]]
    for _ in range(n):
        out.append("".join(_pieces(rng) for _ in range(rng.randrange(1, 5))))
    return out


def test_inert_cells_come_out_of_strip_cell_unchanged() -> None:
    _, sigs = load_signatures()
    phrases = [(s.shadow, "signature") for s in sigs]
    shadows = [s.shadow for s in sigs]
    rng = random.Random(15)
    inert = active = 0
    for text in _texts(rng, 4000):
        if inert_cell(text, shadow_text(text), shadows):
            assert strip_cell(text, "", phrases) == CellStrip(text), text
            inert += 1
        else:
            active += 1
    # both sides are exercised: most labels are inert, spam never is
    assert inert > 800, inert
    assert active > 800, active
    for spam in KNOWN_BRANDS + ["行政许可澳门金沙", "规章" + ZW + "x"]:
        assert not inert_cell(spam, shadow_text(spam), shadows), spam


def _reference_shadow(text: str) -> tuple[str, list[int], int, int]:
    """The shadow character by character (what ``make_shadow`` must equal)."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        norm = "" if ch in ZERO_WIDTH else TRAD_TO_SIMP.get(ch) or ch
        if norm == ch and ch >= "\x80":
            norm = unicodedata.normalize("NFKC", ch).lower()
        norm = ch.lower() if ch < "\x80" else norm
        out.append(norm)
        index += [i] * len(norm)
    han = sum(1 for ch in text if is_han(ch))
    return "".join(out), index, sum(ch in ZERO_WIDTH for ch in text), han


def test_stable_characters_are_their_own_shadow() -> None:
    stable = re.compile(f"[{shadow._STABLE}]")
    members = 0
    for code in range(0x10000):
        ch = chr(code)
        if stable.match(ch):
            assert _reference_shadow(ch)[0] == ch, hex(code)
            members += 1
    assert members > 27_000
    assert all(is_han(ch) for ch in TRAD_TO_SIMP)  # traditional implies Han


def test_shadow_equals_the_character_by_character_reference() -> None:
    rng = random.Random(21)
    for text in _texts(rng, 1500) + ["", "ＡＢＣ", "a\u200bb", "㎏½…", "門門"]:
        sh = make_shadow(text)
        ref, index, zw, han = _reference_shadow(text)
        assert (sh.text, list(sh.index), sh.zero_width, sh.han) == (ref, index, zw, han), text
        assert sh.traditional == sum(ch in TRAD_TO_SIMP for ch in text), text
        assert shadow_text(text) == ref, text


def test_scan_finds_every_term_occurrence() -> None:
    by_first, _ = term_table()
    rng = random.Random(5)
    for text in _texts(rng, 1500):
        sh = shadow_text(text)
        naive = [
            (i, t) for i in range(len(sh)) for t in by_first.get(sh[i], ()) if sh.startswith(t, i)
        ]
        assert scan(sh, by_first) == naive, text
        if lx.TARGETS.search(sh) is None:  # the test before the enforcement pattern
            assert lx.ENFORCEMENT.search(sh) is None, text


def _reference_table_pass(table: Table, index: int, tally: TableTally) -> None:
    """The table pass with an explicit map of the origins met (what ``strip_table`` equals)."""
    done: dict[tuple[int, int], tuple[str, str | None]] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            if cell.origin is not None and cell.origin in done:
                cell.text, cell.raw = done[cell.origin]
                continue
            tally.total_chars += len(cell.text)
            found = cell_result(cell.text, tally)
            if found is not None and (found.quarantine or found.removals or found.flag):
                _apply(cell.text, found, f"table:{index}:r{r}c{c}", tally, cell.raw is None)
                if found.quarantine or found.text != cell.text:
                    cell.raw = cell.text
                    cell.text = cell.text if found.quarantine else found.text
            done[(r, c)] = (cell.text, cell.raw)


def test_table_pass_span_copies_equal_the_reference() -> None:
    rng = random.Random(3)
    texts = ["行政许可", "行政许可澳门金沙", "12", "266九游会", "其他", "鸿胜国际官网", "", "增3"]
    for _ in range(300):
        height, width = rng.randrange(1, 5), rng.randrange(1, 5)
        rows = [[rng.choice(texts) for _ in range(width)] for _ in range(height)]
        a, b = Table.from_strings(rows), Table.from_strings(rows)
        for _ in range(rng.randrange(6)):
            r, c = rng.randrange(height), rng.randrange(width)
            origin = (rng.randrange(-1, height + 1), rng.randrange(-1, width + 1))
            a.rows[r][c].origin = b.rows[r][c].origin = origin
        phrases = [("鸿胜国际", "repeat")] if rng.random() < 0.5 else []
        ta, tb = (TableTally(phrases, [], set(), []) for _ in range(2))
        strip_table(a, 4, ta)
        _reference_table_pass(b, 4, tb)
        assert a == b
        assert (ta.removals, ta.quarantined, ta.total_chars, ta.edited_cells, ta.flags) == (
            tb.removals,
            tb.quarantined,
            tb.total_chars,
            tb.edited_cells,
            tb.flags,
        )


def test_strip_text_shortcut_equals_the_full_path() -> None:
    rng = random.Random(8)
    for text in _texts(rng, 1500):
        res = strip_string(text, "title", document_phrases([text]))
        if res.removals and heading_like(res.text):
            res.gaps = find_gaps(text, res.text, res.kept, "title", heading_like=True)
        got = _strip_text(text, "title")
        assert (got.text, got.removals, got.gaps) == (res.text, res.removals, res.gaps), text
