"""DOC / WPS / RTF and XLS / ET attachments, converted by a real converter (Debian packages).

Word-type files go through ``soffice --headless --convert-to docx`` and then the DOCX extractor,
so merged cells survive. Without LibreOffice, Word 97-2003 files fall back to antiword (text
with '|'-separated table rows; spans are lost, flag ``text_only_conversion``). Spreadsheets go
through LibreOffice's HTML export. With no converter, ``UnsupportedFormatError`` names the
packages to install (``scripts/install-converters.sh``).
"""

from __future__ import annotations

import logging

from parsing.blocks import Block, DocumentBlocks, Paragraph, Table
from parsing.errors import CorruptDocumentError, ParseError, UnsupportedFormatError
from parsing.extract.doc_text import clean, is_page_number
from parsing.extract.docx import extract_docx
from parsing.extract.limits import DEFAULT_LIMITS, Limits, check_size
from parsing.extract.office_convert import (
    antiword_path,
    antiword_text,
    soffice_convert,
    soffice_path,
)
from parsing.extract.office_html import blocks_from_calc_html

log = logging.getLogger(__name__)

WORD_SUFFIXES = {".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt"}
SHEET_SUFFIXES = {".xls", ".xlt", ".et", ".ett", ".xlsx", ".ods"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HINT_WRITER = "apt-get install libreoffice-writer-nogui (or antiword for .doc text only)"
HINT_CALC = "apt-get install libreoffice-calc-nogui"


def extract_office(data: bytes, suffix: str, *, limits: Limits = DEFAULT_LIMITS) -> DocumentBlocks:
    """Extract a DOC/WPS/RTF/XLS/ET attachment via LibreOffice (or antiword for DOC)."""
    suffix = "." + suffix.lower().lstrip(".")
    check_size(data, suffix[1:], limits)
    if suffix not in WORD_SUFFIXES | SHEET_SUFFIXES:
        raise UnsupportedFormatError(f"office: no converter for {suffix} files")
    if data.startswith(b"PK") and suffix in WORD_SUFFIXES:
        doc = extract_docx(data, limits=limits)  # a DOCX saved with a .doc/.wps name
        doc.warnings.append(f"{suffix[1:]}: the file is a DOCX package")
        return doc
    if data.startswith(OLE2):
        _check_ole2_header(data, suffix)
    try:
        if suffix in SHEET_SUFFIXES:
            return _sheet(data, suffix, limits)
        return _word(data, suffix, limits)
    except ParseError:
        raise
    except Exception as exc:  # converter output we could not read
        raise CorruptDocumentError(
            f"{suffix[1:]}: conversion failed ({type(exc).__name__}: {exc})"
        ) from exc


def _check_ole2_header(data: bytes, suffix: str) -> None:
    """A compound file needs its byte-order mark and a 512/4096-byte sector size."""
    shift = int.from_bytes(data[30:32], "little") if len(data) >= 512 else 0
    if data[28:30] != b"\xfe\xff" or shift not in (9, 12):
        raise CorruptDocumentError(f"{suffix[1:]}: damaged OLE2 (Word/Excel 97-2003) header")


def _word(data: bytes, suffix: str, limits: Limits) -> DocumentBlocks:
    if soffice_path() is not None:
        converted = soffice_convert(data, suffix, "docx", timeout=limits.converter_timeout)
        doc = extract_docx(converted, limits=limits, fmt="doc")
        doc.flags.add("converted")
        return doc
    if antiword_path() is not None and data.startswith(OLE2):
        text = antiword_text(data, timeout=limits.converter_timeout)
        doc = DocumentBlocks(blocks=blocks_from_antiword(text), format="doc")
        doc.flags.update({"converted", "text_only_conversion"})
        doc.warnings.append(f"{suffix[1:]}: converted by antiword: merged cells are not kept")
        return doc
    raise UnsupportedFormatError(
        f"{suffix[1:]}: no converter installed for Word 97-2003/WPS files; install: {HINT_WRITER}"
        " (scripts/install-converters.sh)"
    )


def _sheet(data: bytes, suffix: str, limits: Limits) -> DocumentBlocks:
    if soffice_path() is None:
        raise UnsupportedFormatError(
            f"{suffix[1:]}: no converter installed for spreadsheets; install: {HINT_CALC}"
            " (scripts/install-converters.sh)"
        )
    html = soffice_convert(data, suffix, "html", timeout=limits.converter_timeout)
    doc = DocumentBlocks(blocks=blocks_from_calc_html(html), format="doc", flags={"converted"})
    if not doc.blocks:
        doc.warnings.append(f"{suffix[1:]}: no cells found")
    return doc


def blocks_from_antiword(text: str) -> list[Block]:
    """antiword output: '|a|b|' lines become table rows, other lines paragraphs."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|") and line.endswith("|") and len(line) > 1:
            rows.append([clean(cell) for cell in line[1:-1].split("|")])
            continue
        if rows:
            blocks.append(Table.from_strings(rows))
            rows = []
        line = clean(line)
        if line and not is_page_number(line):
            blocks.append(Paragraph(line))
    if rows:
        blocks.append(Table.from_strings(rows))
    return blocks
