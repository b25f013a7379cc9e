"""One isolated parse worker process: ``python -m parsing.worker '<config json>'``.

Started by ``parsing.pool.ParsePool``, never by hand. It sets its own address-space limit,
then reads jobs from stdin and answers on stdout, one at a time, in a framed protocol (no
pickle: a JSON header line, then raw bytes):

- worker → pool at start: ``{"ready": true}``;
- pool → worker: ``{"id": n, "raw": {...RawDocument without content and pages...}, "size": s,
  "pages": [sizes of pages 2…n of a multi-page article]}`` + s bytes + each page's bytes
  (plus, for a DOC/WPS converted in the batch, ``"converted": {"suffix", "size": c}`` + c bytes);
- worker → pool: ``{"id": n, "ok": true|false, "size": m, "exit": bool}`` + m bytes: the report
  JSON, or the error record JSON (``ParseError.to_record()``); ``exit``: the worker stops now.

A report whose JSON exceeds the output cap is answered as a ``too_large`` error. After a
``MemoryError`` the worker answers, then exits (its heap may be unusable); the pool starts a
fresh one. Anything C code prints on stdout is sent to stderr so it cannot break the framing.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import resource
import sys
from typing import Any, BinaryIO

from parsing.errors import ParseError, TooLargeError, out_of_memory
from parsing.extract.limits import Limits
from parsing.extract.office_convert import clear_preconverted, preconverted
from parsing.inputs import RawDocument
from parsing.pipeline import parse_document


def set_memory_limit(max_bytes: int) -> None:
    """Cap this process's address space (soft limit; child converters may raise it again)."""
    if max_bytes <= 0:
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and hard < max_bytes:
        max_bytes = hard
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))


def settle_heap() -> None:
    """Collect, then move every object alive now (modules, lexicons, compiled patterns, the
    first document's cache entries) out of the collector's reach (``gc.freeze``): each later
    full collection scans only what parsing created since, not the whole warmed-up heap.

    Frozen objects are still freed by reference counting; a collection just before the freeze
    leaves no garbage cycle behind to be kept alive by it.
    """
    gc.collect()
    gc.freeze()


def _send(out: BinaryIO, header: dict[str, Any], body: bytes = b"") -> None:
    out.write(json.dumps(header).encode() + b"\n" + body)
    out.flush()


def answer(raw: RawDocument, limits: Limits, max_output: int) -> tuple[bool, bytes, bool]:
    """Parse ``raw``: (ok, payload, fatal). ``fatal`` means the worker should exit after."""
    try:
        report = parse_document(raw, limits)
    except ParseError as exc:
        fatal = out_of_memory(exc)
        return False, json.dumps(exc.to_record()).encode(), fatal
    except MemoryError:
        err = TooLargeError("ran out of memory (memory limit)", url=raw.url, sha256=raw.sha256)
        return False, json.dumps(err.to_record()).encode(), True
    payload = report.model_dump_json().encode()
    if len(payload) > max_output:
        err = TooLargeError(
            f"parsed report is {len(payload)} bytes of JSON (output limit {max_output})",
            url=raw.url,
            sha256=raw.sha256,
        )
        return False, json.dumps(err.to_record()).encode(), False
    return True, payload, False


def main(argv: list[str]) -> int:
    """Serve jobs until stdin closes."""
    config: dict[str, Any] = json.loads(argv[1]) if len(argv) > 1 else {}
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    # protocol on a private copy of stdout; fd 1 (C libraries, print) goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stdin = sys.stdin.buffer
    # import the extractors before the memory cap (their libraries map large files once)
    import parsing.extract.docx
    import parsing.extract.pdf  # noqa: F401

    limits = Limits(**config.get("limits", {}))
    max_output = int(config.get("max_output_bytes", 64 << 20))
    set_memory_limit(int(config.get("memory_bytes", 0)))
    _send(out, {"ready": True, "pid": os.getpid()})
    settled = False
    while True:
        line = stdin.readline()
        if not line:
            return 0
        job = json.loads(line)
        content = stdin.read(int(job["size"]))
        pages = tuple(stdin.read(int(size)) for size in job.get("pages", ()))
        batch = job.get("converted")  # this DOC/WPS was converted in a batch already
        if batch:
            preconverted(content, batch["suffix"], "docx", stdin.read(int(batch["size"])))
        raw = RawDocument.model_validate({**job["raw"], "content": content, "pages": pages})
        ok, payload, fatal = answer(raw, limits, max_output)
        clear_preconverted()
        _send(out, {"id": job["id"], "ok": ok, "size": len(payload), "exit": fatal}, payload)
        if fatal:
            return 3
        if not settled:  # after the first document: lexicons and lazy imports are loaded
            settle_heap()
            settled = True


if __name__ == "__main__":
    sys.exit(main(sys.argv))
