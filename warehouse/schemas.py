"""The Arrow schemas of the published tables: the storage contract of ``docs/DATASETS.md``.

Every table is declared here, never inferred. ``year`` (int16) is the Hive partition key: it is
part of the logical schema (:data:`SCHEMAS`) but not stored inside the Parquet files
(:func:`file_schema`), so plain Hive readers see it exactly once.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from warehouse.dictionary import description

SCHEMA_VERSION = 2  # 2: reports.is_current
PARTITION_FIELD = "year"
METADATA_VERSION_KEY = b"xxgk.schema_version"
METADATA_TABLE_KEY = b"xxgk.table"

_COUNT = pa.int64()
_UTC_US = pa.timestamp("us", tz="UTC")


def _f(name: str, typ: pa.DataType, nullable: bool = False) -> pa.Field:
    return pa.field(name, typ, nullable=nullable)


_ID = [_f("report_id", pa.string()), _f(PARTITION_FIELD, pa.int16())]
# Where a value was read (docs/DATASETS.md "Provenance"); the capture is the report's
# content_sha256 / archive_uri.
_PROVENANCE = [
    _f("source_kind", pa.string(), True),
    _f("source_page", pa.int32(), True),
    _f("source_table", pa.int32(), True),
    _f("source_row", pa.int32(), True),
]

_FIELDS: dict[str, list[pa.Field]] = {
    "reports": [
        *_ID,
        _f("publisher", pa.string()),
        _f("region_code", pa.string(), True),
        _f("site", pa.string()),
        _f("source_url", pa.string()),
        _f("title", pa.string()),
        _f("template", pa.string()),
        _f("format", pa.string()),
        _f("published_date", pa.date32(), True),
        # null only for documents parsed without a capture time (local files)
        _f("fetched_at", _UTC_US, True),
        _f("content_sha256", pa.string()),
        _f("archive_uri", pa.string()),
        _f("parser_version", pa.string()),
        _f("spam_detected", pa.bool_()),
        _f("spam_chars_removed", pa.int32()),
        _f("validation_status", pa.string()),
        _f("text_overall", pa.string(), True),
        _f("text_problems", pa.string(), True),
        _f("text_other", pa.string(), True),
        # extra columns (allowed by the contract)
        _f("spam_verdict", pa.string()),
        _f("replacement_suspected", pa.bool_()),
        _f("is_current", pa.bool_()),
        # every page URL of a multi-page article (empty for a one-page document)
        _f("page_urls", pa.list_(pa.string())),
        # scanned reports: mean OCR word confidence (0-100); null for text formats
        _f("ocr_confidence", pa.float64(), True),
        _f("publisher_source", pa.string(), True),
        _f("year_source", pa.string(), True),
        *[
            _f(f"{t}_cells_{k}", pa.int32(), True)
            for t in ("active_disclosure", "applications", "review_litigation")
            for k in ("expected", "found", "null", "quarantined")
        ],
    ],
    "active_disclosure": [
        *_ID,
        _f("article", pa.string()),
        _f("item", pa.string()),
        _f("metric", pa.string()),
        _f("value", pa.float64(), True),
        _f("unit", pa.string(), True),
        *_PROVENANCE,
        _f("source_col", pa.int32(), True),
        _f("source_text", pa.string(), True),
    ],
    "applications": [
        *_ID,
        _f("row_code", pa.string()),
        _f("row_label", pa.string()),
        _f("natural_person", _COUNT, True),
        _f("commercial_enterprise", _COUNT, True),
        _f("research_institution", _COUNT, True),
        _f("social_welfare_org", _COUNT, True),
        _f("legal_service_org", _COUNT, True),
        _f("other_org", _COUNT, True),
        _f("total", _COUNT, True),
        *_PROVENANCE,
        # aligned with the seven value columns natural_person … total
        _f("source_col", pa.list_(pa.int32()), True),
        _f("source_text", pa.list_(pa.string()), True),
    ],
    "review_litigation": [
        *_ID,
        _f("proceeding", pa.string()),
        _f("outcome", pa.string()),
        _f("value", _COUNT, True),
        *_PROVENANCE,
        _f("source_col", pa.int32(), True),
        _f("source_text", pa.string(), True),
    ],
    "validation_issues": [
        *_ID,
        _f("rule", pa.string()),
        _f("severity", pa.string()),
        _f("message", pa.string()),
        _f("expected", pa.string(), True),
        _f("actual", pa.string(), True),
    ],
    "spam_removals": [
        *_ID,
        _f("location", pa.string()),
        _f("removed_text", pa.string()),
        _f("detector", pa.string()),
    ],
    "legacy_figures": [
        *_ID,
        _f("section", pa.string(), True),
        _f("label", pa.string()),
        _f("unit", pa.string(), True),
        _f("value", pa.float64(), True),
        _f("cumulative", pa.float64(), True),
        _f("source_kind", pa.string(), True),
        _f("source_page", pa.int32(), True),
        _f("source_table", pa.int32(), True),
        _f("source_row", pa.int32(), True),
        _f("source_text", pa.string(), True),
    ],
}

TABLES: tuple[str, ...] = tuple(_FIELDS)
"""The published tables, in publish order (``reports`` first)."""

CHILD_TABLES: tuple[str, ...] = TABLES[1:]


def _metadata(name: str) -> dict[bytes, bytes]:
    return {METADATA_VERSION_KEY: str(SCHEMA_VERSION).encode(), METADATA_TABLE_KEY: name.encode()}


SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema(fields, metadata=_metadata(name)) for name, fields in _FIELDS.items()
}
"""Logical schema per table, including the ``year`` partition column."""


def schema(name: str) -> pa.Schema:
    """The logical Arrow schema of table ``name`` (raises ``KeyError`` for unknown names)."""
    if name not in SCHEMAS:
        raise KeyError(f"unknown warehouse table {name!r}; known: {', '.join(TABLES)}")
    return SCHEMAS[name]


def file_schema(name: str) -> pa.Schema:
    """The schema stored in each Parquet file: the logical schema without ``year``."""
    full = schema(name)
    return full.remove(full.get_field_index(PARTITION_FIELD))


def partitioning_schema() -> pa.Schema:
    """The Hive partition schema (``year: int16``) to pass to readers for exact types."""
    return pa.schema([pa.field(PARTITION_FIELD, pa.int16())])


def conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    """Reorder/cast ``table`` to ``target``; columns missing in ``table`` become nulls.

    Used to read files written by an older schema version (columns are only ever added).
    """
    columns: list[pa.Array | pa.ChunkedArray] = []
    for field in target:
        if field.name in table.column_names:
            col = table.column(field.name)
            columns.append(col if col.type == field.type else col.cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=target)


def schema_document(name: str) -> dict[str, Any]:
    """The JSON-able description written to ``_schemas/<table>.json``."""
    return {
        "table": name,
        "schema_version": SCHEMA_VERSION,
        "partitioning": {"flavor": "hive", "fields": {PARTITION_FIELD: "int16"}},
        "compression": "zstd",
        "columns": [
            {
                "name": f.name,
                "type": str(f.type),
                "nullable": f.nullable,
                "description": description(name, f.name),
            }
            for f in schema(name)
        ],
    }


def schema_json(name: str) -> bytes:
    """``schema_document`` serialised deterministically."""
    return (json.dumps(schema_document(name), ensure_ascii=False, indent=2) + "\n").encode()
