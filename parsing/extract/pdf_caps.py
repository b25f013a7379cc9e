"""Decompression caps for PDFs, checked on the raw bytes before any page is interpreted.

A 123 KB PDF can hold a content stream that inflates to 120 MB; pdfminer would then tokenise
all of it (minutes, hundreds of MB). ``measure_streams`` finds every ``stream … endstream`` of
the file, inflates each Flate-compressed one incrementally into a small window (the output is
counted and dropped, never kept) and stops as soon as a cap is passed:

- one stream above ``Limits.max_stream_bytes`` → ``TooLargeError``;
- all streams of the file above ``Limits.max_document_stream_bytes`` → ``TooLargeError``.

Image XObjects are skipped (pdfminer never decodes them; pdfium decodes them only to render a
page for OCR, bounded by ``max_image_pixels``). ``page_stream_bytes`` then adds up the content
streams and form XObjects of one page from these measurements, for the per-page cap
(``max_page_stream_bytes``). Streams with other filters (LZW, RunLength, ASCII85/Hex) are
counted at their raw size here; the worker's memory limit bounds them.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from parsing.errors import TooLargeError
from parsing.extract.limits import Limits

_STREAM = re.compile(rb"stream\r?\n")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")
_CHUNK = 1 << 16
_WINDOW = 1 << 20


def _inflated_size(data: bytes, start: int, cap: int) -> int:
    """Bytes a zlib stream starting at ``start`` inflates to (stops just past ``cap``)."""
    inflater = zlib.decompressobj()
    total = 0
    pos = start
    try:
        while pos < len(data) and not inflater.eof:
            chunk = data[pos : pos + _CHUNK]
            pos += len(chunk)
            out = inflater.decompress(chunk, _WINDOW)
            total += len(out)
            while inflater.unconsumed_tail and not inflater.eof and total <= cap:
                out = inflater.decompress(inflater.unconsumed_tail, _WINDOW)
                total += len(out)
            if total > cap:
                return total
    except zlib.error:
        return total  # damaged: pdfminer reports it (or reads what it can)
    return total


def measure_streams(data: bytes, limits: Limits) -> dict[int, int]:
    """Decompressed size of every non-image stream, by object number; raise past a cap."""
    sizes: dict[int, int] = {}
    total = 0
    for match in _STREAM.finditer(data):
        start = match.start()
        if start and data[start - 1 : start] in (b"d", b"n"):  # 'endstream' / 'nstream'
            continue
        head_from = max(0, start - 4096)
        head = data[head_from:start]
        objects = list(_OBJ.finditer(head))
        if not objects:
            continue
        last = objects[-1]
        objid = int(last.group(1))
        dictionary = head[last.end() :]
        if b"/Image" in dictionary:
            continue
        body = match.end()
        if b"/FlateDecode" in dictionary or b"/Fl " in dictionary or b"/Fl/" in dictionary:
            size = _inflated_size(data, body, limits.max_stream_bytes)
        else:
            length = re.search(rb"/Length\s+(\d+)(?!\s+\d+\s+R)", dictionary)
            size = int(length.group(1)) if length else 0
        if size > limits.max_stream_bytes:
            raise TooLargeError(
                f"pdf: stream of object {objid} inflates to more than "
                f"{limits.max_stream_bytes} bytes (stream limit; decompression bomb?)"
            )
        sizes[objid] = max(size, sizes.get(objid, 0))
        total += size
        if total > limits.max_document_stream_bytes:
            raise TooLargeError(
                f"pdf: streams inflate to more than {limits.max_document_stream_bytes} bytes "
                "in all (document limit; decompression bomb?)"
            )
    return sizes


def _objid(value: Any) -> int | None:
    objid = getattr(value, "objid", None)
    return objid if isinstance(objid, int) else None


def page_stream_bytes(page_obj: Any, sizes: dict[int, int]) -> int:
    """Decompressed bytes of one pdfminer page's content streams and form XObjects."""
    from pdfminer.pdftypes import resolve1

    refs: list[Any] = []
    contents = page_obj.attrs.get("Contents")
    resolved = resolve1(contents)
    refs += resolved if isinstance(resolved, list) else [contents]
    resources = resolve1(page_obj.attrs.get("Resources")) or {}
    xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
    if isinstance(xobjects, dict):
        refs += list(xobjects.values())
    seen: set[int] = set()
    total = 0
    for ref in refs:
        objid = _objid(ref)
        if objid is None or objid in seen:
            continue
        seen.add(objid)
        total += sizes.get(objid, 0)
    return total


def check_page(page_obj: Any, number: int, sizes: dict[int, int], limits: Limits) -> None:
    """Raise ``TooLargeError`` when page ``number``'s streams pass the per-page cap."""
    size = page_stream_bytes(page_obj, sizes)
    if size > limits.max_page_stream_bytes:
        raise TooLargeError(
            f"pdf: page {number} content inflates to {size} bytes "
            f"(page limit {limits.max_page_stream_bytes})"
        )
