"""``xxgk sites discover``: portal home page → 政府信息公开 section → 年报 columns → [[site]] entry.

Three portal styles served on 127.0.0.1 from ``tests/fixtures/portals``: a TRS WCM county portal
(政务公开 → 政府信息公开 → 政府信息公开年报 with 部门年报/乡镇年报 tabs), a JCMS/Hanweb city portal
(``/col/colN/index.html`` columns with ``<datastore>`` lists, one sub-column empty) and a county
whose 政府信息公开平台 lives on another host (``localhost``) with a left tree and a JSON list.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.discover import discover, http_fetcher
from crawler.registry import load_sites

PORTALS = Path(__file__).resolve().parents[1] / "fixtures" / "portals"
MOUNTS = {"trs": "/portal_trs/", "jcms": "/", "gkpt": "/portal_gkpt/"}
CTYPE = {".html": "text/html; charset=utf-8", ".json": "application/json; charset=utf-8"}


def _routes() -> dict:
    routes = {}
    for style, mount in MOUNTS.items():
        for file in (PORTALS / style).rglob("*"):
            if not file.is_file():
                continue
            rel = file.relative_to(PORTALS / style).as_posix()
            ctype = {"Content-Type": CTYPE[file.suffix]}

            def route(req, state, f=file, c=ctype):
                return (
                    200,
                    c,
                    f.read_text(encoding="utf-8").replace("{{PORT}}", str(state.port)).encode(),
                )

            routes[mount + rel] = route
            if rel.endswith("index.html"):
                routes[mount + rel[: -len("index.html")]] = route
    return routes


@pytest.fixture(scope="module")
def portal(make_server):
    return make_server(routes=_routes())


def _discover(portal, path: str):
    return discover(portal.base + path, http_fetcher("xxgk-test"))


def test_trs_portal(portal):
    found = _discover(portal, "/portal_trs/")
    assert found.publisher == "合阳县人民政府"
    assert found.region_code == "610524"
    assert found.name == "heyang"  # from the SiteDomain meta
    base = portal.base + "/portal_trs/zwgk/zfxxgk/xxgknb/"
    assert found.start_urls == [base, base + "bmnb/", base + "xznb/"]
    assert [c.kind for c in found.columns] == ["main", "sub", "sub"]
    assert [c.reports for c in found.columns] == [2, 2, 1]
    assert found.allowed_domains == ["127.0.0.1"]
    assert found.problems == []


def test_jcms_portal_with_an_empty_sub_column(portal):
    found = _discover(portal, "/index.html")
    assert found.publisher == "渭南市人民政府"
    assert found.region_code == "610500"
    assert found.start_urls == [
        portal.base + "/col/col2001/index.html",
        portal.base + "/col/col2002/index.html",
    ]
    assert {c.source for c in found.columns} == {"hanweb"}
    (empty,) = found.rejected  # 县市区年报 lists nothing: reported, not silently dropped
    assert empty.url.endswith("/col/col2003/index.html")
    assert empty.note == "lists no report"


def test_disclosure_platform_on_another_host(portal):
    found = _discover(portal, "/portal_gkpt/www/index.html")
    assert found.publisher == "大荔县人民政府"
    assert found.region_code == "610523"
    platform = f"http://localhost:{portal.port}/portal_gkpt/xxgk/nb/"
    assert found.start_urls == [
        platform + "zfnb/list.html",
        platform + "bmnb/list.html",
        platform + "xznb/list.html",
    ]
    sources = {c.url.rsplit("/", 2)[1]: c.source for c in found.columns}
    assert sources["bmnb"] == "script"  # the 部门年报 list is loaded as JSON
    assert found.allowed_domains == ["127.0.0.1", "localhost"]
    assert f"http://localhost:{portal.port}/portal_gkpt/xxgk/index.html" in found.sections


def test_the_page_budget_is_a_bound_that_is_reported(portal):
    found = discover(portal.base + "/portal_trs/", http_fetcher("xxgk-test"), max_pages=2)
    assert found.pages_fetched == 2
    assert found.columns == []
    assert found.problems == ["no 年报 column listing reports was found"]


def test_cli_prints_a_valid_entry_and_adds_it(portal, tmp_path):
    from flows.cli import app

    registry = tmp_path / "sites.toml"
    registry.write_text("", encoding="utf-8")
    runner = CliRunner()
    url = portal.base + "/portal_trs/"
    res = runner.invoke(app, ["sites", "discover", url, "--sites-file", str(registry), "--add"])
    assert res.exit_code == 0, res.output
    table = res.stdout[res.stdout.index("[[site]]") :]
    entry = tomllib.loads(table)["site"][0]
    assert entry["publisher"] == "合阳县人民政府"
    assert entry["region_code"] == "610524"
    sites = load_sites(registry)
    assert sites["heyang"].start_urls == entry["start_urls"]
    res = runner.invoke(app, ["sites", "discover", url, "--sites-file", str(registry), "--add"])
    assert res.exit_code == 1  # already there: refused, said so
    assert "already exists" in res.stderr
    res = runner.invoke(app, ["sites", "discover", portal.base + "/index.html", "--json"])
    data = json.loads(res.stdout)
    assert data["rejected"][0]["note"] == "lists no report"


def test_cli_fails_clearly_when_nothing_is_found(portal):
    from flows.cli import app

    res = CliRunner().invoke(app, ["sites", "discover", portal.base + "/nothing-here/"])
    assert res.exit_code == 1
    assert "no 年报 column" in res.stderr
