"""Image reports (图片版) and image-only PDF pages: OCR with Tesseract (chi_sim, --psm 4, 300 dpi).

Tesseract is a Debian package (``tesseract-ocr`` + ``tesseract-ocr-chi-sim``, see
scripts/install-converters.sh); without it ``UnsupportedFormatError`` says what to install.
Tables are rebuilt from the page's ruling lines and Tesseract's word boxes
(:mod:`parsing.extract.ocr_grid`); a value cell read with low confidence is left empty and
listed in ``low_confidence_cells``. ``blocks_from_ocr_lines`` (runs of number-bearing text lines
as rows) remains for OCR text without geometry.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable

from PIL import Image, ImageSequence, UnidentifiedImageError

from parsing.blocks import Block, DocumentBlocks, Paragraph, Table
from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.article import set_page
from parsing.extract.doc_text import clean, is_page_number
from parsing.extract.limits import DEFAULT_LIMITS, Deadline, Limits, check_size
from parsing.extract.ocr_grid import read_page

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-chi-sim (scripts/install-converters.sh)"
_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”、，。：；（）]"
_CJK_GAP = re.compile(rf"(?<={_CJK}) +(?={_CJK})")
_NUMBER = re.compile(r"^[+\-增减]?[0-9０-９][0-9０-９,，.．]*(?:万元|元|%)?$")


@functools.lru_cache(maxsize=1)
def tesseract_languages() -> str | None:
    """'chi_sim+eng' (or 'chi_sim') when tesseract with Chinese data is installed, else None."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    langs = set(done.stdout.split())
    if "chi_sim" not in langs:
        return None
    return "chi_sim+eng" if "eng" in langs else "chi_sim"


def require_tesseract() -> str:
    """The language argument for tesseract, or ``UnsupportedFormatError`` naming the packages."""
    langs = tesseract_languages()
    if langs is None:
        raise UnsupportedFormatError(
            f"image-only report: OCR needs tesseract with Chinese data; install: {INSTALL_HINT}"
        )
    return langs


def ocr_image(image: Image.Image, *, dpi: int, timeout: float) -> list[str]:
    """OCR one page image; returns its non-empty lines (spaces between CJK chars removed)."""
    langs = require_tesseract()
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = ["tesseract", "stdin", "stdout", "-l", langs, "--psm", "4", "--dpi", str(dpi)]
    try:
        done = subprocess.run(
            cmd, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise CorruptDocumentError(f"OCR: tesseract gave up after {timeout:.0f} s") from exc
    except OSError as exc:
        raise UnsupportedFormatError(f"OCR: cannot run tesseract ({exc}); {INSTALL_HINT}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise CorruptDocumentError(f"OCR: tesseract failed: {message}")
    text = done.stdout.decode("utf-8", "replace")
    lines = [_CJK_GAP.sub("", clean(line)) for line in text.splitlines()]
    return [line for line in lines if line and not is_page_number(line)]


def _table_row(line: str) -> list[str] | None:
    tokens = line.split()
    numbers = 0
    for token in reversed(tokens):
        if not _NUMBER.match(token):
            break
        numbers += 1
    if numbers < 3:
        return None
    label = "".join(tokens[: len(tokens) - numbers])
    return [label, *tokens[len(tokens) - numbers :]]


def blocks_from_ocr_lines(lines: Iterable[str]) -> list[Block]:
    """Paragraphs, with runs of number-bearing lines rebuilt as best-effort tables."""
    blocks: list[Block] = []
    pending: list[list[str]] = []
    for line in lines:
        row = _table_row(line)
        if row is not None:
            pending.append(row)
            continue
        if pending:
            blocks.append(Table.from_strings(pending))
            pending = []
        blocks.append(Paragraph(line))
    if pending:
        blocks.append(Table.from_strings(pending))
    return blocks


def extract_image(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> DocumentBlocks:
    """OCR an image attachment (PNG/JPEG/TIFF/GIF/BMP, every frame) into blocks."""
    check_size(data, "image", limits)
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CorruptDocumentError(f"image: not a readable image ({exc})") from exc
    width, height = image.size
    if width * height > limits.max_image_pixels:
        raise CorruptDocumentError(
            f"image: {width}x{height} pixels exceeds the limit of {limits.max_image_pixels}"
        )
    langs = require_tesseract()
    deadline = Deadline(limits.max_seconds, "image OCR")
    lines: list[str] = []
    grid_blocks: list[Block] = []
    confidences: list[float] = []
    low: list[str] = []
    try:
        for n, frame in enumerate(ImageSequence.Iterator(image)):
            if n >= limits.max_ocr_pages:
                break
            deadline.check(f"frame {n + 1}")
            frame.load()
            dpi = int(frame.info.get("dpi", (limits.ocr_dpi,))[0] or limits.ocr_dpi)
            timeout = min(limits.ocr_timeout_per_page, max(1.0, deadline.remaining()))
            # the table grid from ruling lines and word boxes (ocr_grid), not from text lines
            page = read_page(frame, langs, max(70, min(dpi, 1200)), timeout)
            for block in page.blocks:
                if isinstance(block, Table):
                    set_page(block, n + 1)
            grid_blocks += page.blocks
            confidences += page.confidences
            low += [f"frame {n + 1} {cell}" for cell in page.low_confidence]
            lines += [b.text for b in page.blocks if isinstance(b, Paragraph)]
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptDocumentError(f"image: cannot decode ({exc})") from exc
    doc = DocumentBlocks(blocks=grid_blocks, format="image", flags={"image_only", "ocr"})
    doc.ocr_confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    doc.low_confidence_cells = low
    if not lines:
        doc.warnings.append("image: OCR found no text")
    return doc
