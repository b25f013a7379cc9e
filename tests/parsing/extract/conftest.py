"""Fixtures of the attachment-extractor tests: documents generated from report specs.

Every binary fixture is built at test time (session scope) by
tests/fixtures/documents/make_fixtures.py, so nothing binary is checked in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
for _path in (FIXTURE_DIR, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import make_fixtures  # noqa: E402
import report_specs  # noqa: E402

_CACHE: dict[str, Any] = {}


def _cached(key: str, build: Callable[[], Any]) -> Any:
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


@pytest.fixture(scope="session")
def specs() -> Any:
    return report_specs


@pytest.fixture(scope="session")
def fx() -> Any:
    """The generator module (render_pdf, render_docx, zip_bomb_docx, …)."""
    return make_fixtures


@pytest.fixture(scope="session")
def build() -> Callable[[str, Callable[[], Any]], Any]:
    """Memoise an expensive fixture across the session: build(key, thunk)."""
    return _cached
