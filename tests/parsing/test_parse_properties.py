"""Parsing never raises anything but the parser's own typed errors."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsing import ParseError, RawDocument, parse_document

SAMPLE = (Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt").read_text(
    encoding="utf-8"
)
_FRAGMENTS = [
    "<table>",
    "</table>",
    "<tr>",
    "<td rowspan=99999>",
    "<td colspan=-3>",
    "</td>",
    "|",
    "||",
    "一、总体情况",
    "三、收到和处理政府信息公开申请情况",
    "增",
    "减",
    "万元",
    "1,0",
    "（七）总计",
    "<p>",
    "<div style='display:none'>",
    "澳门金沙",
    "\u200b",
    "2020年",
    "<br>",
    "&nbsp;",
    "\x00",
]


def _try(raw: RawDocument) -> None:
    with contextlib.suppress(ParseError):
        parse_document(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=20), max_size=60))
def test_html_soup_only_typed_errors(parts):
    _try(
        RawDocument(content="".join(parts).encode("utf-8", "surrogatepass"), media_type="text/html")
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SAMPLE)), st.integers(0, 400), st.binary(max_size=50))
def test_mangled_sample_only_typed_errors(start, length, junk):
    data = SAMPLE.encode("utf-8")
    mangled = data[:start] + junk + data[start + length :]
    _try(RawDocument(content=mangled, filename="x.txt", publisher="合阳县人民政府"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_binary_junk_only_typed_errors(data):
    _try(RawDocument(content=data))
