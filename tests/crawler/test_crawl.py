"""Real Scrapy crawls (subprocess) against the fixture sites on a local HTTP server."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

import pytest
from crawl_helpers import REPO, TEST_SETTINGS, crawl_cmd, gen_site_routes, write_sites

from crawler.archive import Archive
from crawler.runner import run_crawl

SITES_UNDER_TEST = ("trs-county", "hanweb-city", "gbk-town", "json-dept")
TRS = "/trs/zwgk/xxgknb/"
EXPECTED = {
    "trs-county": {
        TRS + "202301/t20230120_1001.html": ("合阳县人民政府", 2022),
        TRS + "202201/t20220125_1002.html": ("合阳县教育局", 2021),
        TRS + "202201/P020220125001.pdf": ("合阳县教育局", 2021),
        TRS + "202201/P020220125002.docx": ("合阳县教育局", 2021),
        TRS + "202201/t20220120_1003.html": ("合阳县洽川镇", 2021),
        "/trs/old/report2020.html": ("合阳县人民政府", 2020),  # redirected to t20210201_1004
        TRS + "202001/t20200115_1006.html": ("合阳县人民政府", 2019),  # 500 then 200
        TRS + "bmnb/202201/t20220121_3001.html": ("合阳县公安局", 2021),  # sub-agency column
        TRS + "bmnb/202201/t20220122_3002.html": ("合阳县民政局", 2021),
    },
    "hanweb-city": {
        "/hanweb/art/2022/1/20/art_1234_1.html": ("渭南市人民政府", 2021),
        "/hanweb/art/2022/1/22/art_1234_3.html": ("渭南市财政局", 2021),
        "/module/download/downfile.jsp?classid=0&filename=2201221530123.pdf": (
            "渭南市财政局",
            2021,
        ),
        "/hanweb/art/2021/1/28/art_1234_4.html": ("渭南市人民政府", 2020),
        "/hanweb/art/2022/1/25/art_1234_6.html": ("渭南市临渭区", 2021),
        "/hanweb/art/2021/1/29/art_1234_8.html": ("渭南市教育局", 2020),
        "/hanweb/art/2020/1/30/art_1234_9.html": ("渭南市人民政府", 2019),
    },
    "gbk-town": {  # crawled with --years 2020-2021: 2019 and 2022 are not fetched
        "/gbk/xxgk/nb/2021/report_b.html": ("合阳县洽川镇人民政府", 2021),
        "/gbk/upload/2021nb.wps": ("合阳县洽川镇人民政府", 2021),
        "/gbk/upload/2021tb.xls": ("合阳县洽川镇人民政府", 2021),
        "/gbk/xxgk/nb/2020/report_c.html": ("合阳县洽川镇人民政府", 2020),
    },
    "json-dept": {
        "/json/content/post_101.html": ("合阳县审计局", 2021),
        "/json/files/sjj2020.pdf": ("合阳县审计局", 2020),
        "/json/content/post_104.html": ("合阳县审计局", 2019),
        "/json/content/post_105.html": ("合阳县审计局", 2022),
    },
}


@pytest.fixture(scope="module")
def crawled(server, tmp_path_factory):
    """Crawl the four fixture sites in parallel subprocesses, once."""
    root = tmp_path_factory.mktemp("crawl")
    sites = write_sites(root / "sites.toml", server.base)
    procs = {}
    for name in SITES_UNDER_TEST:
        extra = ("--years", "2020-2021") if name == "gbk-town" else ()
        procs[name] = subprocess.Popen(
            crawl_cmd(name, sites, root / name, *extra),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr[-3000:]
        lines = stdout.strip().splitlines()
        assert len(lines) == 1, stdout
        out[name] = json.loads(lines[0])
    return root, sites, out


def _rel(url: str, base: str) -> str:
    return url.removeprefix(base)


@pytest.mark.parametrize("site", SITES_UNDER_TEST)
def test_exactly_the_reports_are_archived(crawled, server, site):
    root, _, out = crawled
    summary = out[site]
    got = {_rel(c["url"], server.base): (c["publisher"], c["year"]) for c in summary["captures"]}
    assert got == EXPECTED[site]
    assert summary["new"] == len(EXPECTED[site])
    assert summary["unchanged"] == 0
    with Archive(root / site) as arc:
        archived = {_rel(m.url, server.base) for m in arc.iter_captures(sites=[site])}
        assert archived == set(EXPECTED[site])
        for cap in summary["captures"]:
            body = arc.read(cap["archive_uri"])
            import hashlib

            assert hashlib.sha256(body).hexdigest() == cap["sha256"]
        listings = list(arc.iter_captures(kinds=["listing"]))
        assert len(listings) == summary["pages"]


def test_list_styles_pagination(crawled, server):
    _, _, out = crawled
    assert out["trs-county"]["pages"] == 4  # index, index_1, index_2 (createPageHTML) + bmnb
    assert out["hanweb-city"]["pages"] == 3  # column page + 2 dataproxy POSTs
    assert out["gbk-town"]["pages"] == 3  # 下一页 chain
    assert out["json-dept"]["pages"] == 2
    posts = [h for h in server.hits if h.method == "POST"]
    assert {h.path.split("?")[1] for h in posts} == {
        "startrecord=3&endrecord=8&perpage=2",
        "startrecord=9&endrecord=14&perpage=2",
    }


def test_traps_noise_and_errors(crawled, server):
    _, _, out = crawled
    errors = {(e["kind"], _rel(e["url"], server.base)) for e in out["trs-county"]["errors"]}
    assert errors == {
        ("http_error", TRS + "202201/t20220126_1005.html"),  # 404
        ("offsite_redirect", "/trs/go/1007"),
        ("robots_forbidden", "/private/zjj2021.html"),
        ("too_large", "/trs/big/2018.pdf"),
    }
    fetched = server.paths()
    for noise in (
        "t20220128_2001",
        "t20220129_2002",
        "t20220301_2003",
        "t20210410_2004",
        "t20220123_3003",
        "P020220125003",
        "P020190101000001",
        "jd_a",
        "tj_b",
        "art_1234_2",
        "art_1234_5",
        "art_1234_7",
        "post_102",
    ):
        assert not any(noise in p for p in fetched), noise
    assert not any("weinan.gov.cn" in p or "example.com" in p for p in fetched)
    # the duplicate link (with ?from=list) was fetched once; the 500 was retried once
    assert sum("t20220120_1003" in p for p in fetched) == 1
    assert [h.status for h in server.hits if "t20200115_1006" in h.path][:2] == [500, 200]
    # --years 2020-2021 on the GBK site: 2019 and 2022 reports not fetched
    assert not any("report_a" in p or "report_d" in p for p in fetched)
    trs = {c["url"].removeprefix(server.base): c for c in out["trs-county"]["captures"]}
    assert trs["/trs/old/report2020.html"]["final_url"].endswith("t20210201_1004.html")
    assert trs[TRS + "202201/P020220125002.docx"]["kind"] == "attachment"
    assert trs[TRS + "202201/t20220125_1002.html"]["published_date"] == "2022-01-25"
    # the list gave the article's date; its attachments take the article page's own PubDate
    assert trs[TRS + "202201/t20220125_1002.html"]["published_date_source"] == "list"
    for name in ("P020220125001.pdf", "P020220125002.docx"):
        assert trs[TRS + "202201/" + name]["published_date"] == "2022-01-25"
        assert trs[TRS + "202201/" + name]["published_date_source"] == "article_page"


@pytest.mark.parametrize("site", SITES_UNDER_TEST)
def test_every_link_is_accounted_for(crawled, site):
    """found = fetched + duplicates + filtered + errors, and every error has its record."""
    links = crawled[2][site]["links"]
    assert links["found"] > 0
    assert links["found"] == (
        links["fetched"] + links["duplicates"] + sum(links["filtered"].values()) + links["errors"]
    ), links
    assert links["errors"] == len(crawled[2][site]["errors"])
    assert crawled[2][site]["status"] == "ok"


def test_gbk_page_stored_as_raw_bytes(crawled, server):
    root, _, out = crawled
    cap = next(c for c in out["gbk-town"]["captures"] if c["url"].endswith("report_b.html"))
    with Archive(root / "gbk-town") as arc:
        raw = arc.read(cap["archive_uri"])
    assert "洽川镇2021年".encode("gbk") in raw
    assert cap["title"] == "洽川镇2021年政府信息公开工作年度报告"


def test_incremental_second_run_fetches_no_document(crawled, server):
    root, sites, first = crawled
    mark = len(server.hits)
    summary = run_crawl(
        "trs-county", sites, root / "trs-county", settings=TEST_SETTINGS, timeout=120
    )
    assert summary.new == 0
    assert summary.unchanged == len(EXPECTED["trs-county"])
    assert {c.archive_uri for c in summary.captures} == {
        c["archive_uri"] for c in first["trs-county"]["captures"]
    }
    with server.lock:
        hits = server.hits[mark:]
    doc_hits = [
        h for h in hits if h.status == 200 and h.path.removeprefix("") in EXPECTED["trs-county"]
    ]
    assert doc_hits == []  # list pages are re-read; documents are 304 or skipped
    assert any(h.status == 304 for h in hits)
    with Archive(root / "trs-county") as arc:
        rows = list(arc.iter_captures(sites=["trs-county"], latest_only=False))
        assert len(rows) == len(EXPECTED["trs-county"])


def test_resume_after_sigkill(make_server, tmp_path):
    n = 40
    srv = make_server(routes=gen_site_routes(n, delay=0.08))
    sites = write_sites(tmp_path / "sites.toml", srv.base)
    data = tmp_path / "data"
    settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "XXGK_ARCHIVE_COMMIT_EVERY": 1}
    proc = subprocess.Popen(
        crawl_cmd("gen", sites, data, settings=settings),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    index = data / "archive" / "index.sqlite"
    deadline = time.monotonic() + 30
    committed = 0
    while time.monotonic() < deadline:
        if index.exists():
            try:
                with sqlite3.connect(index) as db:
                    committed = db.execute(
                        "SELECT COUNT(*) FROM captures WHERE kind='report'"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 8:
                break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert 8 <= committed < n
    with Archive(data) as arc:
        done_first = {m.url.removeprefix(srv.base) for m in arc.iter_captures()}
    mark = len(srv.hits)
    summary = run_crawl("gen", sites, data, settings={**TEST_SETTINGS, **settings}, timeout=120)
    refetched = {h.path for h in srv.hits[mark:]}
    assert not (refetched & done_first)  # nothing archived before the kill is fetched again
    assert summary.new + summary.unchanged == n
    assert summary.unchanged >= len(done_first)
    with Archive(data) as arc:
        rows = list(arc.iter_captures(latest_only=False))
    urls = [m.url.removeprefix(srv.base) for m in rows]
    assert sorted(urls) == sorted(f"/gen/r/{i}.html" for i in range(n))  # each report once


def test_robots_crawl_delay_is_honoured(make_server, tmp_path):
    srv = make_server(
        robots="User-agent: *\nCrawl-delay: 0.4\n", routes=gen_site_routes(3, delay=0)
    )
    sites = write_sites(tmp_path / "sites.toml", srv.base)
    summary = run_crawl("gen", sites, tmp_path / "data", settings=TEST_SETTINGS, timeout=120)
    assert summary.new == 3
    times = [h.at for h in srv.hits if h.path != "/robots.txt"]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 4
    assert min(gaps) >= 0.35, gaps


def test_unknown_site_is_a_config_error(tmp_path, server):
    sites = write_sites(tmp_path / "sites.toml", server.base)
    proc = subprocess.run(
        crawl_cmd("nope", sites, tmp_path / "d"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    summary = json.loads(proc.stdout)
    assert summary["errors"][0]["kind"] == "config"
    assert "nope" in summary["errors"][0]["message"]


def test_a_group_process_that_dies_leaves_no_site_silently_missing(tmp_path, monkeypatch):
    """A crawl process that dies before a site's summary: that site gets a ``crash`` record;
    the flow step crawls such sites again (the last time one process each) and keeps the
    record when they still fail."""
    from crawler.runner import run_group
    from flows.steps import crash_message, crawl_group

    sites = write_sites(tmp_path / "sites.toml", "http://127.0.0.1:9")
    hook = tmp_path / "hook"
    hook.mkdir()  # every crawl process dies at start-up, as on a segfault or an OOM kill
    (hook / "sitecustomize.py").write_text("import os\nos._exit(70)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(hook))
    out = run_group(["gen", "json-dept"], sites, tmp_path / "d", settings=TEST_SETTINGS)
    assert list(out) == ["gen", "json-dept"]
    for summary in out.values():
        assert [e.kind for e in summary.errors] == ["crash"]
        assert "exit 70" in summary.errors[0].message
    res = crawl_group(["gen", "json-dept"], sites, tmp_path / "d", None, 60, retry_delay=0)
    assert list(res) == ["gen", "json-dept"]
    assert all("exit 70" in (crash_message(s) or "") for s in res.values())


def test_the_site_timeout_is_a_reported_bound(make_server, tmp_path):
    """A site slower than its bound ends ``incomplete`` with ``crawl_timeout``: what it archived
    is kept and every link it met is still accounted for."""
    srv = make_server(routes=gen_site_routes(40, delay=2.0))  # each document takes 2 s
    sites = write_sites(tmp_path / "sites.toml", srv.base)
    settings = {**TEST_SETTINGS, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    summary = run_crawl("gen", sites, tmp_path / "data", settings=settings, timeout=1.0)
    assert summary.status == "incomplete"
    assert summary.limits_hit == ["crawl_timeout"]
    assert summary.pages == 1
    assert summary.new < 40
    assert any(e.kind == "not_completed" for e in summary.errors)
    links = summary.links
    assert links.found == links.accounted
