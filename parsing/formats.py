"""Recognising a document's format from its bytes, media type and name."""

from __future__ import annotations

import re

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_HTML_HINT = re.compile(rb"<\s*(?:!doctype|html|head|body|table|div|p|meta|title)\b", re.I)


def detect_format(content: bytes, media_type: str | None, name: str | None) -> str:
    """One of ``html``, ``text``, ``pdf``, ``docx``, ``doc``, ``wps``, ``xls``, ``xlsx``, ``image``.

    Magic bytes win over the declared type (servers often send PDFs as ``text/html``).
    """
    head = content[:8]
    lower = (name or "").lower().split("?")[0]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):  # an empty or spanned zip archive
        return "docx"  # the zip checks name it: empty_archive
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in content[:65536] or lower.endswith(".docx"):
            return "docx"
        if b"xl/" in content[:65536] or lower.endswith(".xlsx"):
            return "xlsx"
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        for ext in ("wps", "xls", "et"):
            if lower.endswith("." + ext):
                return "xls" if ext == "et" else ext
        return "doc"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    mt = (media_type or "").lower()
    if "pdf" in mt:
        return "pdf"
    if lower.endswith((".txt", ".text")) or mt.startswith("text/plain"):
        return "text"
    if "html" in mt or lower.endswith((".html", ".htm", ".shtml", ".jsp")) or lower.endswith("/"):
        return "html"
    return "html" if _HTML_HINT.search(content[:4096]) else "text"
