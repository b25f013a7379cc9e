"""Hypothesis fuzzing of the HTML/text parser and the spam stripper.

Each property runs twice: a short version in CI and a long one marked ``fuzz`` (not in CI):
``pytest tests/reliability -m fuzz`` with ``XXGK_FUZZ_EXAMPLES`` examples per property (default
2000). Anything found is added to tests/fixtures/broken/ and parsed by test_broken_documents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_server import report_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import ParseError, RawDocument, parse_document
from parsing.spam import strip_text

CI_EXAMPLES = 30
FIXTURES = Path(__file__).parents[1] / "fixtures" / "broken"
FUZZ_EXAMPLES = int(os.environ.get("XXGK_FUZZ_EXAMPLES", "2000"))
REPORT = report_bytes("模糊县人民政府", 2020)
REPORT_2021 = report_bytes("模糊县人民政府", 2021, "gb18030")
TEXT_LINES = [
    line for line in re.sub(r"<[^>]+>", "\n", REPORT.decode()).splitlines() if line.strip()
]
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
NOISE = st.text(
    alphabet=st.one_of(
        CJK, st.sampled_from("0123456789０１２３,.，。、；：%-—<>&/ \n\t澳门娱乐城官网彩票")
    ),
    max_size=200,
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A report page damaged the ways servers and editors damage them."""
    base = bytearray(draw(st.sampled_from([REPORT, REPORT_2021])))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "delete", "insert", "duplicate", "flip"]))
        i = draw(st.integers(0, len(base)))
        j = draw(st.integers(i, min(len(base), i + 4000)))
        if op == "cut":
            del base[i:]
        elif op == "delete":
            del base[i:j]
        elif op == "insert":
            base[i:i] = draw(st.one_of(st.binary(max_size=300), NOISE.map(str.encode)))
        elif op == "duplicate":
            base[j:j] = base[i:j]
        elif base:
            k = min(i, len(base) - 1)
            base[k] ^= draw(st.integers(1, 255))
    return bytes(base)


DOCUMENTS = st.one_of(mutated(), st.binary(max_size=2000), NOISE.map(str.encode))
MEDIA = st.sampled_from([None, "text/html", "text/html; charset=utf-8", "text/plain",
                         "application/octet-stream", "text/html; charset=gbk"])  # fmt: skip


def _no_bug(exc: ParseError) -> None:
    """A typed error is fine; a wrapped unexpected exception is a parser bug."""
    if exc.kind == "parser_bug":
        raise AssertionError(exc.message)


def _check_parse(content: bytes, media: str | None) -> None:
    raw = RawDocument(content=content, media_type=media, url="http://127.0.0.1/f.html", site="f")
    try:
        report = parse_document(raw)
    except ParseError as exc:
        _no_bug(exc)
        return
    assert report.validation_status in {"valid", "warning", "invalid"}
    for row in report.applications:  # every number came from the page, none invented
        for value in (row.natural_person, row.total):
            assert value is None or -(10**12) < value < 10**12


def _check_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        parse_document(RawDocument(content=text.encode(), filename="r.txt", site="f"))
    except ParseError as exc:
        _no_bug(exc)


def _check_strip(text: str) -> None:
    res = strip_text(text, location="fuzz")
    assert isinstance(res.text, str)
    it = iter(text)
    assert all(ch in it for ch in res.text), "output is not a subsequence of the input"
    for removal in res.removals:
        assert removal.removed_text in text


def _check_numbers_kept(text: str) -> None:
    """Plain report prose and numbers (no spam words) lose no digit."""
    res = strip_text(text, location="fuzz")
    assert re.findall(r"\d+", res.text) == re.findall(r"\d+", text)


LINES = st.lists(st.sampled_from(TEXT_LINES) | NOISE, min_size=1, max_size=40)
PROSE = st.lists(
    st.sampled_from(TEXT_LINES[:40]) | st.integers(0, 10**6).map(str),
    min_size=1,
    max_size=12,
).map("".join)
PROPERTIES: dict[str, tuple[Callable[..., None], tuple[Any, ...]]] = {
    "parse_html": (_check_parse, (DOCUMENTS, MEDIA)),
    "parse_text": (_check_text, (LINES,)),
    "strip_text": (_check_strip, (st.text(max_size=300) | NOISE,)),
    "strip_keeps_numbers": (_check_numbers_kept, (PROSE,)),
}


def _run(name: str, examples: int) -> None:
    check, strategies = PROPERTIES[name]
    runner = settings(
        max_examples=examples,
        deadline=None,
        derandomize=examples <= CI_EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(given(*strategies)(check))
    runner()


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_fuzz_short(name):
    _run(name, CI_EXAMPLES)


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "name",
    [n for n in sorted(PROPERTIES)],
)
def test_fuzz_long(name):
    _run(name, FUZZ_EXAMPLES)


@pytest.mark.parametrize("name", ["strip_repeat_title.txt", "strip_repeat_digits.txt"])
def test_fuzz_findings_keep_their_numbers(name):
    _check_numbers_kept((FIXTURES / name).read_text(encoding="utf-8"))
