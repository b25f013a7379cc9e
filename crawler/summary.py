"""The crawl summary: the one JSON line ``python -m crawler crawl`` prints, and its model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CaptureInfo(BaseModel):
    """One report document seen by the crawl (newly archived or already in the archive)."""

    model_config = ConfigDict(extra="ignore")

    url: str
    sha256: str
    archive_uri: str
    title: str | None = None
    year: int | None = None
    publisher: str | None = None
    published_date: str | None = None
    published_date_source: str | None = None  # "list" or "article_page" (an attachment's page)
    content_type: str | None = None
    new: bool
    final_url: str | None = None
    filename: str | None = None
    kind: str | None = None  # "document" (linked from a list) or "attachment" (of a document)
    referer: str | None = None
    fetched_at: str | None = None


class CrawlError(BaseModel):
    """A problem met during the crawl (never fatal to the crawl)."""

    model_config = ConfigDict(extra="ignore")

    kind: str  # http_error, offsite_redirect, robots_forbidden, timeout, download_error, ...
    url: str
    message: str = ""


class CrawlSummary(BaseModel):
    """What one site crawl did."""

    model_config = ConfigDict(extra="ignore")

    site: str
    pages: int = 0  # list pages fetched
    documents_found: int = 0  # distinct report documents (pages + attachments) discovered
    new: int = 0  # documents whose bytes were new for their URL
    unchanged: int = 0  # documents already archived (skipped, 304 or same bytes)
    errors: list[CrawlError] = Field(default_factory=list)
    captures: list[CaptureInfo] = Field(default_factory=list)
    finish_reason: str | None = None
    elapsed_s: float | None = None

    def add_error(self, kind: str, url: str, message: str = "") -> None:
        """Record one error."""
        self.errors.append(CrawlError(kind=kind, url=url, message=message[:500]))
