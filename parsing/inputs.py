"""What parsing accepts: raw bytes plus the metadata known about them (never a Scrapy type)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class RawDocument(BaseModel):
    """One captured document and what the crawler or registry knows about it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    content: bytes
    media_type: str | None = None
    charset: str | None = None
    url: str | None = None
    filename: str | None = None
    # defaults from the site registry / list page
    site: str = "local"
    publisher: str | None = None
    region_code: str | None = None
    title_hint: str | None = None
    year_hint: int | None = None
    published_date: date | None = None
    fetched_at: datetime | None = None
    archive_uri: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)
    # a multi-page article: the bytes of pages 2…n (``content`` is page 1) and every page's URL
    pages: tuple[bytes, ...] = ()
    page_urls: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the raw bytes."""
        return hashlib.sha256(self.content).hexdigest()


def make_report_id(url: str | None, sha256: str) -> str:
    """Stable id of a source document: derived from its URL (same URL, same id), else its hash."""
    if url:
        key = url.strip()
        for suffix in ("/index.html", "/index.htm"):
            if key.endswith(suffix):
                key = key[: -len(suffix)] + "/"
        key = key.split("#", 1)[0]
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return "sha-" + sha256[:16]
