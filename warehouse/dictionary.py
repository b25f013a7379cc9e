"""The data dictionary in code: one description per column, written into every Parquet file as
the Arrow field metadata ``description`` (readers show it: ``pq.read_schema(f).field(c).metadata``).

Keep it in step with ``docs/DATASETS.md``: ``tests/warehouse/test_wh_contract.py`` checks that
every column of every table has a description here and is documented there.
"""

from __future__ import annotations

import pyarrow as pa

DESCRIPTION_KEY = b"description"

_ID = {
    "report_id": "Stable id of the source document (same canonical URL, same id, across runs).",
    "year": "Year the report covers (Hive partition key, int16).",
}

# Columns that other work adds to the same tables (provenance, sources, legacy tables): their
# descriptions live here too, so the files describe every column whatever lands first.
_PROVENANCE = {
    "source_kind": "Where the value was read: html_table, pdf_table, docx_table, text_table, "
    "ocr_table or prose.",
    "source_page": "1-based page (PDF page, article page or scanned image); null for one page.",
    "source_table": "0-based index of the table grid in the document.",
    "source_row": "0-based row in the span-expanded grid.",
    "source_col": "0-based column in the span-expanded grid.",
    "source_text": "The cell text exactly as printed.",
}
_APPLICATION_PROVENANCE = _PROVENANCE | {
    "source_col": "0-based grid column of each value column (natural_person … total).",
    "source_text": "The printed text of each value cell (natural_person … total).",
}
_CELLS = {
    f"{table}_cells_{kind}": f"Cells of table {label}: {meaning}."
    for table, label in (
        ("active_disclosure", "二"),
        ("applications", "三"),
        ("review_litigation", "四"),
    )
    for kind, meaning in (
        ("expected", "number the template expects"),
        ("found", "number read with a value"),
        ("null", "number left null (empty or unreadable)"),
        ("quarantined", "number withheld because spam touched them"),
    )
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "reports": {
        **_ID,
        "publisher": "Issuing body as printed, simplified Chinese, spam-free.",
        "region_code": "6-digit GB/T 2260 administrative division code where known.",
        "site": "Name of the site in the site registry.",
        "source_url": "URL the document was fetched from (after redirects).",
        "title": "Clean title of the report.",
        "template": "National template: 2019, 2021 (revision) or legacy.",
        "format": "Document format: html, pdf, docx, doc, text or image.",
        "published_date": "Date the site gives for the report.",
        "fetched_at": "When the capture was made (UTC); null for local files.",
        "content_sha256": "sha256 of the raw bytes as archived.",
        "archive_uri": "Where the raw capture lives (WARC file and record offset).",
        "parser_version": "Version of the parser that produced the row.",
        "spam_detected": "Injected spam was found in the document.",
        "spam_chars_removed": "Characters of spam removed.",
        "validation_status": "Parser's per-document status: valid, warning or invalid.",
        "text_overall": "Clean text of section 一 (总体情况).",
        "text_problems": "Clean text of section 五 (存在的主要问题及改进情况).",
        "text_other": "Clean text of section 六 (其他需要报告的事项).",
        "spam_verdict": "Spam stripper's verdict: clean, cleaned, cleaned_with_gaps or quarantine.",
        "replacement_suspected": "The page looks replaced by unrelated content.",
        "is_current": "The version to use among reports of one publisher and year.",
        "publisher_source": "Where the publisher name came from (meta, index table, title, …).",
        "year_source": "Where the report year came from (meta, index table, title, …).",
        "publisher_key": "Stable key of the publisher (joins the publishers table).",
        "region_code_source": "Where region_code came from (publisher name, site, …).",
        "published_date_source": "Where published_date came from (meta, page, list, …).",
        "page_urls": "Every page URL of a multi-page article (empty for one page).",
        "ocr_confidence": "Scanned reports: mean OCR word confidence (0-100); null otherwise.",
        **_CELLS,
    },
    "active_disclosure": {
        **_ID,
        "article": "Article of table 二: 20.1, 20.5, 20.6, 20.8 or 20.9.",
        "item": "Canonical row label of table 二, e.g. 规章, 行政许可.",
        "metric": "Column of table 二, e.g. new_published, in_force, decisions.",
        "value": "The number as printed; null for an empty or unreadable cell.",
        "unit": "Unit as printed (万元, 元, 件, 项); amounts stay in the printed unit.",
        **_PROVENANCE,
    },
    "applications": {
        **_ID,
        "row_code": "Row of table 三: 1, 2, 3.1 … 3.7, 4.",
        "row_label": "Row label as in the national template.",
        "natural_person": "Count for 自然人; null = cell empty.",
        "commercial_enterprise": "Count for 商业企业; null = cell empty.",
        "research_institution": "Count for 科研机构; null = cell empty.",
        "social_welfare_org": "Count for 社会公益组织; null = cell empty.",
        "legal_service_org": "Count for 法律服务机构; null = cell empty.",
        "other_org": "Count for 其他 (legal persons or other organisations); null = cell empty.",
        "total": "Count for 总计; null = cell empty.",
        **_APPLICATION_PROVENANCE,
    },
    "review_litigation": {
        **_ID,
        "proceeding": "review, litigation_direct or litigation_after_review (table 四).",
        "outcome": "upheld, corrected, other, pending or total.",
        "value": "The number as printed; null for an empty or unreadable cell.",
        **_PROVENANCE,
    },
    "validation_issues": {
        **_ID,
        "rule": "Stable id of the failed check, e.g. applications.balance.",
        "severity": "error or warning.",
        "message": "What failed, in words.",
        "expected": "Expected value, when the rule has a single one.",
        "actual": "Value found, when the rule has a single one.",
    },
    "spam_removals": {
        **_ID,
        "location": "Where in the document the span was removed.",
        "removed_text": "The removed text, verbatim.",
        "detector": "Which detector flagged the span.",
    },
    "legacy_figures": {
        **_ID,
        "section": "Section of a pre-2019 report the figure was printed in.",
        "label": "Row label as printed.",
        "unit": "Unit as printed.",
        "value": "The figure as printed; null for an empty or unreadable cell.",
        "cumulative": "历年累计 (cumulative) figure where printed.",
        **_PROVENANCE,
    },
}


def description(table: str, column: str) -> str | None:
    """The dictionary's description of ``table.column`` (``None`` when missing)."""
    return DESCRIPTIONS.get(table, {}).get(column)


def with_descriptions(schema: pa.Schema) -> pa.Schema:
    """``schema`` with each field's ``description`` metadata set from the dictionary.

    The table name is read from the schema's ``xxgk.table`` metadata.
    """
    table = (schema.metadata or {}).get(b"xxgk.table", b"").decode()
    fields = []
    for f in schema:
        text = description(table, f.name)
        if text is not None:
            meta = dict(f.metadata or {})
            meta[DESCRIPTION_KEY] = text.encode()
            f = f.with_metadata(meta)
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)
