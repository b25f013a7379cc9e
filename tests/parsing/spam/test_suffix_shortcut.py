"""``lexicon_spans`` returns nothing at once for texts whose lexicon hits are suffixes alone (no
URL token, no structural seed): the same as running its loop (the full path, forced here by
turning the shortcut off), on report prose, fixture pages and random texts."""

from __future__ import annotations

import random

import pytest

from parsing.spam import detect
from parsing.spam import lexicon as lx
from parsing.spam.detect import lexicon_spans, scan, suffixes_only, term_table
from parsing.spam.shadow import make_shadow
from tests.parsing.spam.spam_corpus import CLEAN_SENTENCES, SUFFIXES, generate
from tests.parsing.spam.test_inert import _texts

_SUFFIX_TEXTS = [
    "澄城县人民政府网站",
    "政务服务中心",
    "鸿胜鸿胜鸿胜网站",  # a repeated unit: a seed the suffix grows
    "本机关网站首页。鸿胜k8|必赢亚洲官网",  # a trailing chain and suffixes
    "访问www.hs88.com网站",  # a URL token and a suffix
    "永盈会_乐动体育平台",
    "在线平台",
    "便民服务中心大厅",
]


def _full(sh: object, in_cell: bool, monkeypatch: pytest.MonkeyPatch) -> list[detect.Span]:
    with monkeypatch.context() as m:
        m.setattr(detect, "suffixes_only", lambda hits, kinds: False)
        return lexicon_spans(sh, in_cell=in_cell)  # type: ignore[arg-type]


def _corpus() -> list[str]:
    rng = random.Random(23)
    out = list(_SUFFIX_TEXTS) + list(CLEAN_SENTENCES)
    out += _texts(rng, 3000)
    for _ in range(3000):  # prose, suffixes, brands and seeds glued in random order
        parts = [rng.choice(CLEAN_SENTENCES)[: rng.randrange(1, 30)]]
        parts += [rng.choice(list(SUFFIXES) + sorted(lx.SUFFIX))]
        parts += [rng.choice(["", "鸿胜鸿胜", "。k8|必赢", "hs88.com", "城", "中心", "网站"])]
        rng.shuffle(parts)
        out.append("".join(parts))
    for report in generate(20, seed=5):
        out += [b.text for b in report.doc.blocks if hasattr(b, "text")]
    return out


def test_suffix_only_texts_give_what_the_loop_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    by_first, kinds = term_table()
    shortcut = 0
    for text in _corpus():
        sh = make_shadow(text)
        hits = scan(sh.text, by_first)
        if hits and suffixes_only(hits, kinds):
            shortcut += 1
        for in_cell in (False, True):
            assert lexicon_spans(sh, in_cell=in_cell) == _full(sh, in_cell, monkeypatch), text
    assert shortcut > 500


def test_the_comparison_sees_a_seed_grown_over_a_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the seed condition the shortcut would lose this span: the test above would fail."""
    sh = make_shadow("鸿胜鸿胜鸿胜网站")
    assert _full(sh, False, monkeypatch)
    # every other condition of the shortcut holds: only the seed keeps the loop running
    # (``structure_seeds`` is native code in the compiled build: checked, not patched out)
    by_first, kinds = term_table()
    assert suffixes_only(scan(sh.text, by_first), kinds)
    assert not detect.url_tokens(sh)
    assert detect.structure_seeds(sh)
    assert lexicon_spans(sh)
