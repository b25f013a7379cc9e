"""Decoding report bytes: HTTP charset → BOM → strict UTF-8 → ``<meta>`` → GB18030 → detection.

Detection is the last resort: charset-normalizer misreads short GBK pages (measured: a GBK title
as UTF-16), so every declared or structural signal comes first.
"""

from __future__ import annotations

import codecs
import re

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(content: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``content`` to text; returns ``(text, encoding used)``. Never raises."""
    text, enc, _utf8 = decode_source(content, declared)
    return text, enc


def decode_source(content: bytes, declared: str | None = None) -> tuple[str, str, bytes | None]:
    """``decode_bytes``, and ``content`` itself when it is exactly the UTF-8 encoding of the text
    (strict UTF-8, no BOM), else None: a parser may read those bytes (``extract_html``'s
    ``utf8``) instead of encoding the text again."""
    if content.startswith(codecs.BOM_UTF8):
        return content[3:].decode("utf-8", errors="replace"), "utf-8", None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace"), "utf-16", None
    candidates: list[str] = []
    http = _canonical(declared)
    if http:
        candidates.append(http)
    candidates.append("utf-8")
    m = _META.search(content[:4096])
    meta = _canonical(m.group(1).decode("ascii", "ignore")) if m else None
    if meta:
        candidates.append(meta)
    candidates.append("gb18030")
    for enc in dict.fromkeys(candidates):
        try:
            text = content.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        # A declared single-byte/latin charset that "succeeds" on CJK bytes is a lie.
        if enc in ("latin-1", "iso8859-1", "cp1252") and re.search(rb"[\x80-\xff]{2}", content):
            continue
        return text, enc, content if enc == "utf-8" else None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(content).best()
        if best is not None and best.encoding:
            return str(best), best.encoding, None
    except Exception:  # noqa: BLE001, S110 - detection is best effort; fall through to replace
        pass
    return content.decode("gb18030", errors="replace"), "gb18030", None
