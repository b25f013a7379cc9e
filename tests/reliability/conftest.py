"""Fixtures of the reliability tests: fast crawl settings, the hostile server, helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "broken"))


from reliability_support import FAST_CRAWL, SECRET_MARKER  # noqa: E402


@pytest.fixture(scope="module")
def fast_crawl_env() -> Iterator[dict[str, str]]:
    """Crawl subprocesses of this module run fast (``XXGK_CRAWL_SETTINGS``) and see secrets.

    The secret env vars carry a marker the security test looks for in every output.
    """
    extra = {
        "XXGK_CRAWL_SETTINGS": json.dumps(FAST_CRAWL),
        "AWS_SECRET_ACCESS_KEY": SECRET_MARKER,
        "AWS_ACCESS_KEY_ID": "AKIA" + SECRET_MARKER,
    }
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield extra
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
