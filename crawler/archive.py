"""WARC 1.1 archive of raw captures with a SQLite index (the source of truth for resume).

Layout under ``<data-dir>/archive/``: rotating ``xxgk-<utc>-<pid>-<serial>.warc.gz`` files (gzip per
record, request + response records linked by ``WARC-Concurrent-To``) and ``index.sqlite``
mapping URL and content sha256 to file + offset + length, with per-capture metadata.
Identical bytes are stored once: a repeat capture gets an index row pointing at the stored record
and a WARC ``revisit`` record (profile identical-payload-digest, same ``WARC-Payload-Digest``).
Redirects (3xx) and robots.txt answers are archived as their own response records (not indexed as
captures). An ``archive_uri`` looks like ``archive/<file>.warc.gz#offset=123`` (relative to the
data dir).

HTTP headers are stored as received, with one documented decoding: the payload is the body
after transfer decoding (de-chunked) and content decoding (gzip/deflate/br, what the parser
reads), so ``Transfer-Encoding``, ``Content-Encoding`` and ``Content-Length`` as received are
kept under ``X-Archive-Orig-<name>`` and ``Content-Length`` states the stored payload's length.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.urls import canonical_url

ARCHIVE_DIRNAME = "archive"
INDEX_NAME = "index.sqlite"
_FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.warc(\.gz)?$")
_URI_RE = re.compile(r"^archive/([^/#]+)#offset=(\d+)(?:&length=(\d+))?$")
_DROP_HEADERS = {"transfer-encoding", "content-encoding", "content-length"}
_REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
_CHUNK = 1 << 20


def _digests(body: bytes | None, path: Path | None) -> tuple[str, str, int]:
    """(sha256 hex, WARC sha1 base32 payload digest, size) of a body in memory or in a file."""
    sha256, sha1 = hashlib.sha256(), hashlib.sha1()  # noqa: S324 - WARC's customary digest
    size = 0
    if path is not None:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                sha256.update(chunk)
                sha1.update(chunk)
                size += len(chunk)
    else:
        data = body or b""
        sha256.update(data)
        sha1.update(data)
        size = len(data)
    return sha256.hexdigest(), "sha1:" + base64.b32encode(sha1.digest()).decode(), size


def stored_headers(
    headers: Iterable[tuple[str, str]], payload_length: int
) -> list[tuple[str, str]]:
    """HTTP headers as received, with the decoding of the stored payload made explicit."""
    out: list[tuple[str, str]] = []
    for key, value in headers:
        if key.lower() in _DROP_HEADERS:
            out.append((f"X-Archive-Orig-{key}", value))
        else:
            out.append((key, value))
    out.append(("Content-Length", str(payload_length)))
    return out


_SCHEMA = """
CREATE TABLE IF NOT EXISTS contents (
  sha256 TEXT PRIMARY KEY, warc_file TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
  id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, url_key TEXT NOT NULL,
  site TEXT, final_url TEXT, status INTEGER, content_type TEXT, fetched_at TEXT NOT NULL,
  etag TEXT, last_modified TEXT, title TEXT, year INTEGER, publisher TEXT,
  published_date TEXT, referer TEXT, kind TEXT, filename TEXT, sha256 TEXT NOT NULL,
  size INTEGER NOT NULL, warc_file TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, deduplicated INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS contents_place ON contents(warc_file, offset);
CREATE INDEX IF NOT EXISTS captures_url ON captures(url_key, id);
CREATE INDEX IF NOT EXISTS captures_sha ON captures(sha256);
CREATE INDEX IF NOT EXISTS captures_site ON captures(site, year);
"""


class ArchiveError(Exception):
    """A bad archive_uri, a missing file or a corrupt record."""


@dataclass(frozen=True)
class CaptureMeta:
    """One capture as recorded in the index."""

    url: str
    sha256: str
    archive_uri: str
    warc_file: str
    offset: int
    length: int
    size: int
    fetched_at: str
    site: str | None = None
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    year: int | None = None
    publisher: str | None = None
    published_date: str | None = None
    referer: str | None = None
    kind: str | None = None
    filename: str | None = None
    deduplicated: bool = False

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class ArchivedRecord:
    """A stored response record: payload bytes plus WARC and HTTP headers."""

    payload: bytes
    target_uri: str
    status: int | None
    http_headers: list[tuple[str, str]]
    warc_headers: list[tuple[str, str]]


@dataclass(frozen=True)
class WriteResult:
    """Outcome of ``Archive.write_capture``."""

    meta: CaptureMeta
    new_content: bool  # these bytes were not in the archive before
    changed: bool  # the URL had no capture, or its latest capture had other bytes


_META_FIELDS = [f.name for f in fields(CaptureMeta) if f.name != "archive_uri"]


def make_uri(warc_file: str, offset: int) -> str:
    """The archive_uri of a record."""
    return f"{ARCHIVE_DIRNAME}/{warc_file}#offset={offset}"


class Archive:
    """Append-only WARC store plus index. One writer per process; many readers."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        max_file_bytes: int = 1 << 30,
        commit_every: int = 1,
        commit_interval: float = 2.0,
        prefix: str = "xxgk",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / ARCHIVE_DIRNAME
        self.root.mkdir(parents=True, exist_ok=True, mode=0o755)
        mode = self.root.stat().st_mode
        if mode & 0o002:  # a world-writable archive dir lets anyone swap WARC files
            self.root.chmod(mode & 0o7775)
        self.max_file_bytes = max_file_bytes
        self.commit_every = max(1, commit_every)
        self.commit_interval = commit_interval
        self.prefix = prefix
        self._db = sqlite3.connect(self.root / INDEX_NAME, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()
        (self.root / INDEX_NAME).chmod(0o644)
        self._file: io.BufferedWriter | None = None
        self._file_name = ""
        self._serial = 0
        self._pending: list[CaptureMeta] = []
        self._pending_contents: dict[str, tuple[str, int, int, int]] = {}
        self._pending_latest: dict[str, CaptureMeta] = {}
        self._last_commit = time.monotonic()
        self._recovered = False

    # ---- writing -------------------------------------------------------------------------
    def _open_file(self) -> io.BufferedWriter:
        if self._file is not None and self._file.tell() < self.max_file_bytes:
            return self._file
        self._close_file()
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:  # a second writer of the same process and second takes the next serial
            self._serial += 1
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            try:
                fd = os.open(self.root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                break
            except FileExistsError:
                continue
        os.fchmod(fd, 0o644)
        # held while this writer has the file open (released when it closes it or dies): another
        # process's orphan recovery must not read records this writer has not committed yet
        fcntl.flock(fd, fcntl.LOCK_EX)  # (a recovery may hold it shortly: the file is empty)
        self._file = os.fdopen(fd, "wb")
        self._file_name = name
        writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = {"software": "xxgk-crawler (warcio)", "format": "WARC File Format 1.1"}
        writer.write_record(writer.create_warcinfo_record(name, info))
        return self._file

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def write_capture(
        self,
        *,
        url: str,
        body: bytes = b"",
        body_path: str | Path | None = None,
        status: int = 200,
        response_headers: Iterable[tuple[str, str]] = (),
        request_headers: Iterable[tuple[str, str]] = (),
        method: str = "GET",
        request_body: bytes = b"",
        final_url: str | None = None,
        fetched_at: str | None = None,
        **hints: object,
    ) -> WriteResult:
        """Store one capture (request + response records) unless its bytes are stored already.

        ``hints`` are index metadata: site, content_type, etag, last_modified, title, year,
        publisher, published_date, referer, kind, filename. The row becomes durable at the next
        ``commit()`` (automatic every ``commit_every`` captures). ``body_path`` (a spooled body)
        replaces ``body``: the file is streamed into the record, never read whole.
        """
        unknown = set(hints) - set(_META_FIELDS)
        if unknown:
            raise TypeError(f"unknown capture fields: {sorted(unknown)}")
        if not self._recovered:
            self._recovered = True
            self.recover_orphans()
        path = Path(body_path) if body_path is not None else None
        sha, digest, size = _digests(body, path)
        fetched_at = fetched_at or datetime.now(UTC).isoformat(timespec="seconds")
        target = final_url or url
        previous = self.latest(url)
        stored = self._pending_contents.get(sha) or self._lookup_content(sha)
        written = stored is None
        response_headers = list(response_headers)
        if stored is None:
            with path.open("rb") if path is not None else io.BytesIO(body) as payload:
                stored = self._write_records(
                    target,
                    payload,
                    size,
                    status,
                    response_headers,
                    request_headers,
                    method,
                    request_body,
                    digest,
                )
            self._pending_contents[sha] = stored
        else:
            self._write_revisit(target, digest, size, stored, status, response_headers)
        warc_file, offset, length, size = stored
        meta = CaptureMeta(
            url=url,
            sha256=sha,
            archive_uri=make_uri(warc_file, offset),
            warc_file=warc_file,
            offset=offset,
            length=length,
            size=size,
            fetched_at=fetched_at,
            final_url=target,
            status=status,
            deduplicated=not written,
            **hints,  # type: ignore[arg-type]
        )
        self._pending.append(meta)
        self._pending_latest[canonical_url(url)] = meta
        if len(self._pending) >= self.commit_every or (
            time.monotonic() - self._last_commit >= self.commit_interval
        ):
            self.commit()
        return WriteResult(meta, written, previous is None or previous.sha256 != sha)

    def _lookup_content(self, sha: str) -> tuple[str, int, int, int] | None:
        row = self._db.execute(
            "SELECT warc_file, offset, length, size FROM contents WHERE sha256=?", (sha,)
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def _original_record(self, stored: tuple[str, int, int, int]) -> tuple[str, str, str]:
        """(target URI, date, payload digest) of the stored response record."""
        path = self.root / stored[0]
        if stored[0] == self._file_name and self._file is not None:
            self._file.flush()
        with path.open("rb") as fh:
            fh.seek(stored[1])
            for record in ArchiveIterator(fh):
                h = record.rec_headers
                return (
                    h.get_header("WARC-Target-URI") or "",
                    h.get_header("WARC-Date") or "",
                    h.get_header("WARC-Payload-Digest") or "",
                )
        raise ArchiveError(f"no record at {stored[0]}#offset={stored[1]}")

    def _write_revisit(
        self,
        target: str,
        digest: str,
        size: int,
        stored: tuple[str, int, int, int],
        status: int,
        response_headers: list[tuple[str, str]],
    ) -> None:
        """A capture whose payload is stored already: a WARC revisit record pointing at it."""
        ref_uri, ref_date, ref_digest = self._original_record(stored)
        out = self._open_file()
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        http = StatusAndHeaders(
            f"{status} {_reason(status)}",
            stored_headers(response_headers, size),
            protocol="HTTP/1.1",
        )
        record = writer.create_revisit_record(
            target, ref_digest or digest, ref_uri, ref_date, http_headers=http
        )
        record.rec_headers.replace_header("WARC-Profile", _REVISIT_PROFILE)
        writer.write_record(record)

    def write_plain_record(
        self,
        *,
        url: str,
        status: int,
        body: bytes,
        response_headers: Iterable[tuple[str, str]] = (),
        request_headers: Iterable[tuple[str, str]] = (),
        method: str = "GET",
    ) -> tuple[str, int]:
        """Archive a response that is not a capture (a 3xx hop, robots.txt): WARC only.

        Returns (warc file, offset). No index row: ``latest(url)`` keeps naming the document.
        """
        stored = self._write_records(
            url, io.BytesIO(body), len(body), status, response_headers, request_headers, method, b""
        )
        return stored[0], stored[1]

    def _write_records(
        self,
        target: str,
        payload: io.IOBase | io.BufferedReader | io.BytesIO,
        size: int,
        status: int,
        response_headers: Iterable[tuple[str, str]],
        request_headers: Iterable[tuple[str, str]],
        method: str,
        request_body: bytes,
        digest: str | None = None,
    ) -> tuple[str, int, int, int]:
        out = self._open_file()
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        headers = stored_headers(response_headers, size)
        http = StatusAndHeaders(f"{status} {_reason(status)}", headers, protocol="HTTP/1.1")
        resp = writer.create_warc_record(
            target,
            "response",
            payload=payload,
            length=size,
            http_headers=http,
            warc_headers_dict={"WARC-Payload-Digest": digest} if digest else None,
        )
        parts = urlsplit(target)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = [("Host", parts.netloc), *request_headers]
        req_http = StatusAndHeaders(
            f"{method} {path} HTTP/1.1", req_headers, protocol="HTTP/1.1", is_http_request=True
        )
        req = writer.create_warc_record(
            target,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=req_http,
            warc_headers_dict={
                "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID") or ""
            },
        )
        offset = out.tell()
        writer.write_record(resp)
        length = out.tell() - offset
        writer.write_record(req)
        return self._file_name, offset, length, size

    def recover_orphans(self) -> int:
        """Index the response records a killed writer stored but never committed.

        A SIGKILL between a WARC write and the index commit leaves a record no index row points
        at; without this the next crawl would store the same bytes again. Only the tail of each
        file after its last indexed record is read. Returns the number of records recovered.
        """
        last = dict(
            self._db.execute("SELECT warc_file, MAX(offset) FROM contents GROUP BY warc_file")
        )
        found: dict[str, tuple[str, int, int, int]] = {}
        for path in sorted(self.root.glob("*.warc.gz")):
            if path.name == self._file_name or not _FILE_RE.match(path.name):
                continue
            start = int(last.get(path.name, 0))
            try:
                with path.open("rb") as fh:
                    try:  # a live writer's file: its records are not orphans (nor complete yet)
                        fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue
                    fh.seek(start)
                    records = ArchiveIterator(fh)
                    for record in records:
                        if record.rec_type != "response" or not _is_capture(record):
                            records.read_to_end(record)
                            continue
                        payload = record.raw_stream.read()
                        records.read_to_end(record)
                        declared = record.http_headers.get_header("Content-Length")
                        if declared is not None and declared.strip() != str(len(payload)):
                            break  # a torn record (its writer died mid-write): the file ends here
                        sha = hashlib.sha256(payload).hexdigest()
                        offset = records.get_record_offset()  # absolute (tell-based)
                        if sha not in found and self._lookup_content(sha) is None:
                            length = records.get_record_length()
                            found[sha] = (path.name, offset, length, len(payload))
            except Exception:  # noqa: BLE001, S112 - a torn last record ends the scan of a file
                continue
        if found:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO contents VALUES (?,?,?,?,?)",
                    [(sha, *where) for sha, where in found.items()],
                )
        return len(found)

    def commit(self) -> None:
        """fsync the WARC file, then commit the pending index rows (crash-safe order)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
        if self._pending:
            with self._db:
                for sha, (warc_file, offset, length, size) in self._pending_contents.items():
                    self._db.execute(
                        "INSERT OR IGNORE INTO contents VALUES (?,?,?,?,?)",
                        (sha, warc_file, offset, length, size),
                    )
                self._db.executemany(
                    f"INSERT INTO captures (url_key, {', '.join(_META_FIELDS)}) "  # noqa: S608
                    f"VALUES (?, {', '.join('?' for _ in _META_FIELDS)})",
                    [(canonical_url(m.url), *_row(m)) for m in self._pending],
                )
        self._pending.clear()
        self._pending_contents.clear()
        self._pending_latest.clear()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Commit, close the WARC file and the index."""
        self.commit()
        self._close_file()
        self._db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------
    def _resolve(self, uri: str) -> tuple[Path, int]:
        m = _URI_RE.match(uri.strip())
        if not m or not _FILE_RE.match(m.group(1)):
            raise ArchiveError(f"not an archive uri: {uri!r}")
        path = (self.root / m.group(1)).resolve()
        if path.parent != self.root.resolve():
            raise ArchiveError(f"archive uri escapes the archive: {uri!r}")
        if not path.is_file():
            raise ArchiveError(f"missing WARC file for {uri!r}")
        return path, int(m.group(2))

    def read_record(self, uri: str) -> ArchivedRecord:
        """The response record at ``uri`` with its headers."""
        path, offset = self._resolve(uri)
        with path.open("rb") as fh:
            fh.seek(offset)
            magic = fh.read(5)
            if not (magic.startswith(b"\x1f\x8b") or magic == b"WARC/"):
                raise ArchiveError(f"no record starts at {uri!r}")
            fh.seek(offset)
            try:
                for record in ArchiveIterator(fh):
                    if record.rec_type not in ("response", "resource"):
                        break
                    payload = record.raw_stream.read()
                    self._verify(path.name, offset, payload, uri)
                    http = record.http_headers
                    return ArchivedRecord(
                        payload=payload,
                        target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
                        status=int(http.get_statuscode()) if http else None,
                        http_headers=list(http.headers) if http else [],
                        warc_headers=list(record.rec_headers.headers),
                    )
            except ArchiveError:
                raise
            except Exception as exc:  # warcio raises several types on corrupt data
                raise ArchiveError(f"corrupt record at {uri!r}: {exc}") from exc
        raise ArchiveError(f"no response record at {uri!r}")

    def _verify(self, warc_file: str, offset: int, payload: bytes, uri: str) -> None:
        # every content row of this place (an index written before the writer's lock could hold
        # a second row, from a record read while its writer was still writing it)
        shas = {
            sha
            for (sha,) in self._db.execute(
                "SELECT sha256 FROM contents WHERE warc_file=? AND offset=?", (warc_file, offset)
            )
        }
        if shas and hashlib.sha256(payload).hexdigest() not in shas:
            raise ArchiveError(f"payload of {uri!r} does not match its indexed sha256")

    def read(self, uri: str) -> bytes:
        """The exact payload bytes stored at ``uri``."""
        return self.read_record(uri).payload

    def has(self, url: str) -> bool:
        """True if the URL (canonicalised) has a committed or pending capture."""
        return self.latest(url) is not None

    def latest(self, url: str) -> CaptureMeta | None:
        """The newest capture of the URL (canonicalised), or None."""
        key = canonical_url(url)
        if key in self._pending_latest:
            return self._pending_latest[key]
        row = self._db.execute(
            f"SELECT {', '.join(_META_FIELDS)} FROM captures WHERE url_key=? "  # noqa: S608
            "ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        return None if row is None else _meta(row)

    def iter_captures(
        self,
        sites: Iterable[str] | None = None,
        years: Iterable[int] | None = None,
        *,
        kinds: Iterable[str] | None = ("report",),
        latest_only: bool = True,
    ) -> Iterator[CaptureMeta]:
        """Committed captures (by default the latest report capture of each URL), oldest first."""
        where, args = [], []
        for column, values in (("site", sites), ("year", years), ("kind", kinds)):
            if values is not None:
                vals = list(values)
                where.append(f"{column} IN ({', '.join('?' for _ in vals)})" if vals else "0")
                args.extend(vals)
        if latest_only:
            where.append("id IN (SELECT MAX(id) FROM captures GROUP BY url_key)")
        sql = f"SELECT {', '.join(_META_FIELDS)} FROM captures"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._db.execute(sql + " ORDER BY id", args).fetchall():
            yield _meta(row)

    def count(self) -> int:
        """Number of committed capture rows."""
        return int(self._db.execute("SELECT COUNT(*) FROM captures").fetchone()[0])


def _is_capture(record: object) -> bool:
    """A 2xx response other than robots.txt (3xx hops and robots.txt are never captures)."""
    http = getattr(record, "http_headers", None)
    status = http.get_statuscode() if http is not None else ""
    target = getattr(record, "rec_headers").get_header("WARC-Target-URI") or ""  # noqa: B009
    return str(status).startswith("2") and not urlsplit(target).path.endswith("/robots.txt")


def _row(meta: CaptureMeta) -> tuple[object, ...]:
    return tuple(getattr(meta, name) for name in _META_FIELDS)


def _meta(row: tuple[object, ...]) -> CaptureMeta:
    data = dict(zip(_META_FIELDS, row, strict=True))
    data["deduplicated"] = bool(data["deduplicated"])
    uri = make_uri(str(data["warc_file"]), int(str(data["offset"])))
    return CaptureMeta(archive_uri=uri, **data)  # type: ignore[arg-type]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
