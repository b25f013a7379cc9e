"""Lists loaded by script: endpoints found in inline scripts (or declared) and paged to the end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from crawl_helpers import REPO, SITES, crawl_cmd

from crawler.script_lists import ApiSpec, api_page, find_endpoints, wants_next

FIX = SITES / "script"
BASE = "http://127.0.0.1:8000"


def _html(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def test_jquery_ajax_post_form_endpoint():
    (spec,) = find_endpoints(_html("ajax_post.html"), f"{BASE}/script/ajax_post.html")
    assert spec.url == f"{BASE}/script/api/post"
    assert spec.method == "POST"
    assert spec.page_param == "pageNo"
    assert spec.page == 1
    assert spec.params == {"channelId": "nbnb2021", "pageSize": "2", "siteCode": "6105240001"}
    url, method, body = spec.request()
    assert (url, method) == (f"{BASE}/script/api/post", "POST")
    assert parse_qs(body or "")["pageNo"] == ["1"]


def test_jsonp_endpoint_with_callback():
    (spec,) = find_endpoints(_html("jsonp.html"), f"{BASE}/script/jsonp.html")
    assert spec.method == "GET"
    assert spec.page_param == "curPage"
    url, _, _ = spec.request()
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "callback": ["jsonpcb"],
        "columnId": ["1337"],
        "curPage": ["1"],
        "pageSize": ["2"],
    }


def test_fetch_with_concatenated_page_parameter():
    (spec,) = find_endpoints(_html("fetch.html"), f"{BASE}/script/fetch.html")
    assert spec.page_param == "pageIndex"
    assert spec.page == 0  # `let pageIndex = 0`: this endpoint counts from 0
    assert spec.request()[0] == f"{BASE}/script/api/fetch?size=2&type=bmnb&pageIndex=0"
    assert spec.next().request()[0].endswith("pageIndex=1")


def test_xmlhttprequest_open():
    (spec,) = find_endpoints(_html("xhr.html"), f"{BASE}/script/xhr.html")
    assert spec.page_param == "page"
    assert spec.request()[0] == f"{BASE}/script/api/xhr.json?page=1&cid=77"


def test_scripts_without_list_calls_yield_nothing():
    assert find_endpoints(_html("custom.html"), f"{BASE}/script/custom.html") == []
    page = "<script>$.get('/static/tpl/header.css'); var a = 1;</script>"
    assert find_endpoints(page, BASE) == []


def test_jsonp_answer_and_record_total():
    spec = ApiSpec(url=f"{BASE}/api", page_param="curPage", page_size=2)
    text = "jsonpcb(" + (FIX / "api" / "jsonp_1.json").read_text(encoding="utf-8") + ");"
    page = api_page(text, BASE, spec)
    assert len(page.links) == 2
    assert page.total_pages == 3  # 5 records, 2 a page
    assert page.links[0].date == "2023-01-15"
    assert wants_next(spec, page)
    assert not wants_next(spec.next().next(), page)


def test_an_empty_page_ends_paging_and_no_json_is_not_ok():
    spec = ApiSpec(url=f"{BASE}/api", page_param="p")
    assert not wants_next(spec, api_page('{"rows": []}', BASE, spec))
    assert not api_page("<html>error</html>", BASE, spec).ok


# ---- real crawls against the fixture endpoints ---------------------------------------------------
def _api_routes() -> dict:
    def reply(name: str, empty: dict, jsonp: str | None = None):
        def route(req, state):
            query = parse_qs(urlsplit(req.path).query)
            if req.command == "POST":
                length = int(req.headers.get("Content-Length") or 0)
                query.update(parse_qs(req.rfile.read(length).decode()))
            page = next(
                (
                    v[0]
                    for k, v in query.items()
                    if k in ("pageNo", "curPage", "pageIndex", "page", "p")
                ),
                "1",
            )
            file = FIX / "api" / f"{name}_{int(page)}.json"
            text = file.read_text(encoding="utf-8") if file.exists() else json.dumps(empty)
            ctype = "application/json; charset=utf-8"
            if jsonp:
                assert query.get("callback") == [jsonp]
                text, ctype = f"{jsonp}({text});", "application/javascript; charset=utf-8"
            return 200, {"Content-Type": ctype}, text.encode()

        return route

    routes = {
        "/script/api/post": reply("post", {"code": 0, "data": {"list": [], "totalPage": 3}}),
        "/script/api/jsonp": reply("jsonp", {"total": 5, "datas": []}, jsonp="jsonpcb"),
        "/script/api/fetch": reply("fetch", {"rows": []}),
        "/script/api/xhr.json": reply("xhr", {"totalPages": 2, "items": []}),
        "/script/api/custom": reply("custom", {"result": {"pages": 2, "items": []}}),
    }
    template = (FIX / "content" / "report.html").read_text(encoding="utf-8")
    for file in (FIX / "api").glob("*.json"):
        for line in file.read_text(encoding="utf-8").splitlines():
            if "/script/content/" in line:
                path = line.split('"')[3]
                body = template.format(title="年度报告", path=path).encode()
                routes[path] = lambda req, st, b=body: (200, {"Content-Type": "text/html"}, b)
    return routes


SITES_TOML = """
[[site]]
name = "script-lists"
publisher = "合阳县人民政府"
start_urls = ["{base}/script/ajax_post.html", "{base}/script/jsonp.html",
              "{base}/script/fetch.html", "{base}/script/xhr.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "declared-api"
publisher = "合阳县人民政府"
start_urls = ["{base}/script/custom.html"]
allowed_domains = ["127.0.0.1"]
[[site.overrides.list_api]]
url = "{base}/script/api/custom"
params = {{ cat = "nb" }}
page_param = "p"
items = "result.items"
title_field = "bt"
url_field = "lj"
date_field = "fbrq"
total = "result.pages"
"""


@pytest.fixture(scope="module")
def script_crawls(make_server, tmp_path_factory):
    from crawl_helpers import _static  # noqa: PLC2701 - the fixture server's file route

    routes = _api_routes()
    for name in ("ajax_post", "jsonp", "fetch", "xhr", "custom"):
        path = f"/script/{name}.html"
        routes[path] = lambda req, st, p=path: _static(p)
    srv = make_server(routes=routes)
    root: Path = tmp_path_factory.mktemp("script")
    sites = root / "sites.toml"
    sites.write_text(SITES_TOML.format(base=srv.base), encoding="utf-8")
    out = {}
    for name in ("script-lists", "declared-api"):
        proc = subprocess.run(
            crawl_cmd(name, sites, root / name),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    return srv, out


def _expected(*names: str) -> set[str]:
    urls = set()
    for file in (FIX / "api").glob("*.json"):
        if file.name.split("_")[0] in names:
            urls |= {
                line.split('"')[3]
                for line in file.read_text(encoding="utf-8").splitlines()
                if "/script/content/" in line and "notice" not in line
            }
    return urls


def test_every_report_of_every_script_loaded_list_is_archived(script_crawls):
    srv, out = script_crawls
    got = {c["url"].removeprefix(srv.base) for c in out["script-lists"]["captures"]}
    assert got == _expected("post", "jsonp", "fetch", "xhr")
    assert len(got) == 6 + 5 + 4 + 4
    assert len(out["script-lists"]["list_endpoints"]) == 4
    assert out["script-lists"]["errors"] == []


def test_paging_stops_at_the_declared_total_or_the_first_empty_page(script_crawls):
    srv, _ = script_crawls
    posts = [h for h in srv.hits if h.path == "/script/api/post"]
    assert len(posts) == 3  # totalPage 3
    assert len(srv.paths(since=0)) > 0
    jsonp = [p for p in srv.paths() if p.startswith("/script/api/jsonp")]
    assert len(jsonp) == 3  # 5 records, 2 a page
    fetches = [p for p in srv.paths() if p.startswith("/script/api/fetch")]
    assert len(fetches) == 3  # 0, 1, then the empty page 2 ends it
    xhr = [p for p in srv.paths() if p.startswith("/script/api/xhr.json")]
    assert len(xhr) == 2


def test_a_declared_list_api_is_paged(script_crawls):
    srv, out = script_crawls
    got = {c["url"].removeprefix(srv.base) for c in out["declared-api"]["captures"]}
    assert got == _expected("custom")
    calls = [p for p in srv.paths() if p.startswith("/script/api/custom")]
    assert sorted(calls) == ["/script/api/custom?cat=nb&p=1", "/script/api/custom?cat=nb&p=2"]


@pytest.mark.parametrize("name", ["script-lists", "declared-api"])
def test_script_list_links_are_accounted_for(script_crawls, name):
    links = script_crawls[1][name]["links"]
    assert links["found"] == (
        links["fetched"] + links["duplicates"] + sum(links["filtered"].values()) + links["errors"]
    )
    assert links["filtered"].get("not_a_report", 0) >= (1 if name == "script-lists" else 0)
