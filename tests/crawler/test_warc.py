"""A WARC a replay tool can trust: redirects, robots.txt, revisits, headers as received, streaming.

One real crawl of a small site; then ``warcio check`` and a record-by-record look at the files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_helpers import REPO, crawl_cmd
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import Archive

FIX = REPO / "tests" / "fixtures" / "crawl_bounds"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4096  # 1 MB: above the test's spool threshold
TITLE = "合阳县{}年政府信息公开工作年度报告"


def _article(title: str, links: str = "") -> bytes:
    tpl = (FIX / "article.html").read_text(encoding="utf-8")
    return tpl.format(title=title, links=links).encode()


def _routes() -> dict:
    items = "".join(
        f'<li><a href="{u}">{TITLE.format(y)}</a></li>'
        for u, y in (("/w/r1.html", 2021), ("/w/old.html", 2020), ("/w/big.pdf", 2019))
    )
    listing = f"<html><body><ul>{items}</ul><a href='/w/list_2.html'>下一页</a></body></html>"
    page2 = f'<html><body><ul><li><a href="/w/copy.pdf">{TITLE.format(2018)}</a></li></ul></body></html>'
    r1 = gzip.compress(_article(TITLE.format(2021)))
    return {
        "/w/list.html": lambda req, st: (200, HTML, listing.encode()),
        "/w/list_2.html": lambda req, st: (200, HTML, page2.encode()),
        "/w/r1.html": lambda req, st: (200, {**HTML, "Content-Encoding": "gzip"}, r1),
        "/w/old.html": lambda req, st: (301, {"Location": "/w/r2.html", **HTML}, b"moved"),
        "/w/r2.html": lambda req, st: (200, HTML, _article(TITLE.format(2020))),
        "/w/big.pdf": lambda req, st: (200, {"Content-Type": "application/pdf"}, PDF),
        "/w/copy.pdf": lambda req, st: (200, {"Content-Type": "application/pdf"}, PDF),
    }


SITES = """
[[site]]
name = "warc"
publisher = "合阳县人民政府"
start_urls = ["{base}/w/list.html"]
allowed_domains = ["127.0.0.1"]
"""


@pytest.fixture(scope="module")
def warc_crawl(make_server, tmp_path_factory):
    srv = make_server(routes=_routes())
    root: Path = tmp_path_factory.mktemp("warc")
    sites = root / "sites.toml"
    sites.write_text(SITES.format(base=srv.base), encoding="utf-8")
    settings = {"XXGK_SPOOL_BYTES": 100_000, "DOWNLOAD_MAXSIZE": 5_000_000}
    proc = subprocess.run(
        crawl_cmd("warc", sites, root / "data", settings=settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    records = []
    for path in sorted((root / "data" / "archive").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                records.append(
                    (
                        rec.rec_type,
                        rec.rec_headers.get_header("WARC-Target-URI") or "",
                        rec.http_headers,
                        dict(rec.rec_headers.headers),
                        rec.content_stream().read(),
                    )
                )
    return srv, root / "data", summary, records


def test_warcio_check_passes(warc_crawl):
    _, data, _, _ = warc_crawl
    files = sorted(str(p) for p in (data / "archive").glob("*.warc.gz"))
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run([str(warcio), "check", "-v", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "digest pass" in proc.stdout
    assert "digest fail" not in proc.stdout


def test_redirects_and_robots_are_their_own_records(warc_crawl):
    srv, _, summary, records = warc_crawl
    hops = [(u, h) for t, u, h, _, _ in records if t == "response" and h.get_statuscode() == "301"]
    assert [u for u, _ in hops] == [f"{srv.base}/w/old.html"]
    assert hops[0][1].get_header("Location") == "/w/r2.html"
    robots = [b for t, u, _, _, b in records if t == "response" and u.endswith("/robots.txt")]
    assert robots == [srv.robots.encode()]
    # the capture of the redirected report still names the URL the list linked to
    cap = next(c for c in summary["captures"] if c["url"].endswith("/w/old.html"))
    assert cap["final_url"].endswith("/w/r2.html")


def test_identical_payload_is_a_revisit_record(warc_crawl):
    srv, _, summary, records = warc_crawl
    (original,) = [h for t, u, _, h, _ in records if t == "response" and u.endswith("big.pdf")]
    (revisit,) = [h for t, u, _, h, _ in records if t == "revisit"]
    assert revisit["WARC-Target-URI"] == f"{srv.base}/w/copy.pdf"
    assert revisit["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
    assert revisit["WARC-Refers-To-Target-URI"] == f"{srv.base}/w/big.pdf"
    assert revisit["WARC-Refers-To-Date"] == original["WARC-Date"]


def test_headers_as_received_and_the_decoding_stated(warc_crawl):
    _, _, _, records = warc_crawl
    (http, body) = next(
        (h, b) for t, u, h, _, b in records if t == "response" and u.endswith("r1.html")
    )
    assert http.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("Content-Length") == str(len(body))
    assert body == _article(TITLE.format(2021))  # the decoded body the parser reads
    assert http.get_header("ETag") is None  # nothing invented


def test_a_large_body_streams_through_a_spool_file(warc_crawl):
    _, data, summary, records = warc_crawl
    cap = next(c for c in summary["captures"] if c["url"].endswith("/w/big.pdf"))
    assert cap["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert summary["spooled"] == 2  # big.pdf and copy.pdf went to disk, not memory
    with Archive(data) as arc:
        assert arc.read(cap["archive_uri"]) == PDF
    spool = data / "spool-crawl"
    leftovers = [p for p in spool.rglob("*") if p.is_file()] if spool.exists() else []
    assert leftovers == []
    links = summary["links"]
    assert links["found"] == (
        links["fetched"] + links["duplicates"] + sum(links["filtered"].values()) + links["errors"]
    )
    assert os.name == "posix"
