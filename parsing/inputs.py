"""What parsing accepts: raw bytes plus the metadata known about them (never a Scrapy type)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from parsing.urls import report_id_for


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
    # where the crawler read ``published_date``: "article_page" (an attachment's article) or "list"
    published_date_source: str | None = None
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
    """Stable id of a source document: derived from its canonical URL (``parsing.urls``), so
    every URL variant the archive treats as one URL gives one id; without a URL, its hash."""
    return report_id_for(url, sha256)
