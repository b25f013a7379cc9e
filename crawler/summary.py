"""The crawl summary: the one JSON line ``python -m crawler crawl`` prints, and its model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

LIMIT_REACHED = "limit_reached"
INCOMPLETE = "incomplete"


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

    kind: str  # http_error, offsite_redirect, robots_forbidden, timeout, limit_reached, ...
    url: str
    message: str = ""
    bound: str | None = None  # for ``limit_reached``: which bound (page_limit, max_documents …)


class LinkCounts(BaseModel):
    """Every link the crawl met, and where each one ended (exactly one bucket per link).

    ``found == fetched + duplicates + sum(filtered.values()) + errors`` once the crawl is over:
    a link is fetched (or reused from the archive), a duplicate of one seen in this run,
    filtered with a reason, or an error (with an error record naming it or its bound).
    """

    model_config = ConfigDict(extra="ignore")

    found: int = 0
    fetched: int = 0
    duplicates: int = 0
    filtered: dict[str, int] = Field(default_factory=dict)
    errors: int = 0

    def filter(self, reason: str) -> None:
        """Count one link filtered for ``reason``."""
        self.filtered[reason] = self.filtered.get(reason, 0) + 1

    @property
    def accounted(self) -> int:
        """Links that reached a bucket."""
        return self.fetched + self.duplicates + sum(self.filtered.values()) + self.errors


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
    links: LinkCounts = Field(default_factory=LinkCounts)
    status: str = "ok"  # "incomplete" when a crawl bound was hit (see ``limits_hit``)
    limits_hit: list[str] = Field(default_factory=list)  # names of the bounds that were hit
    spooled: int = 0  # documents whose body streamed to disk on arrival (crawler.spool)
    list_endpoints: list[str] = Field(default_factory=list)  # script-loaded lists found

    def add_error(self, kind: str, url: str, message: str = "", bound: str | None = None) -> None:
        """Record one error; a ``limit_reached`` error makes the crawl ``incomplete``."""
        self.errors.append(CrawlError(kind=kind, url=url, message=message[:500], bound=bound))
        if kind == LIMIT_REACHED:
            self.status = INCOMPLETE
            if bound and bound not in self.limits_hit:
                self.limits_hit.append(bound)
