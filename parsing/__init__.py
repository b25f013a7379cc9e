"""xxgk parsing: pure code from raw bytes to a typed, validated annual report.

Public API: ``parse_document``, ``RawDocument``, ``Report`` and the ``ParseError`` family.
"""

from __future__ import annotations

from parsing.errors import ParseError
from parsing.inputs import RawDocument, make_report_id
from parsing.models import Report
from parsing.pipeline import PARSER_VERSION, parse_document

__all__ = [
    "PARSER_VERSION",
    "ParseError",
    "RawDocument",
    "Report",
    "make_report_id",
    "parse_document",
]
