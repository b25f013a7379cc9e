"""The "forms" fixture site (one report in every form) served on 127.0.0.1 for the module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SITE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sites" / "forms"
if str(SITE_DIR) not in sys.path:
    sys.path.insert(0, str(SITE_DIR))

import build_forms  # noqa: E402

from flows.demo_server import serve_directory  # noqa: E402


@pytest.fixture(scope="module")
def forms_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(site root, sites file) of the forms site."""
    root = tmp_path_factory.mktemp("forms")
    build_forms.build(root)
    with serve_directory(root) as port:
        sites_file = root / "sites.toml"
        sites_file.write_text(build_forms.sites_toml(port), encoding="utf-8")
        yield root, sites_file
