"""DOCX attachments -> ``DocumentBlocks`` (python-docx to open the package, lxml walk of the body).

The package is checked first (zip bomb limits, no DOCTYPE/ENTITY in XML parts, see
``docx_safety``); python-docx then resolves the main document part and parses it with entity
resolution off. Merged table cells come out once with span copies (``Cell.origin``), as in the
HTML and PDF extractors, so the same report gives the same grid in every format.
"""

from __future__ import annotations

import io
import logging

from parsing.blocks import DocumentBlocks, Paragraph
from parsing.errors import CorruptDocumentError, ParseError, UnsupportedFormatError
from parsing.extract.docx_body import BodyWalker
from parsing.extract.docx_safety import check_package, open_zip
from parsing.extract.limits import DEFAULT_LIMITS, Deadline, Limits, check_size

log = logging.getLogger(__name__)


def extract_docx(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS, fmt: str = "docx"
) -> DocumentBlocks:
    """Extract paragraphs, tables and text boxes of a DOCX in reading order."""
    check_size(data, fmt, limits)
    with open_zip(data, fmt) as archive:
        check_package(archive, fmt, limits)
    try:
        return _extract(data, limits, fmt)
    except ParseError:
        raise
    except Exception as exc:  # python-docx / lxml raise KeyError, ValueError, XMLSyntaxError …
        raise CorruptDocumentError(f"{fmt}: cannot read ({type(exc).__name__}: {exc})") from exc


def _extract(data: bytes, limits: Limits, fmt: str) -> DocumentBlocks:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise CorruptDocumentError(f"{fmt}: not a Word package ({exc})") from exc
    except ValueError as exc:
        if "not a Word file" in str(exc):
            raise UnsupportedFormatError(f"{fmt}: {exc}") from exc
        raise
    deadline = Deadline(limits.max_seconds, fmt)
    walker = BodyWalker(check=deadline.check)
    walker.walk(document.element.body)
    doc = DocumentBlocks(blocks=walker.blocks, format=fmt, spam_removals=walker.spam)
    for block in doc.blocks[:5]:
        if isinstance(block, Paragraph) and "报告" in block.text and len(block.text) < 80:
            doc.title = block.text
            break
    if doc.title is None:
        title = (document.core_properties.title or "").strip()
        doc.title = title or None
    if not doc.blocks:
        doc.warnings.append(f"{fmt}: no text found")
    return doc
