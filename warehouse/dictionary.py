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
    },
    "active_disclosure": {
        **_ID,
        "article": "Article of table 二: 20.1, 20.5, 20.6, 20.8 or 20.9.",
        "item": "Canonical row label of table 二, e.g. 规章, 行政许可.",
        "metric": "Column of table 二, e.g. new_published, in_force, decisions.",
        "value": "The number as printed; null for an empty or unreadable cell.",
        "unit": "Unit as printed (万元, 元, 件, 项); amounts stay in the printed unit.",
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
    },
    "review_litigation": {
        **_ID,
        "proceeding": "review, litigation_direct or litigation_after_review (table 四).",
        "outcome": "upheld, corrected, other, pending or total.",
        "value": "The number as printed; null for an empty or unreadable cell.",
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
