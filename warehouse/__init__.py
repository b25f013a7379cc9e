"""xxgk warehouse: the published datasets as Hive-partitioned Parquet (the only writer).

Public API (stable; the CLI and flows call exactly these):

- ``publish(reports, root, *, filesystem=None) -> PublishResult``: replace the rows of these
  reports (``Report``, or ``Spooled``: a report with its ``model_dump_json()`` bytes, hashed as
  they are)
  reports (keyed by ``report_id``) in every table, with work proportional to the change:
  unchanged reports skipped by content hash, new ones appended as new files, replaced ones
  rewritten only in the files that hold them. One journal commit, serialised by a lock,
  idempotent. Recomputes the cross-year issues and ``is_current`` of the affected publishers.
- ``read_table(name, root, years=None, *, columns=None, filesystem=None) -> pyarrow.Table``:
  one table with the contract types (``year`` int16 included).
- ``summary(root) -> pyarrow.Table``: per ``(year, site)`` counts of reports, valid, warning,
  invalid, quarantined (``spam_verdict == 'quarantine'``) and spam_detected.
- ``compact(root) -> CompactResult``: one file per leaf, older schema versions and layouts
  upgraded, stale temp files removed (``xxgk compact``; a publish compacts size-tiered on its
  own when a leaf passes ``XXGK_MAX_FILES_PER_PARTITION`` files, default 8).
- ``TABLES``, ``SCHEMAS``, ``SCHEMA_VERSION``, ``schema(name)``: the declared Arrow schemas.

``root`` is the warehouse directory (``<data-dir>/warehouse``): a local path, a ``file://``
URI, or any pyarrow filesystem URI such as ``s3://bucket/prefix`` (single writer there).
Layout and reader recipes: ``docs/DATASETS.md``.
"""

from __future__ import annotations

from warehouse.memory import use_reusing_pool

use_reusing_pool()  # before any Arrow buffer of ours: see warehouse.memory

from warehouse.compact import CompactResult, compact  # noqa: E402
from warehouse.publish import PublishResult, publish  # noqa: E402
from warehouse.read import read_table, summary  # noqa: E402
from warehouse.rows import Spooled, reports_to_tables  # noqa: E402
from warehouse.schemas import (  # noqa: E402
    SCHEMA_VERSION,
    SCHEMAS,
    TABLES,
    file_schema,
    partitioning_schema,
    schema,
)

__all__ = [
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TABLES",
    "CompactResult",
    "PublishResult",
    "Spooled",
    "compact",
    "file_schema",
    "partitioning_schema",
    "publish",
    "read_table",
    "reports_to_tables",
    "schema",
    "summary",
]
