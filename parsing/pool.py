"""Parse documents in isolated worker processes with hard limits, on all cores.

``ParsePool.map`` takes ``RawDocument``s and yields, in input order, a ``Report`` or a
``ParseError`` for each — exactly what ``parse_document`` would give in a serial loop, but:

- every document runs in a worker process (``python -m parsing.worker``) with an address-space
  limit (``memory_bytes``, default 1.5 GB), so a decompression bomb fails there, not here;
- the pool kills a worker whose document runs past ``timeout`` (default 120 s) — with every
  process of its session (LibreOffice, tesseract) — records a ``timeout`` error with the URL
  and hash, starts a fresh worker and goes on with the next document;
- a report whose JSON exceeds ``max_output_bytes`` is a ``too_large`` error;
- a worker that dies (signal, crash) gives a ``worker_died`` error for its document only.

``workers`` defaults to the number of cores (``os.cpu_count()``); ``workers=0`` parses in this
process (no isolation: for debugging and for comparing results). One pool serves many batches;
workers start on demand and are reused until ``close``.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from parsing.errors import (
    ParseError,
    ParseTimeoutError,
    WorkerDiedError,
)
from parsing.extract.limits import MB, Limits
from parsing.extract.office_convert import (
    clear_preconverted,
    preconverted,
    soffice_convert_many,
)
from parsing.formats import detect_format
from parsing.inputs import RawDocument
from parsing.models import Report
from parsing.pipeline import parse_document

Outcome = Report | ParseError
Preconverted = dict[str, tuple[str, bytes]]  # sha256 of a DOC/WPS -> (suffix, DOCX bytes)
WORD_FORMATS = ("doc", "wps")
_ERRORS: dict[str, type[ParseError]] = {}


def _error_classes() -> dict[str, type[ParseError]]:
    if not _ERRORS:
        stack: list[type[ParseError]] = [ParseError]
        while stack:
            cls = stack.pop()
            _ERRORS.setdefault(cls.kind, cls)
            stack.extend(cls.__subclasses__())
    return _ERRORS


def error_from_record(record: dict[str, Any]) -> ParseError:
    """Rebuild the typed error a worker reported (same ``kind``, message, URL and hash)."""
    cls = _error_classes().get(str(record.get("kind")), ParseError)
    err = cls(str(record.get("message")), url=record.get("url"), sha256=record.get("sha256"))
    if err.kind != record.get("kind"):  # an unknown kind keeps its name
        err.kind = str(record.get("kind"))
    return err


@dataclass(frozen=True)
class PoolLimits:
    """Hard limits per document, enforced from outside the parser."""

    timeout: float = 120.0  # wall seconds per document; the worker is killed past it
    memory_bytes: int = 1536 * MB  # address space of a worker (RLIMIT_AS); 0 = no limit
    max_output_bytes: int = 64 * MB  # JSON of one parsed report
    parser: dict[str, Any] = field(default_factory=dict)  # overrides of ``Limits`` fields

    def parser_limits(self) -> Limits:
        """The in-parser caps; their wall time is the pool's timeout."""
        return Limits(**{"max_seconds": self.timeout, **self.parser})


def default_workers() -> int:
    """Worker count: ``XXGK_PARSE_WORKERS`` if set, else the number of usable cores."""
    env = os.environ.get("XXGK_PARSE_WORKERS", "").strip()
    if env:
        return max(0, int(env))
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def preconvert(docs: Iterable[RawDocument], *, timeout_per_document: float = 5.0) -> Preconverted:
    """Convert the DOC/WPS documents among ``docs`` to DOCX with ONE LibreOffice process.

    Documents LibreOffice could not convert in the batch (or all of them, when the batch run
    fails or passes ``30 + timeout_per_document * n`` seconds) are simply left out: each is then
    converted on its own in its worker, under the worker's limits.
    """
    items: list[tuple[bytes, str]] = []
    keys: list[str] = []
    seen: set[str] = set()
    for raw in docs:
        if raw.content.startswith(b"PK") or raw.sha256 in seen:
            continue
        fmt = detect_format(raw.content, raw.media_type, raw.filename or raw.url)
        if fmt in WORD_FORMATS:
            seen.add(raw.sha256)
            items.append((raw.content, "." + fmt))
            keys.append(raw.sha256)
    if not items:
        return {}
    timeout = 30.0 + timeout_per_document * len(items)
    results = soffice_convert_many(items, "docx", timeout=timeout)
    return {
        key: (suffix, out)
        for key, (_data, suffix), out in zip(keys, items, results, strict=True)
        if out is not None
    }


class _Worker:
    """One worker process and the job it holds."""

    def __init__(self, config: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "parsing.worker", config],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # its own session: the kill takes its converters too
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.ready = False
        self.started = time.monotonic()
        self.job: tuple[int, RawDocument] | None = None
        self.deadline = 0.0

    def send(
        self, index: int, raw: RawDocument, timeout: float, converted: tuple[str, bytes] | None
    ) -> None:
        meta = raw.model_dump(mode="json", exclude={"content", "pages"})
        header: dict[str, Any] = {"id": index, "raw": meta, "size": len(raw.content)}
        if raw.pages:  # pages 2…n of a multi-page article, sent as bytes after page 1
            header["pages"] = [len(page) for page in raw.pages]
        if converted is not None:
            header["converted"] = {"suffix": converted[0], "size": len(converted[1])}
        self.job = (index, raw)
        self.deadline = time.monotonic() + timeout
        self.stdin.write(json.dumps(header).encode() + b"\n")
        self.stdin.write(raw.content)
        for page in raw.pages:
            self.stdin.write(page)
        if converted is not None:
            self.stdin.write(converted[1])
        self.stdin.flush()

    def read(self) -> tuple[dict[str, Any], bytes] | None:
        """One framed message, or None when the worker is gone."""
        line = self.stdout.readline()
        if not line.endswith(b"\n"):
            return None
        header: dict[str, Any] = json.loads(line)
        size = int(header.get("size", 0))
        body = self.stdout.read(size) if size else b""
        if len(body) != size:
            return None
        return header, body

    def kill(self) -> None:
        kill_session(self.proc.pid)
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.proc.wait()

    def describe_exit(self) -> str:
        code = self.proc.poll()
        if code is None:
            return "stopped answering"
        if code < 0:
            return f"killed by signal {signal.Signals(-code).name}"
        return f"exited with status {code}"


def kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid`` (the worker and what it started)."""
    victims = {sid}
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            if len(fields) > 3 and int(fields[3]) == sid:
                victims.add(int(entry.name))
    except OSError:  # no /proc: the process group is the best we have
        pass
    with contextlib.suppress(OSError):
        os.killpg(sid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


class ParsePool:
    """Worker processes that parse documents under hard limits; see the module docstring."""

    def __init__(self, workers: int | None = None, limits: PoolLimits | None = None) -> None:
        self.size = default_workers() if workers is None else max(0, workers)
        self.limits = limits or PoolLimits()
        self._config = json.dumps(
            {
                "limits": {"max_seconds": self.limits.timeout, **self.limits.parser},
                "memory_bytes": self.limits.memory_bytes,
                "max_output_bytes": self.limits.max_output_bytes,
            }
        )
        self._workers: list[_Worker] = []
        self._converted: Preconverted = {}
        self._selector = selectors.DefaultSelector()
        self.started_workers = 0  # how many worker processes were started (restarts included)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            self._forget(worker)
            try:
                worker.stdin.close()
                worker.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            worker.kill()
        self._workers.clear()

    def parse(self, raw: RawDocument) -> Outcome:
        """One document (the pool's limits apply)."""
        return next(iter(self.map([raw])))

    def map(
        self, docs: Iterable[RawDocument], converted: Preconverted | None = None
    ) -> Iterator[Outcome]:
        """Yield a ``Report`` or ``ParseError`` per document, in input order.

        ``converted`` (from ``preconvert``) holds LibreOffice output made for these documents
        by one batch conversion; a document found there is not converted again.
        """
        self._converted = converted or {}
        if self.size == 0:
            parser_limits = self.limits.parser_limits()
            for raw in docs:
                hit = self._converted.get(raw.sha256)
                if hit is not None:
                    preconverted(raw.content, hit[0], "docx", hit[1])
                try:
                    outcome: Outcome = parse_document(raw, parser_limits)
                except ParseError as exc:
                    outcome = exc
                clear_preconverted()
                yield outcome
            return
        try:
            yield from self._map(docs)
        finally:  # an abandoned iteration must not leave answers in flight
            for worker in [w for w in self._workers if w.job is not None]:
                self._retire(worker)

    def _map(self, docs: Iterable[RawDocument]) -> Iterator[Outcome]:
        source = enumerate(docs)
        queue: deque[tuple[int, RawDocument]] = deque()
        done: dict[int, Outcome] = {}
        next_out = 0
        exhausted = False
        window = 2 * self.size
        while True:
            busy = sum(1 for w in self._workers if w.job is not None)
            while not exhausted and len(queue) + busy + len(done) < window:
                try:
                    queue.append(next(source))
                except StopIteration:
                    exhausted = True
            self._dispatch(queue)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and not queue and not any(w.job for w in self._workers):
                return
            if any(w.job is not None or not w.ready for w in self._workers):
                self._wait(done)
            # else: the answers that filled the window were all handed out and nothing is in
            # flight: refill and dispatch now (waiting here idled every worker for a second)

    # -- internals ---------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        worker = _Worker(self._config)
        self.started_workers += 1
        self._workers.append(worker)
        self._selector.register(worker.stdout, selectors.EVENT_READ, worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(worker.stdout)

    def _retire(self, worker: _Worker) -> None:
        self._forget(worker)
        worker.kill()
        self._workers.remove(worker)

    def _dispatch(self, queue: deque[tuple[int, RawDocument]]) -> None:
        while queue and len(self._workers) < self.size:
            if sum(1 for w in self._workers if w.job is None) >= len(queue):
                break
            self._spawn()
        for worker in list(self._workers):
            if not queue:
                return
            if worker.ready and worker.job is None:
                index, raw = queue.popleft()
                hit = self._converted.get(raw.sha256) if self._converted else None
                try:
                    worker.send(index, raw, self.limits.timeout, hit)
                except OSError:  # died between jobs: put the job back, replace the worker
                    worker.job = None
                    queue.appendleft((index, raw))
                    self._retire(worker)

    def _wait(self, done: dict[int, Outcome]) -> None:
        now = time.monotonic()
        deadlines = [w.deadline for w in self._workers if w.job is not None]
        deadlines += [w.started + 120.0 for w in self._workers if not w.ready]
        timeout = max(0.0, min(deadlines) - now) if deadlines else 1.0
        for key, _mask in self._selector.select(timeout):
            worker: _Worker = key.data
            message = worker.read()
            if message is None:
                self._died(worker, done)
                continue
            header, body = message
            if header.get("ready"):
                worker.ready = True
                continue
            assert worker.job is not None
            index, raw = worker.job
            worker.job = None
            if header.get("ok"):
                done[index] = Report.model_validate_json(body)
            else:
                done[index] = error_from_record(json.loads(body))
            if header.get("exit"):  # out of memory: this worker stops, a fresh one replaces it
                self._retire(worker)
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.job is not None and now >= worker.deadline:
                index, raw = worker.job
                done[index] = ParseTimeoutError(
                    f"gave up after {self.limits.timeout:g} s (time limit; worker killed)",
                    url=raw.url,
                    sha256=raw.sha256,
                )
                self._retire(worker)
            elif not worker.ready and now >= worker.started + 120.0:
                self._retire(worker)
                raise RuntimeError("a parse worker did not start within 120 s")

    def _died(self, worker: _Worker, done: dict[int, Outcome]) -> None:
        job = worker.job
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.proc.wait(timeout=5)
        how = worker.describe_exit()
        self._retire(worker)
        if job is None:
            if not worker.ready:
                raise RuntimeError(f"a parse worker failed to start ({how})")
            return
        index, raw = job
        err: ParseError
        if self.limits.memory_bytes and "SIGKILL" not in how:
            err = WorkerDiedError(
                f"parse worker {how} (memory limit {self.limits.memory_bytes // MB} MB?)",
                url=raw.url,
                sha256=raw.sha256,
            )
        else:
            err = WorkerDiedError(f"parse worker {how}", url=raw.url, sha256=raw.sha256)
        done[index] = err


__all__ = ["Outcome", "ParsePool", "PoolLimits", "default_workers", "error_from_record"]
