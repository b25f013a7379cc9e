"""Size, page and time limits shared by the attachment extractors (PDF, DOCX, office, OCR).

Every extractor checks its input against these before parsing, and checks a ``Deadline``
between pages or blocks, so a hostile or broken file yields ``TooLargeError`` (kind
``too_large``) or ``ParseTimeoutError`` (``timeout``) instead of exhausting memory or time.
The isolated worker pool (``parsing.pool``) enforces the same wall time, plus memory and
output size, from outside the parser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from parsing.errors import EmptyDocumentError, ParseTimeoutError, TooLargeError

MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one document (defaults fit every real report seen; raise with care)."""

    max_bytes: int = 64 * MB  # the input file itself, any format
    max_pages: int = 400  # PDF pages
    max_chars_per_page: int = 200_000  # PDF: more is a text bomb, not a report
    max_objects_per_page: int = 100_000  # PDF: chars + lines + rects + curves + images
    max_stream_bytes: int = 32 * MB  # PDF: one decompressed content/object stream
    max_page_stream_bytes: int = 48 * MB  # PDF: all decompressed content streams of a page
    max_document_stream_bytes: int = 256 * MB  # PDF: all decompressed streams of the file
    max_seconds: float = 120.0  # wall time for one document (checked between pages/blocks)
    zip_max_members: int = 5_000  # DOCX: number of parts
    zip_max_member_bytes: int = 64 * MB  # DOCX: one uncompressed part
    zip_max_total_bytes: int = 256 * MB  # DOCX: all uncompressed parts
    zip_max_ratio: float = 200.0  # DOCX: uncompressed/compressed for parts above 1 MB
    converter_timeout: float = 120.0  # LibreOffice / antiword, seconds
    ocr_timeout_per_page: float = 120.0  # tesseract, seconds per page
    max_ocr_pages: int = 60  # image-only PDFs are OCR'd up to this many pages
    max_image_pixels: int = 80_000_000  # decoded image size (8k x 10k)
    ocr_dpi: int = 300


DEFAULT_LIMITS = Limits()


def check_size(data: bytes, fmt: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse empty input and input larger than ``limits.max_bytes``."""
    if not data:
        raise EmptyDocumentError(f"{fmt}: empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"{fmt}: {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes"
        )


class Deadline:
    """A wall-clock budget; ``check`` raises ``ParseTimeoutError`` once it is spent."""

    def __init__(self, seconds: float, what: str) -> None:
        self.what = what
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self._end - time.monotonic())

    def check(self, where: str = "") -> None:
        """Raise when the budget is spent."""
        if time.monotonic() > self._end:
            suffix = f" at {where}" if where else ""
            raise ParseTimeoutError(
                f"{self.what}: gave up after {self.seconds:.0f} s{suffix} (time limit)"
            )
