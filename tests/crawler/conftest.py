"""Fixtures of the crawler tests: the local fixture-site HTTP server (see crawl_helpers)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from crawl_helpers import make_server, server  # noqa: E402

__all__ = ["make_server", "server"]
