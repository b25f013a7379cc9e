"""``parse_document`` pauses the cyclic collector for HTML and text pages: safe only because
parsing them leaves no cyclic garbage, which this checks on every fixture page."""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path
from typing import Any

from parsing import ParseError, RawDocument, parse_document

from .digit_cases import fixture_pages

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _text_caches() -> list[Any]:
    """The parser's memo caches (module-level ``lru_cache`` functions of a bounded size)."""
    found: list[Any] = []
    for name, module in list(sys.modules.items()):
        if name == "parsing" or name.startswith("parsing."):
            for value in vars(module).values():
                info = getattr(value, "cache_info", None)
                if callable(info) and info().maxsize not in (None, 1) and value not in found:
                    found.append(value)
    return found


def test_html_parse_leaves_no_cyclic_garbage() -> None:
    pages = list(fixture_pages().values())
    assert len(pages) > 50
    for raw in pages:  # imports and one-time tables (their cycles are not the parse's)
        with contextlib.suppress(ParseError):
            parse_document(raw)
    caches = _text_caches()
    assert len(caches) > 10
    for cache in caches:  # each page's texts new again, as in a real run
        cache.cache_clear()
    gc.collect()
    gc.disable()
    try:
        for raw in pages:
            with contextlib.suppress(ParseError):
                parse_document(raw)
        assert gc.collect() == 0  # nothing only the cyclic collector could have freed
    finally:
        gc.enable()


def test_parse_document_gives_the_collector_back_as_it_found_it() -> None:
    report = (_FIXTURES / "reports" / "01_trs_2019_tpl_2020" / "input.html").read_bytes()
    for raw in (RawDocument(content=report), RawDocument(content=b"<html><body></body></html>")):
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            try:
                with contextlib.suppress(ParseError):
                    parse_document(raw)
                assert gc.isenabled() is enabled
            finally:
                gc.enable()
