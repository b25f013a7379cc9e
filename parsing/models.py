"""The typed report model: what ``parse_document`` returns and what the warehouse publishes.

Field names follow the dataset contract (``DATASETS.md``) so that a model dumps to rows
without renaming.
"""

from __future__ import annotations

from datetime import date, datetime
from operator import attrgetter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Template = Literal["2019", "2021", "legacy"]
Format = Literal["html", "pdf", "docx", "doc", "text", "image"]
Severity = Literal["error", "warning"]
ValidationStatus = Literal["valid", "warning", "invalid"]
SpamVerdict = Literal["clean", "cleaned", "cleaned_with_gaps", "quarantine"]

APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
PROCEEDINGS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")


_APPLICANT_VALUES = attrgetter(*APPLICANT_COLUMNS)


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActiveDisclosure(_Row):
    """Table 二, one number (long form)."""

    article: str
    item: str
    metric: str
    value: float | None
    unit: str | None = None
    # Provenance (docs/DATASETS.md): kind of block (html_table | pdf_table | docx_table |
    # text_table | ocr_table | prose), 1-based page, 0-based grid index and span-expanded row.
    source_kind: str | None = None
    source_page: int | None = None
    source_table: int | None = None
    source_row: int | None = None
    source_col: int | None = None  # 0-based column in the span-expanded grid
    source_text: str | None = None  # the cell's text as printed (before spam removal)


class ApplicationRow(_Row):
    """Table 三, one row; ``None`` means the cell was empty (not 0).

    ``source_col``/``source_text`` are aligned with the seven value columns (null entries for
    columns the row did not print).
    """

    row_code: str
    row_label: str
    natural_person: int | None = None
    commercial_enterprise: int | None = None
    research_institution: int | None = None
    social_welfare_org: int | None = None
    legal_service_org: int | None = None
    other_org: int | None = None
    total: int | None = None
    # Provenance (docs/DATASETS.md): kind of block (html_table | pdf_table | docx_table |
    # text_table | ocr_table | prose), 1-based page, 0-based grid index and span-expanded row.
    source_kind: str | None = None
    source_page: int | None = None
    source_table: int | None = None
    source_row: int | None = None
    source_col: list[int | None] | None = None
    source_text: list[str | None] | None = None

    def values(self) -> list[int | None]:
        """The seven counts in column order."""
        return list(_APPLICANT_VALUES(self))


class ReviewLitigation(_Row):
    """Table 四, one number."""

    proceeding: str
    outcome: str
    value: int | None
    # Provenance (docs/DATASETS.md): kind of block (html_table | pdf_table | docx_table |
    # text_table | ocr_table | prose), 1-based page, 0-based grid index and span-expanded row.
    source_kind: str | None = None
    source_page: int | None = None
    source_table: int | None = None
    source_row: int | None = None
    source_col: int | None = None
    source_text: str | None = None


class LegacyFigure(_Row):
    """One figure of a legacy (pre-2019) statistics table: ``同意部分公开答复数 | 件 | 1 | 9``."""

    section: str | None = None  # the group row above it, e.g. 二、依申请公开情况
    label: str
    unit: str | None = None
    value: float | None = None
    cumulative: float | None = None  # 历年累计
    source_kind: str | None = None
    source_page: int | None = None
    source_table: int | None = None
    source_row: int | None = None
    source_text: str | None = None  # the row as printed, cells joined by " | "


class ValidationIssue(_Row):
    """One failed check, with a stable rule id."""

    rule: str
    severity: Severity
    message: str
    expected: str | None = None
    actual: str | None = None


class SpamRemoval(_Row):
    """One removed span of injected spam."""

    location: str
    removed_text: str
    detector: str


class Report(BaseModel):
    """One parsed annual report (or report-like document) with all its tables."""

    model_config = ConfigDict(extra="forbid")

    report_id: str
    year: int = Field(ge=1990, le=2100)
    publisher: str
    # canonical publisher key across wordings (parsing.publishers), e.g. 610524:合阳县人民政府
    publisher_key: str | None = None
    # the publisher's own GB/T 2260 code (parsing.regions); source: "publisher" (its name) or "site"
    region_code: str | None = None
    region_code_source: str | None = None
    site: str = "local"
    source_url: str = ""
    title: str = ""
    template: Template
    format: Format
    published_date: date | None = None
    # meta | index_table | page_text (the document itself), article_page, list (parsing.published)
    published_date_source: str | None = None
    fetched_at: datetime | None = None
    content_sha256: str = ""
    archive_uri: str = ""
    parser_version: str = ""
    spam_detected: bool = False
    spam_chars_removed: int = 0
    spam_verdict: SpamVerdict = "clean"
    replacement_suspected: bool = False
    # Among several captures of one publisher's report for one year (a （更正版） re-post, the same
    # report under two columns), the one readers should use; the warehouse sets it on publish.
    is_current: bool = True
    validation_status: ValidationStatus = "valid"
    # Which source gave publisher and year (parsing.metadata): publisher from ``meta`` (meta
    # tags), ``page_source`` (发布机构/来源 on the page), ``index_table`` (索引号 table), ``title``,
    # ``registry`` or ``registry_unconfirmed``; year from ``body_period`` (统计期限 in the body),
    # ``title``, ``hint``, ``body_text`` or ``published_date``.
    publisher_source: str | None = None
    year_source: str | None = None
    # Completeness per template table (parsing.completeness): value cells the template defines
    # (null for legacy reports), read from a source cell, published null, and nulled by digit
    # conservation (``spam.ambiguous_cell``).
    active_disclosure_cells_expected: int | None = None
    active_disclosure_cells_found: int | None = None
    active_disclosure_cells_null: int | None = None
    active_disclosure_cells_quarantined: int | None = None
    applications_cells_expected: int | None = None
    applications_cells_found: int | None = None
    applications_cells_null: int | None = None
    applications_cells_quarantined: int | None = None
    review_litigation_cells_expected: int | None = None
    review_litigation_cells_found: int | None = None
    review_litigation_cells_null: int | None = None
    review_litigation_cells_quarantined: int | None = None
    text_overall: str | None = None
    text_problems: str | None = None
    text_other: str | None = None
    sections: dict[str, str] = Field(default_factory=dict)
    active_disclosure: list[ActiveDisclosure] = Field(default_factory=list)
    applications: list[ApplicationRow] = Field(default_factory=list)
    review_litigation: list[ReviewLitigation] = Field(default_factory=list)
    validation_issues: list[ValidationIssue] = Field(default_factory=list)
    spam_removals: list[SpamRemoval] = Field(default_factory=list)
    legacy_figures: list[LegacyFigure] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # every page URL of a multi-page article in reading order (empty for a one-page document)
    page_urls: list[str] = Field(default_factory=list)
    # scanned reports (format 'image'): mean Tesseract word confidence, 0-100
    ocr_confidence: float | None = None

    def application(self, row_code: str) -> ApplicationRow | None:
        """The table 三 row with this code, if present."""
        return next((r for r in self.applications if r.row_code == row_code), None)
