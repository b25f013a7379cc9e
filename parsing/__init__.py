"""xxgk parsing: pure code from raw bytes to a typed, validated annual report.

Public API: ``parse_document``, ``RawDocument``, ``Report`` and the ``ParseError`` family.
"""

from __future__ import annotations

from parsing import native

native.install()  # before any compiled module is imported: compiled build or plain sources

from parsing.errors import ParseError  # noqa: E402
from parsing.inputs import RawDocument, make_report_id  # noqa: E402
from parsing.models import Report  # noqa: E402
from parsing.pipeline import PARSER_VERSION, parse_document  # noqa: E402

__all__ = [
    "PARSER_VERSION",
    "ParseError",
    "RawDocument",
    "Report",
    "make_report_id",
    "parse_document",
]
