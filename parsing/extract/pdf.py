"""PDF attachments -> ``DocumentBlocks``: text lines as paragraphs, ruled tables as grids.

pdfplumber (MIT) reads text and table lines (about 20 ms a page); PDFium (pypdfium2) supplies the
text render mode for invisible-text detection and renders image-only pages for OCR. PyMuPDF is
not used (AGPL). Invisible characters (render mode 3, white on white, tiny, off-page) are dropped
and recorded as ``SpamRemovalRecord(detector='pdf_invisible')``. A document whose pages carry no
text but images is OCR'd and returned as format 'image' with flag 'image_only'.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import pdfplumber
import pypdfium2 as pdfium

from parsing.blocks import Block, DocumentBlocks, Paragraph, SpamRemovalRecord
from parsing.errors import CorruptDocumentError, ParseError, TooLargeError, UnsupportedFormatError
from parsing.extract.doc_text import is_page_number, join_lines
from parsing.extract.image import (
    blocks_from_ocr_lines,
    ocr_image,
    require_tesseract,
    tesseract_languages,
)
from parsing.extract.limits import DEFAULT_LIMITS, Deadline, Limits, check_size
from parsing.extract.pdf_caps import check_page, measure_streams
from parsing.extract.pdf_columns import MIN_ROWS, borderless_tables
from parsing.extract.pdf_invisible import (
    background_boxes,
    image_area_ratio,
    invisible_chars,
    invisible_text_boxes,
    page_ocr_layer,
    runs,
)
from parsing.extract.pdf_tables import PdfTable, can_continue, merge_continuation, read_table

log = logging.getLogger(__name__)

TABLE_SETTINGS: dict[str, Any] = {"snap_tolerance": 3, "join_tolerance": 3}
HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．](?!\d))"
)


@dataclass
class _Line:
    page: int
    top: float
    text: str
    x0: float
    x1: float
    size: float


@dataclass
class _Page:
    number: int  # 1-based
    items: list[_Line | PdfTable]
    image_only: bool = False


def extract_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> DocumentBlocks:
    """Extract paragraphs and tables of a PDF (OCR when it is image-only)."""
    check_size(data, "pdf", limits)
    if b"%PDF-" not in data[:1024]:
        raise CorruptDocumentError("pdf: no %PDF- header (not a PDF, or damaged)")
    try:
        return _extract(data, limits)
    except ParseError:
        raise
    except Exception as exc:  # pdfminer/pdfium raise many types on damaged files
        raise CorruptDocumentError(f"pdf: cannot read ({type(exc).__name__}: {exc})") from exc


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnsupportedFormatError("pdf: encrypted with a password") from exc
        raise CorruptDocumentError(f"pdf: damaged or truncated ({exc})") from exc


def _extract(data: bytes, limits: Limits) -> DocumentBlocks:
    deadline = Deadline(limits.max_seconds, "pdf")
    sizes = measure_streams(data, limits)  # decompression caps before anything inflates
    document = _open_pdfium(data)
    try:
        if len(document) > limits.max_pages:
            raise TooLargeError(
                f"pdf: {len(document)} pages exceeds the limit of {limits.max_pages}"
            )
        doc = DocumentBlocks(blocks=[], format="pdf")
        pages: list[_Page] = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index, page in enumerate(pdf.pages):
                deadline.check(f"page {index + 1}")
                check_page(page.page_obj, index + 1, sizes, limits)
                pages.append(_read_page(page, index, document, doc, limits))
                page.close()
        _ocr_pages(pages, document, doc, limits, deadline)
    finally:
        document.close()
    doc.blocks = _assemble(pages)
    for block in doc.blocks[:5]:
        if isinstance(block, Paragraph) and "报告" in block.text and len(block.text) < 80:
            doc.title = block.text
            break
    if not doc.blocks:
        doc.warnings.append("pdf: no text found")
    return doc


def _read_page(
    page: Any, index: int, document: pdfium.PdfDocument, doc: DocumentBlocks, limits: Limits
) -> _Page:
    number = index + 1
    chars: list[dict[str, Any]] = page.chars
    if len(chars) > limits.max_chars_per_page:
        raise TooLargeError(
            f"pdf: page {number} has {len(chars)} characters (limit {limits.max_chars_per_page})"
        )
    objects = sum(len(found) for found in page.objects.values())
    if objects > limits.max_objects_per_page:
        raise TooLargeError(
            f"pdf: page {number} has {objects} objects (limit {limits.max_objects_per_page})"
        )
    images = page.images
    ratio = image_area_ratio(images, float(page.width), float(page.height))
    hidden: list[dict[str, Any]] = []
    if chars:
        bbox = (float(page.bbox[0]), float(page.bbox[1]), float(page.bbox[2]), float(page.bbox[3]))
        hidden = invisible_chars(
            chars, bbox, invisible_text_boxes(document, index), background_boxes(page.rects, images)
        )
    if hidden and page_ocr_layer(chars, hidden, ratio):
        doc.flags.add("ocr_text_layer")
        hidden = []
    for text in runs(chars, hidden):
        doc.spam_removals.append(
            SpamRemovalRecord(
                location=f"pdf:p{number}", removed_text=text, detector="pdf_invisible"
            )
        )
    hidden_ids = {id(c) for c in hidden}
    visible = [c for c in chars if id(c) not in hidden_ids]
    if not any(c["text"].strip() for c in visible):
        return _Page(number, [], image_only=bool(images) and ratio >= 0.2)
    view = page.filter(lambda o: o.get("object_type") != "char" or id(o) not in hidden_ids)
    items: list[_Line | PdfTable] = []
    boxes = []
    for found in view.find_tables(TABLE_SETTINGS):
        table = read_table(list(found.cells), visible, number, float(found.bbox[1]))
        if table is not None:
            items.append(table)
            boxes.append(found.bbox)

    def outside(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    text_view = view.filter(outside) if boxes else view
    for line in text_view.extract_text_lines(strip=True, return_chars=True):
        text = line["text"].strip()
        if not text or _is_page_number(text, float(line["top"]), float(page.height)):
            continue
        size = max((float(c.get("size") or 0) for c in line["chars"]), default=10.0)
        items.append(_Line(number, float(line["top"]), text, line["x0"], line["x1"], size))
    items = _borderless(items, text_view, number)  # issue 12: unruled tables by x position
    items.sort(key=lambda item: item.top)
    return _Page(number, items)


_SPACED_NUMBERS = re.compile(r"(?<![\d.,])\d[\d,.]*\s+[-—－/]?\d")
# a label then one number set apart at the end of the line (table 二's "行政许可 1,038")
_LABEL_NUMBER = re.compile(r"[\u4e00-\u9fff）)]\s+[+\-增减]?\d[\d,]*(?:\.\d+)?(?:万元|%)?$")


def _borderless(items: list[_Line | PdfTable], view: Any, number: int) -> list[_Line | PdfTable]:
    """Replace the text lines of tables drawn without ruling lines by their grids."""
    texts = [it.text for it in items if isinstance(it, _Line)]
    if (
        not any(_SPACED_NUMBERS.search(t) for t in texts)
        and sum(bool(_LABEL_NUMBER.search(t)) for t in texts) < MIN_ROWS
    ):
        return items  # no line with separate numbers: no unruled table (skip word boxes)
    found = borderless_tables(view.extract_words(x_tolerance=1.5))
    if not found:
        return items
    kept = [
        it
        for it in items
        if not (isinstance(it, _Line) and any(f.top - 1 <= it.top <= f.bottom + 1 for f in found))
    ]
    base = float(number * 10_000)  # column edges unique per table: never merged across pages
    return kept + [
        PdfTable(number, f.top, [base + n * 100, base + n * 100 + 1], [], f.table.rows)
        for n, f in enumerate(found)
    ]


def _is_page_number(text: str, top: float, height: float) -> bool:
    return is_page_number(text) or (text.isdigit() and len(text) <= 4 and top > 0.88 * height)


def _ocr_pages(
    pages: list[_Page],
    document: pdfium.PdfDocument,
    doc: DocumentBlocks,
    limits: Limits,
    deadline: Deadline,
) -> None:
    scanned = [p for p in pages if p.image_only]
    if not scanned:
        return
    all_scanned = all(p.image_only or not p.items for p in pages)
    if all_scanned:
        doc.format = "image"
        doc.flags.update({"image_only", "ocr"})
    else:
        doc.flags.update({"partly_image", "ocr"})
    if tesseract_languages() is None:
        if all_scanned:
            require_tesseract()  # raises UnsupportedFormatError naming the packages
        doc.flags.discard("ocr")
        doc.warnings.append(f"pdf: {len(scanned)} image-only pages not OCR'd (no tesseract)")
        return
    for n, page in enumerate(scanned):
        if n >= limits.max_ocr_pages:
            doc.warnings.append(f"pdf: OCR stopped after {limits.max_ocr_pages} pages (limit)")
            break
        deadline.check(f"OCR of page {page.number}")
        rendered = document[page.number - 1].render(scale=limits.ocr_dpi / 72)
        image = rendered.to_pil()
        timeout = min(limits.ocr_timeout_per_page, max(1.0, deadline.remaining()))
        lines = ocr_image(image, dpi=limits.ocr_dpi, timeout=timeout)
        page.items = [
            _Line(page.number, float(i), text, 0.0, 0.0, 0.0) for i, text in enumerate(lines)
        ]


def _assemble(pages: list[_Page]) -> list[Block]:
    """Order blocks, merge continued tables and wrapped paragraph lines."""
    items = [item for page in pages for item in page.items]
    ocr_pages = {p.number for p in pages if p.image_only}
    text_lines = [i for i in items if isinstance(i, _Line) and i.page not in ocr_pages]
    left = min((i.x0 for i in text_lines), default=0.0)
    right = max((i.x1 for i in text_lines), default=0.0)
    blocks: list[Block] = []
    last_table: PdfTable | None = None
    previous: _Line | None = None
    pending_ocr: list[str] = []

    def flush_ocr() -> None:
        if pending_ocr:
            blocks.extend(blocks_from_ocr_lines(pending_ocr))
            pending_ocr.clear()

    for item in items:
        if isinstance(item, PdfTable):
            flush_ocr()
            if last_table is not None and can_continue(last_table, item):
                last_table = merge_continuation(last_table, item)
                blocks[-1] = last_table.table()
                continue
            last_table = item
            blocks.append(item.table())
            previous = None
            continue
        if item.page in ocr_pages:
            pending_ocr.append(item.text)
            last_table = None
            continue
        flush_ocr()
        if previous is not None and _continues(previous, item, left, right):
            last = blocks[-1]
            assert isinstance(last, Paragraph)
            last.text = join_lines([last.text, item.text])
        else:
            blocks.append(Paragraph(item.text))
        last_table = None
        previous = item
    flush_ocr()
    return blocks


def _continues(previous: _Line, line: _Line, left: float, right: float) -> bool:
    """True when ``line`` wraps the paragraph of ``previous`` (which filled its line)."""
    size = previous.size or 10.0
    return (
        previous.x1 >= right - 1.5 * size
        and line.x0 <= left + 0.5 * size
        and not HEADING.match(line.text)
        and not HEADING.match(previous.text)
        and line.page - previous.page <= 1
    )
