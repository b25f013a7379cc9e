"""Crawl bounds: deep lists, page and document limits, attachment depth, long URLs, size cap.

Every bound the crawler enforces is reported (``limit_reached`` naming the bound and the URL,
site status ``incomplete``) and every link ends in exactly one bucket.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from crawl_helpers import REPO, TEST_SETTINGS, crawl_cmd

from crawler.runner import run_crawl, run_group

FIX = REPO / "tests" / "fixtures" / "crawl_bounds"
HTML = {"Content-Type": "text/html; charset=utf-8"}
REPORT = "合阳县{n}年政府信息公开工作年度报告"
LONG_NAME = quote("合阳县人民政府办公室关于印发政府信息公开工作年度报告的通知附件" * 8)
LONG_OK = f"/long/files/{LONG_NAME[:2900]}.pdf"  # > 2,083 chars: fetched all the same
LONG_BAD = f"/long/files/{LONG_NAME * 5}.pdf"  # > URLLENGTH_LIMIT: an error record


def _list_page(page: int, total: int, items: list[tuple[str, str]], prefix: str) -> bytes:
    tpl = (FIX / "list_page.html").read_text(encoding="utf-8")
    lis = "\n".join(
        f'<li><a href="{u}" title="{t}">{t}</a><span>2022-01-20</span></li>' for u, t in items
    )
    nxt = f'<a href="{prefix}list_{page + 1}.html">下一页</a>' if page < total else ""
    html = tpl.format(page=page, total=total, items=lis, next=nxt)
    return html.encode()


def _article(title: str, links: list[tuple[str, str]]) -> bytes:
    tpl = (FIX / "article.html").read_text(encoding="utf-8")
    body = "\n".join(f'<p><a href="{u}">{t}</a></p>' for u, t in links)
    return tpl.format(title=title, links=body).encode()


def _deep_routes(prefix: str, pages: int, report_on: int) -> dict:
    routes = {}
    for p in range(1, pages + 1):
        items = [(f"{prefix}notice_{p}.html", f"关于第{p}批公开目录的说明")]
        if p == report_on:
            items.append((f"{prefix}r{p}.html", REPORT.format(n=2022)))
        body = _list_page(p, pages, items, prefix)
        name = f"{prefix}list.html" if p == 1 else f"{prefix}list_{p}.html"
        routes[name] = lambda req, st, b=body: (200, HTML, b)
    art = _article(REPORT.format(n=2022), [])
    routes[f"{prefix}r{report_on}.html"] = lambda req, st: (200, HTML, art)
    return routes


def _many_routes() -> dict:
    items = [(f"/many/r{i}.html", REPORT.format(n=2000 + i)) for i in range(12)]
    routes = {"/many/list.html": lambda req, st: (200, HTML, _list_page(1, 1, items, "/many/"))}
    for url, title in items:
        body = _article(title, [])
        routes[url] = lambda req, st, b=body: (200, HTML, b)
    return routes


def _chain_routes() -> dict:
    items = [("/chain/r.html", REPORT.format(n=2021))]
    report = _article(REPORT.format(n=2021), [("/chain/a1.pdf", "附件：2021年年报")])
    # an "attachment" that is really an HTML page linking further attachments
    a1 = _article("附件", [("/chain/a2.pdf", "附件2"), ("/chain/a3.doc", "附件3")])
    return {
        "/chain/list.html": lambda req, st: (200, HTML, _list_page(1, 1, items, "/chain/")),
        "/chain/r.html": lambda req, st: (200, HTML, report),
        "/chain/a1.pdf": lambda req, st: (200, HTML, a1),
        "/chain/a2.pdf": lambda req, st: (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
    }


def _long_routes() -> dict:
    items = [("/long/r.html", REPORT.format(n=2021))]
    report = _article(REPORT.format(n=2021), [(LONG_OK, "附件1"), (LONG_BAD, "附件2")])
    pdf = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 long name")
    return {
        "/long/list.html": lambda req, st: (200, HTML, _list_page(1, 1, items, "/long/")),
        "/long/r.html": lambda req, st: (200, HTML, report),
        LONG_OK.split("?")[0]: lambda req, st: pdf,
    }


SITES = """
[[site]]
name = "deep"
publisher = "合阳县人民政府"
start_urls = ["{base}/deep/list.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "deep-cut"
publisher = "合阳县人民政府"
start_urls = ["{base}/cut/list.html"]
allowed_domains = ["127.0.0.1"]
[site.overrides]
page_limit = 10

[[site]]
name = "many"
publisher = "合阳县人民政府"
start_urls = ["{base}/many/list.html"]
allowed_domains = ["127.0.0.1"]
[site.overrides]
max_documents = 5

[[site]]
name = "chain"
publisher = "合阳县人民政府"
start_urls = ["{base}/chain/list.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "long"
publisher = "合阳县人民政府"
start_urls = ["{base}/long/list.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "gone"
publisher = "合阳县审计局"
start_urls = ["{base}/gone/list.html"]
allowed_domains = ["127.0.0.1"]
"""
NAMES = ("deep", "deep-cut", "many", "chain", "long")


@pytest.fixture(scope="module")
def bounded(make_server, tmp_path_factory):
    routes = {
        **_deep_routes("/deep/", 30, 25),
        **_deep_routes("/cut/", 30, 25),
        **_many_routes(),
        **_chain_routes(),
        **_long_routes(),
    }
    srv = make_server(routes=routes)
    root = tmp_path_factory.mktemp("bounds")
    sites = root / "sites.toml"
    sites.write_text(SITES.format(base=srv.base), encoding="utf-8")
    procs = {
        n: subprocess.Popen(
            crawl_cmd(n, sites, root / n),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in NAMES
    }
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr[-3000:]
        out[name] = json.loads(stdout.strip().splitlines()[-1])
    return srv, out


def _balanced(summary: dict) -> None:
    links = summary["links"]
    assert links["found"] == (
        links["fetched"] + links["duplicates"] + sum(links["filtered"].values()) + links["errors"]
    ), links


def _limits(summary: dict) -> dict[str, str]:
    return {e["bound"]: e["url"] for e in summary["errors"] if e["kind"] == "limit_reached"}


@pytest.mark.parametrize("name", NAMES)
def test_every_link_is_accounted_for(bounded, name):
    _balanced(bounded[1][name])


def test_a_report_on_page_25_of_a_30_page_list_is_found(bounded):
    srv, out = bounded
    deep = out["deep"]
    assert deep["pages"] == 30  # Scrapy's DEPTH_LIMIT no longer cuts list paging
    assert [c["url"].removeprefix(srv.base) for c in deep["captures"]] == ["/deep/r25.html"]
    assert deep["status"] == "ok"
    assert deep["errors"] == []


def test_the_page_limit_is_reported_and_the_site_incomplete(bounded):
    srv, out = bounded
    cut = out["deep-cut"]
    assert cut["pages"] == 10
    assert cut["status"] == "incomplete"
    assert cut["limits_hit"] == ["page_limit"]
    assert _limits(cut) == {"page_limit": f"{srv.base}/cut/list_11.html"}
    assert cut["captures"] == []  # the report on page 25 is beyond the bound, and said so


def test_the_document_limit_is_reported(bounded):
    _, out = bounded
    many = out["many"]
    assert len(many["captures"]) == 5
    assert many["status"] == "incomplete"
    assert set(_limits(many)) == {"max_documents"}
    message = next(e["message"] for e in many["errors"] if e["bound"] == "max_documents")
    assert "(7 link(s) not fetched in all)" in message
    assert many["links"]["errors"] == 7


def test_an_attachments_links_are_never_followed(bounded):
    srv, out = bounded
    chain = out["chain"]
    got = {c["url"].removeprefix(srv.base): c["kind"] for c in chain["captures"]}
    assert got == {"/chain/r.html": "document", "/chain/a1.pdf": "attachment"}
    assert not any(p.startswith("/chain/a2") for p in srv.paths())
    assert _limits(chain) == {"attachment_depth": f"{srv.base}/chain/a2.pdf"}
    assert chain["status"] == "incomplete"


def test_long_urls_are_fetched_or_become_error_records(bounded):
    srv, out = bounded
    long_ = out["long"]
    urls = {c["url"].removeprefix(srv.base) for c in long_["captures"]}
    assert LONG_OK in urls
    assert len(LONG_OK) > 2083
    errors = [e for e in long_["errors"] if e["kind"] == "url_too_long"]
    assert len(errors) == 1
    assert str(len(srv.base + LONG_BAD)) in errors[0]["message"]


def test_the_crawl_size_cap_is_the_parsers():
    """Fetching more than the parser accepts is waste: the two caps are one number."""
    from crawler import settings
    from parsing.extract.limits import DEFAULT_LIMITS

    assert DEFAULT_LIMITS.max_bytes == settings.DOWNLOAD_MAXSIZE


def test_the_bounds_are_scrapy_settings_too():
    from crawler import settings

    assert settings.DEPTH_LIMIT == 0
    assert settings.XXGK_MAX_LIST_PAGES == 500
    assert Path(settings.__file__).is_file()


def _essence(summary: dict) -> dict:
    """What a site's crawl found, without the archive addresses and timings."""
    return {
        **{k: summary[k] for k in ("pages", "documents_found", "new", "unchanged", "status")},
        "links": summary["links"],
        "limits_hit": sorted(summary["limits_hit"]),
        "errors": sorted(
            (e["kind"], e["url"], e["message"], e["bound"] or "") for e in summary["errors"]
        ),
        "captures": sorted(
            (c["url"], c["sha256"], c["kind"], c["year"]) for c in summary["captures"]
        ),
    }


def test_a_group_crawl_gives_each_site_what_its_own_crawl_gives(bounded, tmp_path):
    """One process crawling a healthy, a broken and bounded sites (3 at a time) reports each
    site exactly as its own crawl did: bounds, status, link accounting, captures, state."""
    srv, out = bounded
    sites = tmp_path / "sites.toml"
    sites.write_text(SITES.format(base=srv.base), encoding="utf-8")
    gone = run_crawl("gone", sites, tmp_path / "alone", settings=TEST_SETTINGS, timeout=120)
    assert [e.kind for e in gone.errors] == ["http_error"]
    alone = {**out, "gone": gone.model_dump(mode="json")}
    names = ["deep", "gone", "deep-cut", "many", "long"]
    data = tmp_path / "group"
    settings = {**TEST_SETTINGS, "XXGK_SITES_AT_ONCE": 3}
    group = run_group(names, sites, data, settings=settings, timeout=120)
    assert list(group) == names
    for name in names:
        assert _essence(group[name].model_dump(mode="json")) == _essence(alone[name]), name
        state = json.loads((data / "state" / "crawls" / f"{name}.json").read_text("utf-8"))
        assert state["status"] == alone[name]["status"]
    assert len(list((data / "archive").glob("*.warc.gz"))) == 1  # one WARC writer per group
