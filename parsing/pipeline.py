"""``parse_document``: raw bytes + metadata → a validated ``Report`` (or a typed ``ParseError``)."""

from __future__ import annotations

import gc
import logging
from datetime import date

from parsing.blocks import DocumentBlocks, Paragraph
from parsing.charset import decode_source
from parsing.completeness import ambiguous_cell_issues, completeness, missing_row_issues
from parsing.errors import (
    EmptyDocumentError,
    EmptyHtmlError,
    MissingYearError,
    NotAReportError,
    ParseError,
    ParserBugError,
    TooLargeError,
    UnsupportedFormatError,
    out_of_memory,
)
from parsing.extract.html import extract_html, parse_tree
from parsing.extract.limits import DEFAULT_LIMITS, Limits, check_size
from parsing.extract.text import extract_text
from parsing.extract.text_tables import regroup_text_tables
from parsing.formats import detect_format
from parsing.inputs import RawDocument, make_report_id
from parsing.interpret.legacy import legacy_sections, read_legacy, without_tables
from parsing.interpret.prose import active_from_prose
from parsing.interpret.sections import split_sections
from parsing.interpret.tables import TableReadout, read_tables
from parsing.metadata import (
    choose_publisher,
    choose_year,
    clean_title,
    is_lookalike_title,
    is_report_title,
    parse_date,
    period_year,
    publisher_from_title,
    year_from_text,
    year_from_title,
)
from parsing.models import Report, SpamRemoval, ValidationIssue
from parsing.normalize import to_simplified
from parsing.publishers import identify
from parsing.spam import strip_document, strip_text
from parsing.spam.latin import own_hosts
from parsing.validate import status_of, validate_report

PARSER_VERSION = "1.0.0"
SOURCE_KIND = {"html": "html_table", "pdf": "pdf_table", "docx": "docx_table", "doc": "docx_table"}
SOURCE_KIND |= {"text": "text_table", "image": "ocr_table"}
MAX_BYTES = 60 * 1024 * 1024
log = logging.getLogger(__name__)


def parse_document(raw: RawDocument, limits: Limits | None = None) -> Report:
    """Parse one captured document into a validated ``Report``.

    Args:
        raw: the bytes and what the crawler/registry knows about them.
        limits: size, page and time caps (``DEFAULT_LIMITS`` when None). For hard wall-time,
            memory and output limits run it in a worker: ``parsing.pool.ParsePool``.

    Returns:
        The report; arithmetic failures are recorded in ``validation_issues`` and
        ``validation_status``, never raised.

    Raises:
        ParseError: a subclass with a stable ``kind`` (``not_a_report``, ``format_unsupported``,
            ``corrupt_document``, ``too_large``, ``timeout``, ``empty_file``, ``empty_html``,
            ``empty_archive``, ``missing_year``, ``parser_bug``).
    """
    # An HTML or text page leaves no cyclic garbage (test_html_parse_leaves_no_cyclic_garbage):
    # the cyclic collector, which would rescan every live object (the caches) a few times per
    # page, is paused while one is parsed (~8% of its time). PDF/Office extractors are not.
    fmt = _single_format(raw)
    pause = gc.isenabled() and fmt in ("html", "text")
    if pause:
        gc.disable()
    try:
        return _parse(raw, limits or DEFAULT_LIMITS, fmt)
    except ParseError as exc:
        if out_of_memory(exc) and not isinstance(exc, TooLargeError):  # wrapped by an extractor
            raise TooLargeError(
                f"ran out of memory reading the document (memory limit): {exc.message}",
                url=raw.url,
                sha256=raw.sha256,
            ) from exc
        exc.url = exc.url or raw.url
        exc.sha256 = exc.sha256 or raw.sha256
        raise
    except MemoryError as exc:  # the worker's address-space limit (parsing.pool) was reached
        raise TooLargeError(
            "ran out of memory reading the document (memory limit)", url=raw.url, sha256=raw.sha256
        ) from exc
    except Exception as exc:  # noqa: BLE001 - the last guard: one error family for callers
        log.exception("parser bug on %s", raw.url)
        raise ParserBugError(
            f"{type(exc).__name__}: {exc}", url=raw.url, sha256=raw.sha256
        ) from exc
    finally:
        if pause:
            gc.enable()


def _single_format(raw: RawDocument) -> str | None:
    """The format ``extract_blocks`` reads a one-page document of some bytes within the size
    limit as, else None (detected once: ``parse_document`` and the extractor both use it)."""
    if raw.pages or not raw.content or len(raw.content) > MAX_BYTES:
        return None
    return detect_format(raw.content, raw.media_type, raw.filename or raw.url)


def extract_blocks(
    raw: RawDocument, limits: Limits = DEFAULT_LIMITS, fmt: str | None = None
) -> DocumentBlocks:
    """Turn the raw bytes into paragraphs and table grids, whatever the format.

    A multi-page article (``raw.pages``) is extracted page by page and joined in order.
    ``fmt``: ``detect_format`` of the document when the caller has it.
    """
    if raw.pages:
        from parsing.extract.article import join_pages

        single = raw.model_copy(update={"pages": (), "page_urls": ()})
        names = list(raw.page_urls[1:]) + [None] * len(raw.pages)
        docs = [extract_blocks(single, limits)]
        docs += [
            extract_blocks(
                single.model_copy(
                    update={"content": page, "filename": name, "media_type": None, "charset": None}
                ),
                limits,
            )
            for page, name in zip(raw.pages, names, strict=False)
        ]
        return join_pages(docs)[0]
    if len(raw.content) > MAX_BYTES:
        raise TooLargeError(f"document of {len(raw.content)} bytes exceeds {MAX_BYTES}")
    if not raw.content:  # whatever the name or type says: a 0-byte PDF is empty, not a non-report
        name = (raw.filename or raw.url or "document").rsplit("/", 1)[-1] or "document"
        raise EmptyDocumentError(f"{name}: empty file (0 bytes)")
    if fmt is None:
        fmt = detect_format(raw.content, raw.media_type, raw.filename or raw.url)
    check_size(raw.content, fmt, limits)
    if fmt in ("html", "text"):
        text, _enc, utf8 = decode_source(raw.content, raw.charset)
        if fmt == "text":
            return extract_text(text)
        doc = extract_html(text, utf8)  # the page's own UTF-8 bytes, when they are that
        if not doc.blocks and not _body_text(text):
            raise EmptyHtmlError("html: the page has no text in its <body> (blank or cut off)")
        return doc
    try:
        if fmt == "pdf":
            from parsing.extract.pdf import extract_pdf

            return extract_pdf(raw.content, limits=limits)
        if fmt == "docx":
            from parsing.extract.docx import extract_docx

            return extract_docx(raw.content, limits=limits)
        if fmt == "image":
            from parsing.extract.image import extract_image

            return extract_image(raw.content, limits=limits)
        from parsing.extract.office import extract_office

        return extract_office(raw.content, fmt, limits=limits)
    except ImportError as exc:
        raise UnsupportedFormatError(f"no extractor for {fmt}: {exc}") from exc


def _body_text(text: str) -> str:
    """Visible text of the page's ``<body>`` (scripts and styles left out)."""
    root = parse_tree(text)
    body = root.find(".//body")
    if body is None:
        return ""
    parts = [
        chunk
        for el in body.iter()
        if isinstance(el.tag, str) and el.tag not in ("script", "style", "noscript")
        for chunk in (el.text, el.tail if el is not body else None)
        if chunk
    ]
    return "".join(parts).strip()


def source_blocks(
    raw: RawDocument, limits: Limits = DEFAULT_LIMITS, fmt: str | None = None
) -> DocumentBlocks:
    """The blocks values are read from (and ``xxgk audit`` re-reads): extraction plus tables
    typed as text regrouped; grid indices of the provenance count in this document (``fmt``:
    ``detect_format`` of a one-page document when the caller has it)."""
    return regroup_text_tables(extract_blocks(raw, limits, fmt))


def _parse(raw: RawDocument, limits: Limits, fmt: str | None = None) -> Report:
    doc = source_blocks(raw, limits, fmt)
    with own_hosts(raw.url):
        spam = strip_document(doc)
    sections, _owner = split_sections(doc)
    legacy = read_legacy(doc, SOURCE_KIND.get(doc.format, "text_table"))  # pre-2019 statistics
    # legacy grids are never read as template tables; grid indices stay those of the document
    tables = read_tables(doc, spam.ambiguous_cells, skip=legacy.tables)
    meta = doc.meta
    doc = without_tables(doc, legacy.tables)
    paragraphs = [b.text for b in doc.blocks if isinstance(b, Paragraph)]

    title_src = doc.title or raw.title_hint or _title_from_paragraphs(paragraphs) or ""
    with own_hosts(raw.url):
        title_res = strip_text(clean_title(title_src), location="title")
    title = title_res.text
    removals = list(spam.removals) + title_res.removals

    has_tables = bool(tables.applications or tables.active_disclosure or tables.review_litigation)
    has_tables = has_tables or bool(legacy.figures)
    body = "\n".join(paragraphs)
    # A report title alone is not a report: article pages that merely link the attached report
    # carry the title too. Without tables we want sections or a real body of text.
    looks_like_report = len(sections) >= 3 or (
        is_report_title(title) and len(body) > 300 and to_simplified(body).count("信息公开") >= 2
    )
    if not has_tables and (not looks_like_report or is_lookalike_title(title)):
        raise NotAReportError(
            f"no report tables or sections found (title {title[:60]!r}, "
            f"{len(paragraphs)} paragraphs, {len(body)} characters)"
        )
    published, published_source = _published(raw, doc)
    body_text = sections.get("overall", "") + "\n" + body
    period, title_year = period_year(body_text), year_from_title(title)
    year, year_source, year_note = choose_year(
        period=period,
        title=title_year,
        hint=raw.year_hint,
        text=year_from_text(body_text) if _text_year_read(period, title_year, raw) else None,
        published=published,
    )
    if year is None:
        raise MissingYearError("no report year in title, hints, text or publication date")

    template = _template(tables, year)
    prose = None
    if not tables.active_disclosure and template != "legacy":  # table 二 written as sentences
        prose = active_from_prose(sections.get("active") or body, template)
        tables.active_disclosure = prose.rows
    issuer = publisher_from_title(title, None) if title else None
    sha256 = raw.sha256  # hashed once
    publisher, publisher_source, publisher_notes = choose_publisher(
        meta,
        issuer,
        raw.publisher,
        lambda: to_simplified(body_text),  # read only to confirm the registry's publisher
    )
    issues = _table_issues(tables, template)
    issues += _metadata_issues(publisher_notes, year_note)
    simple_publisher = to_simplified(publisher)
    who = identify(simple_publisher, raw.region_code)
    region_warnings = []
    if who.ambiguous:
        region_warnings.append(
            f"region: publisher name fits divisions {', '.join(who.ambiguous)}; "
            f"the site's region {raw.region_code} does not settle it, region_code left null"
        )
    report = Report(
        report_id=make_report_id(raw.url, sha256),
        year=year,
        publisher=simple_publisher,
        publisher_source=publisher_source,
        year_source=year_source,
        publisher_key=who.publisher_key,
        region_code=who.region_code,
        region_code_source=who.region_source,
        site=raw.site,
        source_url=raw.url or "",
        title=title,
        template=template,
        format=doc.format,
        published_date=published,
        published_date_source=published_source,
        fetched_at=raw.fetched_at,
        content_sha256=sha256,
        archive_uri=raw.archive_uri or "",
        parser_version=PARSER_VERSION,
        spam_detected=bool(removals) or spam.verdict != "clean",
        spam_chars_removed=sum(len(r.removed_text) for r in removals),
        spam_verdict=spam.verdict if removals or spam.verdict != "clean" else "clean",
        replacement_suspected=spam.replacement_suspected or title_res.replacement_suspected,
        text_overall=sections.get("overall") or None,
        text_problems=sections.get("problems") or None,
        text_other=sections.get("other") or None,
        sections=sections,
        active_disclosure=tables.active_disclosure,
        applications=tables.applications,
        review_litigation=tables.review_litigation,
        legacy_figures=legacy.figures,
        page_urls=list(raw.page_urls),
        ocr_confidence=doc.ocr_confidence,
        spam_removals=[
            SpamRemoval(location=r.location, removed_text=r.removed_text, detector=r.detector)
            for r in removals
        ],
        warnings=tables.warnings + sorted(doc.warnings) + sorted(doc.flags) + region_warnings,
        **completeness(tables, template),
    )
    if prose is not None and prose.rows:
        issues.append(
            ValidationIssue(
                rule="active_disclosure.from_prose",
                severity="warning",
                message="no table 二 grid: figures read from sentences: "
                + "; ".join(prose.fragments[:10]),
                expected="table 二 as a table",
                actual=str(len(prose.rows)),
            )
        )
    if template == "legacy":  # 一、概述 … 七、其他需要报告的事项: numbered their own way
        found = legacy_sections(doc)
        report.sections = {**report.sections, **found}
        report.text_overall = found.get("overall") or report.text_overall
        report.text_problems = found.get("problems") or report.text_problems
        report.text_other = found.get("other") or report.text_other
    if legacy.bad_cells:
        issues.append(
            ValidationIssue(
                rule="legacy.not_a_number",
                severity="warning",
                message="statistics cells that are not numbers: "
                + ", ".join(legacy.bad_cells[:10]),
                expected="a number or an empty cell",
                actual=str(len(legacy.bad_cells)),
            )
        )
    issues += validate_report(report)
    if doc.low_confidence_cells:  # scanned tables: cells left null rather than guessed
        issues.append(
            ValidationIssue(
                rule="ocr.low_confidence",
                severity="warning",
                message="table cells read with too little OCR confidence, left null: "
                + "; ".join(doc.low_confidence_cells[:10]),
                expected="every value cell read with confidence",
                actual=str(len(doc.low_confidence_cells)),
            )
        )
    issues += ambiguous_cell_issues(tables)
    others = [c for c in spam.quarantined_cells if c not in set(spam.ambiguous_cells)]
    if others:
        issues.append(
            ValidationIssue(
                rule="spam.quarantined_cells",
                severity="error",
                message="spam overlaps numbers in cells: " + ", ".join(others),
                expected="clean cells",
                actual=str(len(others)),
            )
        )
    report.validation_issues = issues
    report.validation_status = status_of(issues)
    return report


def _published(raw: RawDocument, doc: DocumentBlocks) -> tuple[date | None, str | None]:
    """The document's own date (``parsing.published``) before the crawler's article/list date."""
    own = parse_date(doc.published_date)
    if own is not None:
        return own, doc.published_date_source or "page_text"
    if raw.published_date is not None:
        return raw.published_date, raw.published_date_source or "list"
    return None, None


def _text_year_read(period: int | None, title_year: int | None, raw: RawDocument) -> bool:
    """Whether ``choose_year`` can take the body's most frequent year: only when the sources
    it tries first (period, title, hint) give none (tested against always reading it)."""
    return period is None and title_year is None and raw.year_hint is None


def _metadata_issues(publisher_notes: list[str], year_note: str | None) -> list[ValidationIssue]:
    """Warnings when the trusted sources of publisher or year disagree (the chosen one wins)."""
    issues = [
        ValidationIssue(
            rule="metadata.publisher_unconfirmed"
            if note.startswith("unconfirmed:")
            else "metadata.publisher_disagrees",
            severity="warning",
            message=note.removeprefix("unconfirmed: "),
            expected="one issuer in metadata and title",
            actual=note.split(", the title ")[-1],
        )
        for note in publisher_notes
    ]
    if year_note:
        issues.append(
            ValidationIssue(
                rule="metadata.year_disagrees",
                severity="warning",
                message=year_note + "; the statistics period is used",
                expected="the statistics period",
                actual=year_note,
            )
        )
    return issues


def _title_from_paragraphs(paragraphs: list[str]) -> str | None:
    for text in paragraphs[:8]:
        if len(text) <= 80 and is_report_title(text):
            return text
    return None


def _template(tables: TableReadout, year: int) -> str:
    found = tables.template_active or tables.template_applications
    if found:
        return found
    if year <= 2018:
        return "legacy"
    return "2021" if year >= 2021 else "2019"


def _table_issues(tables: TableReadout, template: str) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    if tables.bad_cells:
        issues.append(
            ValidationIssue(
                rule="values.not_a_number",
                severity="error",
                message="cells that are not numbers: " + ", ".join(tables.bad_cells[:10]),
                expected="a number or an empty cell",
                actual=str(len(tables.bad_cells)),
            )
        )
    if template != "legacy":
        missing = [
            name
            for name, rows in (
                ("active_disclosure (表二)", tables.active_disclosure),
                ("applications (表三)", tables.applications),
                ("review_litigation (表四)", tables.review_litigation),
            )
            if not rows
        ]
        if missing:
            issues.append(
                ValidationIssue(
                    rule="report.tables_missing",
                    severity="error",
                    message="template tables not found: " + ", ".join(missing),
                    expected="tables 二, 三 and 四",
                    actual=str(3 - len(missing)),
                )
            )
    if tables.warnings:  # duplicate rows dropped, short rows: a reader must see them
        issues.append(
            ValidationIssue(
                rule="tables.layout",
                severity="warning",
                message="; ".join(tables.warnings[:10]),
                expected="one full row per template row",
                actual=str(len(tables.warnings)),
            )
        )
    if tables.unmatched:
        issues.append(
            ValidationIssue(
                rule="labels.unmatched",
                severity="warning",
                message="rows with numbers whose label matched no template row: "
                + "; ".join(tables.unmatched[:10]),
                expected="a template label",
                actual=str(len(tables.unmatched)),
            )
        )
    issues += missing_row_issues(tables, template)  # a table found with rows not read
    return issues
