"""One real backfill over a hostile site, a robots-closed column and a site of broken documents.

The crawl must end on its own with each problem in the run summary and the error file; every
document must end up as a ``reports`` row or an error line; nothing off-site is fetched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from broken_docs import all_documents
from hostile_server import (
    DEEP_PAGES,
    HOSTILE_LINKS,
    LONG_ATTACHMENT,
    TOO_LONG_ATTACHMENT,
    HostileServer,
    Route,
    bomb_body,
    deep_routes,
    hostile_routes,
    hostile_sites_toml,
    send,
    serve_bytes,
    serve_hostile,
)
from reliability_support import SECRET_MARKER, error_lines, query

pytestmark = pytest.mark.usefixtures("prefect_harness")
MAX_PAGES = 30


def _broken_routes() -> dict[str, Route]:
    docs = all_documents()
    items = "".join(
        f"<li><a href='/b/{name}'>残缺县{name.split('.')[0]}2020年政府信息公开工作年度报告</a>"
        "<span>2021-03-01</span></li>"
        for name in docs
    )

    def index(h: Any, state: HostileServer) -> None:
        send(h, 200, f"<html><body><ul>{items}</ul></body></html>".encode())

    routes: dict[str, Route] = {"/b/index.html": index}
    for name, (body, ctype) in docs.items():
        routes[f"/b/{name}"] = serve_bytes(body, ctype)
    return routes


@pytest.fixture(scope="module")
def hostile_run(
    tmp_path_factory: pytest.TempPathFactory, fast_crawl_env: dict[str, str]
) -> Iterator[tuple[HostileServer, Path, dict[str, Any], float]]:
    """(server, data dir, run summary, wall seconds) of one backfill over the three sites."""
    from flows.pipeline import backfill

    exact, prefixes = hostile_routes()
    exact.update(_broken_routes())
    bomb_body()  # built once before the crawl: compressing 512 MB must not eat the 3 s timeout
    deep_exact, deep_prefixes = deep_routes()
    exact.update(deep_exact)
    prefixes.update(deep_prefixes)
    data = tmp_path_factory.mktemp("hostile")
    with serve_hostile(exact, prefixes) as state:
        sites = data / "sites.toml"
        sites.write_text(
            hostile_sites_toml(state.base, MAX_PAGES)
            + f"""
[[site]]
name = "broken"
publisher = "残缺县人民政府"
start_urls = ["{state.base}/b/index.html"]
allowed_domains = ["127.0.0.1"]
""",
            encoding="utf-8",
        )
        started = time.monotonic()
        summary = backfill(
            years=[2019, 2020, 2021], data_dir=str(data / "data"), sites_file=str(sites)
        )
        yield state, data / "data", summary, time.monotonic() - started


def _crawl_errors(data: Path, site: str) -> dict[str, str]:
    return {
        str(e["url"]): str(e["kind"])
        for e in error_lines(data)
        if e.get("site") == site and e.get("stage") == "crawl"
    }


def test_the_crawl_ends_on_its_own_with_each_problem_recorded(hostile_run):
    state, data, summary, wall = hostile_run
    assert summary["failed"] is None
    assert wall < 90  # stalls time out, traps are cut: the run finishes
    errors = _crawl_errors(data, "hostile")
    for path, (_title, kind) in HOSTILE_LINKS.items():
        if kind is not None:
            assert errors.get(state.base + path) == kind, (path, errors)
    reasons = " ".join(summary["sites"]["hostile"]["reasons"])
    for kind in {k for _t, k in HOSTILE_LINKS.values() if k} | {"page_limit"}:
        assert kind in reasons, (kind, reasons)


def test_robots_txt_closing_the_column_is_respected_and_reported(hostile_run):
    state, data, summary, _ = hostile_run
    assert state.hits("/closed/") == []
    assert state.hits("/h/private/") == []
    assert _crawl_errors(data, "closed") == {f"{state.base}/closed/index.html": "robots_forbidden"}
    assert "robots_forbidden" in " ".join(summary["sites"]["closed"]["reasons"])


def test_offsite_redirects_are_not_followed(hostile_run):
    state, *_ = hostile_run
    assert state.hits("/h/evil.html") == []


def test_endless_pagination_and_calendar_trap_are_cut_at_the_page_limit(hostile_run):
    state, data, summary, _ = hostile_run
    fetched = len(state.hits("/h/index_")) + len(state.hits("/h/cal"))
    assert 2 <= fetched <= MAX_PAGES
    assert any(k == "limit_reached" for k in _crawl_errors(data, "hostile").values())
    assert "hostile" in summary["incomplete_sites"]
    assert len(state.hits("/h/endless/")) <= 6  # REDIRECT_MAX_TIMES 5, then given up


def test_good_documents_behind_hostile_ones_are_published(hostile_run):
    state, data, *_ = hostile_run
    rows = query(
        data / "warehouse",
        "reports",
        "source_url, year, publisher, validation_status",
        "site = 'hostile'",
    )
    got = {url.removeprefix(state.base): (year, pub, status) for url, year, pub, status in rows}
    assert got == {
        "/h/good.html": (2020, "敌对县人民政府", "valid"),
        "/h/wrongtype.html": (2021, "敌对县人民政府", "valid"),  # octet-stream: sniffed
        "/h/liar.html": (2019, "敌对县人民政府", "valid"),  # GBK bytes, header says UTF-8
    }


def test_every_broken_document_is_a_report_row_or_an_error_line(hostile_run):
    state, data, summary, _ = hostile_run
    urls = {f"{state.base}/b/{name}" for name in all_documents()}
    published = {
        r[0] for r in query(data / "warehouse", "reports", "source_url", "site = 'broken'")
    }
    errored = {str(e["url"]) for e in error_lines(data) if e.get("site") == "broken"}
    assert urls <= published | errored, sorted(urls - published - errored)
    assert not published & errored
    line = summary["sites"]["broken"]
    assert line["parsed"] == len(published)
    assert line["errors"] == len(errored)
    assert "empty.html" in {u.rsplit("/", 1)[1] for u in errored}
    assert "junk.html" in {u.rsplit("/", 1)[1] for u in errored}


def test_archive_and_warehouse_files_are_not_world_writable(hostile_run):
    _state, data, *_ = hostile_run
    checked = 0
    for sub in ("archive", "warehouse", "errors"):
        for path in (data / sub).rglob("*"):
            assert not path.stat().st_mode & 0o002, path
            checked += 1
    assert checked > 10


def test_no_secret_reaches_any_file_of_the_run(hostile_run, fast_crawl_env):
    _state, data, *_ = hostile_run
    marker = SECRET_MARKER.encode()
    for path in data.rglob("*"):
        if path.is_file() and path.suffix != ".sqlite":
            assert marker not in path.read_bytes(), path


def test_a_report_deep_in_a_long_list_is_found_and_published(hostile_run):
    state, data, summary, _ = hostile_run
    assert len(state.hits("/d/list")) == DEEP_PAGES  # DEPTH_LIMIT no longer cuts list paging
    rows = query(data / "warehouse", "reports", "source_url, year", "site = 'deep'")
    assert (f"{state.base}/d/report.html", 2020) in rows


def test_an_attachment_chain_stops_at_depth_one_and_says_so(hostile_run):
    state, data, summary, _ = hostile_run
    assert state.hits("/d/att_1.pdf") == ["/d/att_1.pdf"]
    assert state.hits("/d/att_2") == []  # the attachment's own links are never followed
    errors = _crawl_errors(data, "deep")
    assert errors[f"{state.base}/d/att_2.pdf"] == "limit_reached"
    assert summary["sites"]["deep"]["status"] == "incomplete"
    assert "deep" in summary["incomplete_sites"]
    assert any("attachment_depth" in r for r in summary["sites"]["deep"]["reasons"])


def test_long_urls_are_fetched_or_reported(hostile_run):
    state, data, *_ = hostile_run
    assert state.hits(LONG_ATTACHMENT) == [LONG_ATTACHMENT]  # 2,600+ characters: fetched
    kinds = {
        e["kind"]
        for e in error_lines(data)
        if str(e.get("url", "")).startswith(state.base + "/d/files/")
        and len(str(e["url"])) < len(TOO_LONG_ATTACHMENT)
    }
    assert "url_too_long" in kinds


def test_a_huge_body_is_cut_at_the_size_cap_and_reported(hostile_run):
    state, data, *_ = hostile_run
    assert _crawl_errors(data, "deep")[f"{state.base}/d/huge.html"] == "too_large"
