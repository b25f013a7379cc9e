"""``shadow.split_runs`` (a native scan with a table of stable characters) equals the pattern it
replaces, ``_UNSTABLE_RUN.split`` (unstable runs kept by the split), and the table equals the class ``_STABLE`` at every code point."""

from __future__ import annotations

import random
import re
from pathlib import Path

from parsing.spam import shadow
from parsing.spam.shadow import TRAD_TO_SIMP, ZERO_WIDTH, make_shadow, shadow_text, split_runs
from tests.parsing.spam.spam_corpus import CLEAN_SENTENCES, generate
from tests.parsing.spam.test_inert import _texts

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_UNSTABLE_RUN = re.compile(f"([^{shadow._STABLE}]+)")  # what ``split_runs`` replaced


def test_the_table_is_the_stable_class_at_every_code_point() -> None:
    stable = re.compile(f"[{shadow._STABLE}]")
    table = shadow._STABLE_MAP
    assert len(table) == 0x10000
    for code in range(0x110000):
        want = stable.match(chr(code)) is not None
        got = code < 0x10000 and table[code] == "\x01"
        assert got == want, hex(code)
        assert code >= 0x10000 or table[code] in "\x00\x01"


def _random(rng: random.Random) -> str:
    pool = (
        "政府信息公开年度报告，。、：；（）()《》“”ＡＢａｂ１２AZaz09 \n\t"
        + "".join(sorted(TRAD_TO_SIMP))[:40]
        + "".join(sorted(ZERO_WIDTH))
        + "①½㎏ā\u3000\U0001f600\U00020000﹏～"
    )
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 30)))


def _corpus() -> list[str]:
    rng = random.Random(41)
    out = ["", "a", "，", "，，", "a，", "，a", "政府", "\U0001f600", "政\U0001f600府"]
    out += list(CLEAN_SENTENCES) + _texts(rng, 1500) + [_random(rng) for _ in range(5000)]
    for rep in generate(20, seed=9):
        out += [getattr(b, "text", "") for b in rep.doc.blocks]
    for page in sorted(_FIXTURES.glob("reports/*/input.*")):
        out += page.read_bytes().decode("utf-8", "replace").splitlines()
    return out


def test_split_runs_equals_the_pattern() -> None:
    several = 0
    for text in _corpus():
        want = _UNSTABLE_RUN.split(text)
        assert split_runs(text) == want, text
        several += len(want) > 3
    assert several > 1000


def _reference_text(original: str) -> str:
    """The shadow text as it was built: every unstable run translated on its own."""
    pieces = _UNSTABLE_RUN.split(original)
    pieces[1::2] = [run.translate(shadow._TABLE) for run in pieces[1::2]]
    return "".join(pieces)


def test_shadows_equal_the_run_by_run_translation() -> None:
    """One translation of the runs joined, put back run by run, only without irregular
    characters (``½``, ``㎏``, zero-width: shadows of other lengths); the corpus has both."""
    irregular = 0
    for text in _corpus():
        sh = make_shadow(text)
        want = _reference_text(text)
        assert sh.text == want, text
        assert shadow_text(text) == want, text
        assert sh.traditional == sum(c in TRAD_TO_SIMP for c in text), text
        if len(sh.index) != len(text):
            assert [i for i, _ in enumerate(text) for _ in shadow._TABLE[ord(text[i])]] == list(
                sh.index
            )
        irregular += shadow._IRREGULAR_RE[0].search(text) is not None
    assert irregular > 500
