"""Property (issue 11): random spam glued before, after or inside random numbers of random
cells of random report fixtures never changes a published value: every value equals the clean
parse's, or is null with an error issue and the report not ``valid``."""

from __future__ import annotations

import re
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing.models import Report
from parsing.pipeline import parse_document
from tests.parsing.digit_cases import REPORTS, raw_report

BASES = (
    "01_trs_2019_tpl_2020",
    "02_trs_2021_tpl_2022",
    "06_reworded_labels_2019",
    "07_reworded_labels_2021",
    "16_word_export_2021",
    "21_tpl2019_layout_in_2022",
)
_CELL = re.compile(r">\s*((?:[增减])?[0-9][0-9,]*)\s*<")
_WORDS = ("澳门金沙游戏", "威尼斯人娱乐", "澳門金沙遊戲", "亚博体育官网", "太阳城集团", "九游会")
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@cache
def _page(base: str) -> str:
    return (REPORTS / base / "input.html").read_text(encoding="utf-8")


@cache
def _clean(base: str) -> Report:
    return parse_document(raw_report(base))


@st.composite
def spam_phrase(draw: st.DrawFn) -> str:
    """A brand phrase, maybe with digits, full-width, split across tags or a ``<br>``."""
    word = draw(st.sampled_from(_WORDS))
    digits = draw(st.sampled_from(["", "", "888", "365", "8", "2023"]))
    phrase = word + digits if draw(st.booleans()) else digits + word
    if draw(st.booleans()):
        phrase = phrase.translate(_FULL)
    style = draw(st.sampled_from(["plain", "span", "br", "font"]))
    cut = draw(st.integers(1, max(1, len(phrase) - 1)))
    if style == "span":
        phrase = f"{phrase[:cut]}<span>{phrase[cut:]}</span>"
    elif style == "br":
        phrase = f"<br/>{phrase}"
    elif style == "font":
        phrase = f'<font color="red">{phrase[:cut]}</font>{phrase[cut:]}'
    return phrase


@st.composite
def spammed_pages(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(st.sampled_from(BASES))
    page = _page(base)
    lo, hi = page.index("<table"), page.rindex("</table>")
    cells = list(_CELL.finditer(page, lo, hi))
    out = page
    for m in sorted(
        draw(
            st.lists(st.sampled_from(cells), min_size=1, max_size=3, unique_by=lambda m: m.start())
        ),
        key=lambda m: m.start(),
        reverse=True,
    ):
        number = m.group(1)
        if draw(st.booleans()):
            number = number.translate(_FULL)
        spam = draw(spam_phrase())
        where = draw(st.sampled_from(["before", "after", "inside"]))
        if where == "inside" and len(number) >= 2:
            k = draw(st.integers(1, len(number) - 1))
            text = number[:k] + spam + number[k:]
        elif where == "before":
            text = spam + number
        else:
            text = number + spam
        out = out[: m.start(1)] + text + out[m.end(1) :]
    return base, out, where


def _values(report: Report) -> dict[tuple[str, ...], object]:
    out: dict[tuple[str, ...], object] = {}
    for a in report.active_disclosure:
        out[("active", a.item, a.metric)] = a.value
    for app in report.applications:
        for col, v in zip(app.model_fields, app.values(), strict=False):
            out[("applications", app.row_code, str(col))] = v
        for i, v in enumerate(app.values()):
            out[("applications", app.row_code, str(i))] = v
    for r in report.review_litigation:
        out[("review", r.proceeding, r.outcome)] = r.value
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spammed_pages())
def test_no_published_value_differs_from_the_truth(case: tuple[str, str, str]) -> None:
    base, page, _where = case
    truth = _values(_clean(base))
    report = parse_document(raw_report(base, page))
    errors = [i for i in report.validation_issues if i.severity == "error"]
    for key, value in _values(report).items():
        if value is None and truth.get(key) is not None:
            assert errors, key  # a null that was a number says why
            assert report.validation_status == "invalid"
            continue
        assert key in truth, key
        assert value == truth[key], (key, value, truth[key])
