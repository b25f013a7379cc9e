"""URL canonicalisation (re-exported from ``parsing.urls``), attachment detection, file names."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

# The project's single canonicalisation (documented import-linter exception, see parsing/urls.py)
from parsing.urls import canonical_url

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "CanonicalFingerprinter",
    "canonical_url",
    "filename_from_headers",
    "host_allowed",
    "is_attachment_url",
    "sanitize_filename",
    "url_extension",
]

ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "rtf", "txt"}
)
_FILENAME_CHARS = re.compile(r"[^\w.\-()（）【】 ]+", re.UNICODE)


def url_extension(url: str) -> str:
    """Lower-case extension of the URL path, or of a ``filename=`` query value (Hanweb)."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("filename", "file", "fname"):
            suffix = PurePosixPath(value).suffix
            if suffix:
                return suffix[1:].lower()
    return PurePosixPath(unquote(parts.path)).suffix[1:].lower()


def is_attachment_url(url: str) -> bool:
    """True if the URL names a document attachment (PDF, DOC, DOCX, WPS, XLS…)."""
    return url_extension(url) in ATTACHMENT_EXTENSIONS or "downfile.jsp" in url.lower()


def host_allowed(url: str, allowed_domains: list[str]) -> bool:
    """True if the URL's host is one of ``allowed_domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    for domain in allowed_domains:
        d = domain.lower().split(":")[0]
        if host == d or host.endswith("." + d):
            return True
    return False


def sanitize_filename(name: str, default: str = "document") -> str:
    """Reduce a name from a URL or Content-Disposition to one safe path component."""
    name = unquote(name).replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFC", name).replace("\x00", "")
    name = _FILENAME_CHARS.sub("_", name).strip(" ._")
    if not name or name in (".", ".."):
        return default
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) < 10 else name[:150]
    return name


def filename_from_headers(content_disposition: str | None, url: str) -> str:
    """Pick a file name from Content-Disposition (RFC 5987, GBK or UTF-8 bytes) or the URL."""
    if content_disposition:
        m = re.search(r"filename\*\s*=\s*([\w-]+)''([^;]+)", content_disposition, re.I)
        if m:
            try:
                return sanitize_filename(unquote(m.group(2), encoding=m.group(1)))
            except LookupError:
                pass
        m = re.search(r'filename\s*=\s*"?([^";]+)"?', content_disposition, re.I)
        if m:
            raw = m.group(1)
            try:  # headers arrive as latin-1; servers send GBK or UTF-8 bytes
                data = raw.encode("latin-1")
                for enc in ("utf-8", "gb18030"):
                    try:
                        raw = data.decode(enc)
                        break
                    except UnicodeDecodeError:
                        continue
            except UnicodeEncodeError:
                pass
            return sanitize_filename(raw)
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("filename", "file", "fname") and value:
            return sanitize_filename(value)
    return sanitize_filename(PurePosixPath(unquote(parts.path)).name or "index.html")


class CanonicalFingerprinter:
    """Request fingerprinter that collapses query-string and ``index.html`` variants."""

    def __init__(self) -> None:
        self._inner = RequestFingerprinter()

    @classmethod
    def from_crawler(cls, crawler: object) -> CanonicalFingerprinter:
        """Scrapy factory hook."""
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        """Fingerprint of the request with its URL canonicalised."""
        return self._inner.fingerprint(request.replace(url=canonical_url(request.url)))
