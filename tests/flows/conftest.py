"""Fixture sites for the flow tests: the bundled demo sites served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.demo_content import demo_sites_toml, write_demo_sites
from flows.demo_server import serve_directory


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(site root, sites file) of the three demo sites, served for the module."""
    root = tmp_path_factory.mktemp("sites")
    write_demo_sites(root)
    with serve_directory(root) as port:
        sites_file = root / "sites.toml"
        sites_file.write_text(demo_sites_toml(port), encoding="utf-8")
        yield root, sites_file
