"""Characters a reader never sees: render mode 3/7, white on white, microscopic or off-page.

Spam injected into government PDFs hides there (e.g. '澳门金沙娱乐场' drawn in white inside a
paragraph). pdfminer does not expose the text render mode, so it is read from PDFium's page
objects (``FPDFTextObj_GetTextRenderMode``) and matched to pdfplumber's chars by position.
A scanned page whose whole text layer is invisible over a page image is an OCR layer, not spam:
``page_ocr_layer`` tells the caller to keep it.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom (pdfplumber orientation)
_INVISIBLE_MODES = {pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP}
WHITE = 0.97
MIN_SIZE = 1.0  # points


def invisible_text_boxes(document: pdfium.PdfDocument, index: int) -> list[tuple[BBox, str]]:
    """Bounding boxes and text of the text objects drawn with an invisible render mode."""
    page = document[index]
    out: list[tuple[BBox, str]] = []
    textpage = None
    try:
        height = page.get_height()
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=4):
            mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
            if mode not in _INVISIBLE_MODES:
                continue
            if textpage is None:
                textpage = page.get_textpage()
            size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
            text = ""
            if size > 2:
                buffer = ctypes.create_string_buffer(size)
                pdfium_c.FPDFTextObj_GetText(
                    obj.raw,
                    textpage.raw,
                    ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
                    size,
                )
                text = buffer.raw[: size - 2].decode("utf-16-le", errors="replace")
            left, bottom, right, top = obj.get_bounds()
            out.append(((left, height - top, right, height - bottom), text))
    finally:
        if textpage is not None:
            textpage.close()
        page.close()
    return out


def _is_white(color: Any) -> bool:
    if not isinstance(color, tuple | list) or not color:
        return False
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return False  # pattern colour spaces
    if len(values) in (1, 3):
        return all(v >= WHITE for v in values)
    if len(values) == 4:
        return all(v <= 1 - WHITE for v in values)
    return False


def _inside(x: float, y: float, box: BBox, pad: float = 0.0) -> bool:
    return box[0] - pad <= x <= box[2] + pad and box[1] - pad <= y <= box[3] + pad


def invisible_chars(
    chars: list[dict[str, Any]],
    page_bbox: BBox,
    hidden_boxes: list[tuple[BBox, str]],
    backgrounds: list[BBox],
) -> list[dict[str, Any]]:
    """The chars of one page a reader cannot see.

    ``backgrounds`` are filled non-white rectangles and images: white text on them is visible.
    """
    out = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        offpage = not _inside(cx, cy, page_bbox) or float(ch.get("size") or 0) < MIN_SIZE
        mode_3 = any(_inside(cx, cy, box, 1.0) and ch["text"] in text for box, text in hidden_boxes)
        white = _is_white(ch.get("non_stroking_color")) and not any(
            _inside(cx, cy, box) for box in backgrounds
        )
        if offpage or mode_3 or white:
            out.append(ch)
    return out


def background_boxes(rects: list[dict[str, Any]], images: list[dict[str, Any]]) -> list[BBox]:
    """Filled non-white rectangles and images, on which white text is visible."""
    boxes = [
        (r["x0"], r["top"], r["x1"], r["bottom"])
        for r in rects
        if r.get("fill") and not _is_white(r.get("non_stroking_color"))
    ]
    boxes += [(i["x0"], i["top"], i["x1"], i["bottom"]) for i in images]
    return boxes


def runs(chars: list[dict[str, Any]], hidden: list[dict[str, Any]]) -> list[str]:
    """Consecutive invisible chars (in content order) joined into removed strings."""
    hidden_ids = {id(c) for c in hidden}
    out: list[str] = []
    current = ""
    for ch in chars:
        if id(ch) in hidden_ids:
            current += ch["text"]
        elif current:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return [r.strip() for r in out if r.strip()]


def image_area_ratio(images: list[dict[str, Any]], width: float, height: float) -> float:
    """Largest image area as a fraction of the page."""
    area = width * height or 1.0
    best = 0.0
    for i in images:
        w = max(0.0, min(i["x1"], width) - max(i["x0"], 0.0))
        h = max(0.0, min(i["bottom"], height) - max(i["top"], 0.0))
        best = max(best, w * h / area)
    return best


def page_ocr_layer(
    chars: list[dict[str, Any]], hidden: list[dict[str, Any]], image_ratio: float
) -> bool:
    """True when a page image carries an invisible OCR text layer (keep it, it is the text)."""
    visible = [c for c in chars if c["text"].strip()]
    return image_ratio >= 0.5 and bool(visible) and len(hidden) >= 0.8 * len(visible)
