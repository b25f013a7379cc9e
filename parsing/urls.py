"""The one URL canonicalisation of the project: archive keys, crawler dedupe and ``report_id``.

It lives in ``parsing`` because ``report_id`` is computed here and ``parsing`` must not import the
crawler; the crawler imports this pure module through one documented import-linter exception
(``crawler.urls -> parsing.urls`` in ``pyproject.toml``). There is deliberately no second copy.

Rules, in order: w3lib's ``canonicalize_url`` (percent-encoding normalised, query arguments
sorted, fragment dropped), then lower-cased host, default port dropped, tracking parameters
(``utm_*``, ``spm``, ``_t``, ``timestamp`` …) dropped, and ``…/index.html`` (or ``index.htm``,
``index.shtml``, ``default.htm(l)``) mapped to ``…/``.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "_t",
        "t",
        "timestamp",
        "ts",
        "random",
        "rnd",
        "_",
        "v",
        "share",
        "isappinstalled",
    }
)
INDEX_NAMES = ("index.html", "index.htm", "index.shtml", "default.html", "default.htm")
# A URL every rule leaves as it is but for the index names (most report URLs): http(s), a host
# of lower-case letters, digits, hyphens and dots, no port, user, query or fragment, and a path of
# unreserved characters (no percent escape) without dot segments (``/.`` is refused outright).
# Tested against the full path (``test_plain_url_shortcut_is_exact``).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?P<path>/[A-Za-z0-9._~/-]*)?")


def canonical_url(url: str) -> str:
    """Collapse URL variants that serve the same document into one string.

    >>> canonical_url("HTTP://Www.X.gov.cn:80/a/index.html?b=2&a=1&utm_source=wx#top")
    'http://www.x.gov.cn/a/?a=1&b=2'
    """
    text = url.strip()
    if not text:
        return ""
    plain = _PLAIN_URL.fullmatch(text)
    if plain is not None and "/." not in text:
        path = plain.group("path")
        if not path:
            return text + "/"
        for name in INDEX_NAMES:
            if path.endswith("/" + name):
                return text[: -len(name)]
        return text
    return _canonical_full(text)


def _canonical_full(text: str) -> str:
    """``canonical_url`` of a stripped, non-empty URL, every rule applied."""
    try:
        text = canonicalize_url(text, keep_fragments=False)
    except ValueError:  # w3lib refuses some malformed URLs: keep our own rules only
        text = text.split("#", 1)[0]
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = parts.path or "/"
    for name in INDEX_NAMES:
        if path.endswith("/" + name):
            path = path[: -len(name)]
            break
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def report_id_for(url: str | None, sha256: str) -> str:
    """Stable id of a source document: the hash of its canonical URL, else of its bytes."""
    if url and url.strip():
        return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:20]
    return "sha-" + sha256[:16]
