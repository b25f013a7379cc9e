"""Crawl subprocesses never receive credentials."""

from __future__ import annotations

import pytest

from crawler.runner import _is_secret


@pytest.mark.parametrize(
    "name",
    ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "PREFECT_API_KEY", "MY_TOKEN", "DB_PASSWORD"],
)
def test_credentials_are_filtered(name):
    assert _is_secret(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "PYTHONPATH", "PREFECT_HOME", "XXGK_DATA_DIR"])
def test_ordinary_variables_pass(name):
    assert not _is_secret(name)
