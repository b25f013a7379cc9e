"""Property tests: table digits never change, stripping is idempotent, untouched text stays."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.spam import clean_dom, strip_document
from tests.parsing.spam.spam_corpus import (
    CLEAN_SENTENCES,
    FULLWIDTH,
    JOINERS,
    KNOWN_BRANDS,
    SUFFIXES,
    UNSEEN_BRANDS,
    WRAPPERS,
    ZW,
    clean_report,
)

_EMOJI_AND_SYMBOLS = ["", "🎰", "★", "〓"]


@st.composite
def spam_chains(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(KNOWN_BRANDS + UNSEEN_BRANDS), min_size=1, max_size=3))
    text = draw(st.sampled_from(JOINERS)).join(parts) + draw(st.sampled_from(SUFFIXES))
    text += draw(st.sampled_from(_EMOJI_AND_SYMBOLS))
    if draw(st.booleans()):
        text = ZW.join(text)
    if draw(st.integers(0, 3)) == 0:
        url = f"www.{draw(st.sampled_from(['wnsr', 'pj', 'amjs']))}{draw(st.integers(100, 99999))}.com"
        text += draw(st.sampled_from([":", " ", "网址:"])) + (
            url.translate(FULLWIDTH) if draw(st.booleans()) else url
        )
    return text + draw(st.sampled_from(["", ":", "："]))


@st.composite
def injected_docs(draw: st.DrawFn) -> tuple[DocumentBlocks, DocumentBlocks, set[str]]:
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    clean = clean_report(rng)
    doc = DocumentBlocks(
        [
            Paragraph(b.text) if isinstance(b, Paragraph) else Table.from_strings(b.texts())
            for b in clean.blocks
        ],
        "text",
    )
    touched: set[str] = set()
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(doc.blocks) - 1))
        block = doc.blocks[i]
        spam = draw(spam_chains())
        if isinstance(block, Paragraph):
            cut = draw(st.integers(0, len(block.text)))
            block.text = block.text[:cut] + spam + block.text[cut:]
            touched.add(f"text:{i}")
        else:
            r = draw(st.integers(0, len(block.rows) - 1))
            c = draw(st.integers(0, len(block.rows[r]) - 1))
            cell = block.rows[r][c]
            cell.text = spam + cell.text if draw(st.booleans()) else cell.text + spam
    return clean, doc, touched


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(injected_docs())
def test_cell_digits_never_change_and_strip_is_idempotent(
    case: tuple[DocumentBlocks, DocumentBlocks, set[str]],
) -> None:
    clean, doc, touched = case
    before = [[c.text for c in row] for b in doc.blocks if isinstance(b, Table) for row in b.rows]
    strip_document(doc)
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    after = [[c.text for c in row] for b in tables for row in b.rows]
    clean_rows = [
        [c.text for c in row] for b in clean.blocks if isinstance(b, Table) for row in b.rows
    ]
    for row_b, row_a, row_c in zip(before, after, clean_rows, strict=True):
        for tb, ta, tc in zip(row_b, row_a, row_c, strict=True):
            assert _digits(ta) == _digits(tb)  # stripping never touches a digit
            if _digits(tb) == _digits(tc):  # injection without digits: clean digits come back
                assert _digits(ta) == _digits(tc)
    for i, (b_clean, b_now) in enumerate(zip(clean.blocks, doc.blocks, strict=True)):
        if isinstance(b_now, Paragraph) and f"text:{i}" not in touched:
            assert isinstance(b_clean, Paragraph)
            assert b_now.text == b_clean.text  # untouched text is never edited
    snapshot = [b.text if isinstance(b, Paragraph) else b.texts() for b in doc.blocks]
    again = strip_document(doc)
    assert [b.text if isinstance(b, Paragraph) else b.texts() for b in doc.blocks] == snapshot
    assert again.removals == []


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(WRAPPERS),
    st.lists(spam_chains(), min_size=1, max_size=3),
    st.sampled_from(CLEAN_SENTENCES),
    st.sampled_from(CLEAN_SENTENCES),
)
def test_hidden_wrappers_are_removed_and_visible_text_kept(
    wrapper: str, chains: list[str], p1: str, p2: str
) -> None:
    inner = "".join(f'<a href="http://{n}.cc">{t}</a>' for n, t in enumerate(chains))
    page = (
        '<html><head><style>.hx{display:none}</style></head><body bgcolor="#fff">'
        f"<p>{p1}</p>{wrapper.format(inner)}<p>{p2}</p></body></html>"
    )
    root = html.document_fromstring(page)
    clean_dom(root)
    body = root.find(".//body")
    assert body is not None
    assert "".join(str(t) for t in body.itertext()) == p1 + p2
