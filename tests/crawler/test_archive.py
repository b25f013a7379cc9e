"""Archive unit tests: round trip, dedupe, uri resolution, resume metadata, safety."""

from __future__ import annotations

import os
import stat

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import Archive, ArchiveError

GBK_PAGE = "<html><meta charset=gbk><p>合阳县2021年政府信息公开工作年度报告</p></html>".encode(
    "gbk"
)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"


def test_round_trip_exact_bytes_and_headers(tmp_path):
    with Archive(tmp_path) as arc:
        res = arc.write_capture(
            url="http://www.heyang.gov.cn/zwgk/xxgknb/202201/t20220125_1.html",  # url-ok: data, never fetched
            body=GBK_PAGE,
            response_headers=[
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
            request_headers=[("User-Agent", "xxgk-test")],
            site="heyang",
            kind="report",
            title="合阳县2021年政府信息公开工作年度报告",
            year=2021,
            publisher="合阳县人民政府",
            published_date="2022-01-25",
            referer="http://www.heyang.gov.cn/zwgk/xxgknb/",  # url-ok: data, never fetched
            etag='"abc"',
            content_type="text/html",
        )
        uri = res.meta.archive_uri
        assert uri.startswith("archive/")
        assert "#offset=" in uri
        assert res.new_content
        assert res.changed
    with Archive(tmp_path) as arc:
        assert arc.read(uri) == GBK_PAGE
        rec = arc.read_record(uri)
        headers = dict(rec.http_headers)
        assert rec.status == 200
        assert headers["Content-Length"] == str(len(GBK_PAGE))
        assert "Content-Encoding" not in headers
        assert "Transfer-Encoding" not in headers
        assert rec.target_uri.endswith("t20220125_1.html")
        latest = arc.latest(
            "http://www.heyang.gov.cn/zwgk/xxgknb/202201/t20220125_1.html"  # url-ok: data, never fetched
        )
        assert latest is not None
        assert latest.etag == '"abc"'
        assert latest.year == 2021
        assert latest.publisher == "合阳县人民政府"
        assert latest.referer.endswith("/xxgknb/")


def test_warc_records_are_valid_request_response_pairs(tmp_path):
    with Archive(tmp_path) as arc:
        arc.write_capture(
            url="http://a.gov.cn/r.pdf",  # url-ok: data, never fetched
            body=PDF,
            site="a",
            kind="report",
        )
    files = list((tmp_path / "archive").glob("*.warc.gz"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o644
    with files[0].open("rb") as fh:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Concurrent-To"), r.rec_headers.protocol)
            for r in ArchiveIterator(fh)
        ]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    assert records[2][1] is not None  # request linked to its response
    assert all(r[2] == "WARC/1.1" for r in records)


def test_identical_content_is_stored_once(tmp_path):
    with Archive(tmp_path) as arc:
        a = arc.write_capture(
            url="http://a.gov.cn/x.pdf",  # url-ok: data, never fetched
            body=PDF,
            site="a",
            kind="report",
        )
        b = arc.write_capture(
            url="http://a.gov.cn/mirror/x.pdf",  # url-ok: data, never fetched
            body=PDF,
            site="a",
            kind="report",
        )
        c = arc.write_capture(
            url="http://a.gov.cn/x.pdf",  # url-ok: data, never fetched
            body=PDF,
            site="a",
            kind="report",
        )
        assert a.new_content
        assert not b.new_content
        assert not c.new_content
        assert b.changed
        assert not c.changed
        assert a.meta.archive_uri == b.meta.archive_uri == c.meta.archive_uri
        assert b.meta.deduplicated
    with Archive(tmp_path) as arc:
        d = arc.write_capture(
            url="http://a.gov.cn/y.pdf",  # url-ok: data, never fetched
            body=PDF,
            site="a",
            kind="report",
        )
        assert not d.new_content
        assert d.meta.archive_uri == a.meta.archive_uri
        assert arc.count() == 4
    records = []
    for path in sorted((tmp_path / "archive").glob("*.warc.gz")):
        with path.open("rb") as fh:
            records += [(r.rec_type, dict(r.rec_headers.headers)) for r in ArchiveIterator(fh)]
    responses = [h for t, h in records if t == "response"]
    revisits = [h for t, h in records if t == "revisit"]
    assert len(responses) == 1  # the bytes are stored once …
    assert len(revisits) == 3  # … and each later capture is a revisit with the same digest
    digest = responses[0]["WARC-Payload-Digest"]
    for rev in revisits:
        assert rev["WARC-Payload-Digest"] == digest
        assert rev["WARC-Profile"].endswith("/revisit/identical-payload-digest")
        assert rev["WARC-Refers-To-Target-URI"] == "http://a.gov.cn/x.pdf"  # url-ok: data
        assert rev["WARC-Refers-To-Date"] == responses[0]["WARC-Date"]


def test_iter_captures_filters_and_latest(tmp_path):
    with Archive(tmp_path) as arc:
        arc.write_capture(
            url="http://a.gov.cn/1.html",  # url-ok: data, never fetched
            body=b"v1",
            site="a",
            kind="report",
            year=2020,
        )
        arc.write_capture(
            url="http://a.gov.cn/1.html",  # url-ok: data, never fetched
            body=b"v2",
            site="a",
            kind="report",
            year=2020,
        )
        arc.write_capture(
            url="http://a.gov.cn/2.html",  # url-ok: data, never fetched
            body=b"x",
            site="a",
            kind="report",
            year=2021,
        )
        arc.write_capture(
            url="http://b.gov.cn/3.html",  # url-ok: data, never fetched
            body=b"y",
            site="b",
            kind="report",
            year=2021,
        )
        arc.write_capture(
            url="http://a.gov.cn/list/",  # url-ok: data, never fetched
            body=b"l",
            site="a",
            kind="listing",
        )
    with Archive(tmp_path) as arc:
        got = list(arc.iter_captures(sites=["a"]))
        assert [(m.url, arc.read(m.archive_uri)) for m in got] == [
            ("http://a.gov.cn/1.html", b"v2"),  # url-ok: data, never fetched
            ("http://a.gov.cn/2.html", b"x"),  # url-ok: data, never fetched
        ]
        assert [m.url for m in arc.iter_captures(years=[2021])] == [
            "http://a.gov.cn/2.html",  # url-ok: data, never fetched
            "http://b.gov.cn/3.html",  # url-ok: data, never fetched
        ]
        assert len(list(arc.iter_captures(latest_only=False, kinds=None))) == 5
        assert arc.has(
            "http://a.gov.cn/list/index.html"  # url-ok: data, never fetched
        )  # index.html variant collapses
        assert arc.has("http://A.gov.cn/1.html?utm_source=x#top")
        assert not arc.has("http://a.gov.cn/9.html")  # url-ok: data, never fetched


def test_uri_resolution_rejects_escapes_and_garbage(tmp_path):
    with Archive(tmp_path) as arc:
        uri = arc.write_capture(
            url="http://a.gov.cn/1.html",  # url-ok: data, never fetched
            body=b"hello",
            kind="report",
        ).meta.archive_uri
        (tmp_path / "secret.warc.gz").write_bytes(b"x")
        for bad in [
            "archive/../secret.warc.gz#offset=0",
            "/etc/passwd",
            "archive/x.txt#offset=0",
            "archive/nope.warc.gz#offset=0",
            uri.split("#")[0] + "#offset=1",
        ]:
            with pytest.raises(ArchiveError):
                arc.read(bad)


def test_uncommitted_rows_are_invisible_after_crash(tmp_path):
    arc = Archive(tmp_path, commit_every=100, commit_interval=3600)
    arc.write_capture(
        url="http://a.gov.cn/1.html",  # url-ok: data, never fetched
        body=b"one",
        kind="report",
    )
    assert arc.has(
        "http://a.gov.cn/1.html"  # url-ok: data, never fetched
    )  # visible to the writer itself
    # simulate SIGKILL: no commit, no close
    other = Archive(tmp_path)
    assert not other.has("http://a.gov.cn/1.html")  # url-ok: data, never fetched
    arc.commit()
    assert other.has("http://a.gov.cn/1.html")  # url-ok: data, never fetched
    other.close()
    arc.close()


def test_rotation(tmp_path):
    with Archive(tmp_path, max_file_bytes=2000) as arc:
        uris = [
            arc.write_capture(
                url=f"http://a.gov.cn/{i}.pdf",  # url-ok: data, never fetched
                body=os.urandom(1500),
                kind="report",
            ).meta.archive_uri
            for i in range(4)
        ]
        assert len({u.split("#")[0] for u in uris}) >= 3
        assert all(len(arc.read(u)) == 1500 for u in uris)


def test_reading_a_capture_looks_its_content_up_by_index(tmp_path):
    """Each read verifies the payload against the contents row at its place: an indexed lookup,
    not a scan of every stored content (a 25k-document backfill spent most of its parse stage
    there)."""
    import sqlite3

    arc = Archive(tmp_path)
    arc.close()
    db = sqlite3.connect(arc.root / "index.sqlite")
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT sha256 FROM contents WHERE warc_file=? AND offset=?", ("f", 1)
    ).fetchall()
    assert any("USING INDEX contents_place" in row[-1] for row in plan), plan


def _rows_of(tmp_path, warc_file):
    import sqlite3

    db = sqlite3.connect(tmp_path / "archive" / "index.sqlite")
    try:
        return db.execute(
            "SELECT sha256, offset FROM contents WHERE warc_file=?", (warc_file,)
        ).fetchall()
    finally:
        db.close()


def test_recovery_leaves_a_live_writers_records_alone(tmp_path):
    """A second crawl process's orphan recovery once indexed a record another process was still
    writing (its payload cut short): the place then held two sha256 rows and reading it failed
    (2 of 22,400 reports in the national simulation)."""
    big = bytes(range(256)) * 2000  # 512 KB: written to disk over many buffer flushes
    writer = Archive(tmp_path, commit_every=100, commit_interval=1e9)
    first = writer.write_capture(url="http://x.gov.cn/a.docx", body=big, kind="report")  # url-ok
    assert writer._file is not None
    writer._file.flush()  # on disk, not committed: the writer is alive and still batching
    other = Archive(tmp_path)
    other.write_capture(url="http://y.gov.cn/b.html", body=GBK_PAGE, kind="report")  # url-ok
    other.close()
    assert _rows_of(tmp_path, first.meta.warc_file) == []  # not taken for an orphan
    writer.close()
    assert _rows_of(tmp_path, first.meta.warc_file) == [(first.meta.sha256, first.meta.offset)]
    with Archive(tmp_path) as reader:
        assert reader.read(first.meta.archive_uri) == big


def test_recovery_stops_at_a_torn_record(tmp_path):
    big = bytes(range(256)) * 2000
    killed = Archive(tmp_path, commit_every=100, commit_interval=1e9)
    kept = killed.write_capture(url="http://x.gov.cn/a.pdf", body=PDF, kind="report")  # url-ok
    killed.commit()
    torn = killed.write_capture(url="http://x.gov.cn/b.docx", body=big, kind="report")  # url-ok
    assert killed._file is not None
    killed._file.close()  # the writer died: its lock is gone, its last record never indexed
    path = tmp_path / "archive" / torn.meta.warc_file
    with path.open("r+b") as fh:  # cut the last record in the middle, as a kill mid-write does
        fh.truncate(torn.meta.offset + torn.meta.length // 2)
    rerun = Archive(tmp_path)
    rerun.write_capture(url="http://y.gov.cn/c.html", body=GBK_PAGE, kind="report")  # url-ok
    rerun.close()
    assert _rows_of(tmp_path, torn.meta.warc_file) == [(kept.meta.sha256, kept.meta.offset)]


def test_a_place_indexed_twice_still_reads(tmp_path):
    """Indexes written before the writer's lock may hold a second, wrong row for a place."""
    import sqlite3

    with Archive(tmp_path) as arc:
        res = arc.write_capture(url="http://x.gov.cn/a.pdf", body=PDF, kind="report")  # url-ok
    db = sqlite3.connect(tmp_path / "archive" / "index.sqlite")
    with db:  # the wrong row first, as the recovery wrote it before the writer committed
        real = db.execute("SELECT * FROM contents WHERE sha256=?", (res.meta.sha256,)).fetchone()
        db.execute("DELETE FROM contents WHERE sha256=?", (res.meta.sha256,))
        db.execute(
            "INSERT INTO contents VALUES (?,?,?,?,?)",
            ("0" * 64, res.meta.warc_file, res.meta.offset, res.meta.length, 10),
        )
        db.execute("INSERT INTO contents VALUES (?,?,?,?,?)", real)
    db.close()
    with Archive(tmp_path) as arc:
        assert arc.read(res.meta.archive_uri) == PDF
