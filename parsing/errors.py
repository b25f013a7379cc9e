"""Typed errors raised by :mod:`parsing`. Nothing else ever escapes ``parse_document``."""

from __future__ import annotations


class ParseError(Exception):
    """Base class: every failure to turn bytes into a report.

    ``kind`` is a stable machine-readable reason used in error records.
    """

    kind = "parse_error"

    def __init__(self, message: str, *, url: str | None = None, sha256: str | None = None):
        super().__init__(message)
        self.message = message
        self.url = url
        self.sha256 = sha256

    def to_record(self) -> dict[str, str | None]:
        """Return a JSON-able error record."""
        return {"kind": self.kind, "message": self.message, "url": self.url, "sha256": self.sha256}


class UnsupportedFormatError(ParseError):
    """The bytes are in a format we cannot read here (or the converter is missing)."""

    kind = "format_unsupported"


class CorruptDocumentError(ParseError):
    """The document is truncated, corrupt, too large or too slow to read."""

    kind = "corrupt_document"


class TooLargeError(CorruptDocumentError):
    """A size cap was hit: file, stream, page, characters, objects, memory or output."""

    kind = "too_large"


class ParseTimeoutError(CorruptDocumentError):
    """The document took longer than its wall-time limit."""

    kind = "timeout"


class EmptyDocumentError(CorruptDocumentError):
    """The file has no bytes at all (any format: a 0-byte PDF is empty, not ``not_a_report``)."""

    kind = "empty_file"


class EmptyHtmlError(CorruptDocumentError):
    """An HTML page whose ``<body>`` holds no text (blank page, frameset, truncated head)."""

    kind = "empty_html"


class EmptyArchiveError(CorruptDocumentError):
    """A zip package (DOCX/XLSX) with no members, or without the parts a document needs."""

    kind = "empty_archive"


class WorkerDiedError(ParseError):
    """The isolated parse worker died (signal, crash) while reading this document."""

    kind = "worker_died"


class NotAReportError(ParseError):
    """The document is readable but is not an annual report (no report sections or tables)."""

    kind = "not_a_report"


class MissingYearError(ParseError):
    """No report year could be found in the document or its metadata."""

    kind = "missing_year"


class ParserBugError(ParseError):
    """An unexpected exception inside the parser, wrapped so callers see one error family."""

    kind = "parser_bug"


def out_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` or an exception it was raised from is a ``MemoryError``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class ArticleIncompleteError(ParseError):
    """A multi-page article with pages missing: never published from some of its pages."""

    kind = "article_incomplete"
