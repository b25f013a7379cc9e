"""Adversarial documents, generated at test time (nothing big is checked in).

- ``stream_bomb_pdf``: a ~120 KB PDF whose one content stream inflates to ~120 MB;
- ``op_bomb_pdf``: the same size of text operators (minutes of pdfminer without the caps);
- ``many_streams_pdf`` / ``page_count_pdf`` / ``char_bomb_pdf`` / ``object_bomb_pdf``: the
  per-page, per-document, page-count, character and object caps;
- ``disguised_part_docx``: the main part renamed ``word/document.bin`` (reached through a
  ``[Content_Types].xml`` override and the package relationship) carrying a billion-laughs DTD;
- ``utf32_docx``: ``word/document.xml`` re-encoded as UTF-32 with a DTD;
- ``external_entity_docx``: an XXE ``SYSTEM`` entity in a custom XML part with an odd name;
- ``empty_zip`` / ``empty_members_docx``, ``EMPTY`` (0 bytes), ``NO_BODY_HTML``.
"""

from __future__ import annotations

import functools
import io
import sys
import zipfile
import zlib
from pathlib import Path

_DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
if str(_DOCS) not in sys.path:
    sys.path.insert(0, str(_DOCS))

EMPTY = b""
NO_BODY_HTML = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'>"
    "<title>某县2021年政府信息公开工作年度报告</title>"
    "<script>var page = load('/api/report?id=1');</script></head><body>\n  \n</body></html>"
).encode()
LAUGHS = (
    b'<!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF with these numbered objects (1 = catalog) and a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _stream(data: bytes, *, compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return (
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        )
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _inflating_stream(unit: bytes, total: int, *, pad: bool = False) -> bytes:
    """``unit`` repeated to ``total`` bytes (``pad``: once, then spaces: ~1000:1 deflate)."""
    comp = zlib.compressobj(9)
    if pad:
        parts = [comp.compress(unit)]
        chunk = b" " * (1 << 20)
    else:
        parts = []
        chunk = unit * ((1 << 20) // len(unit))
    parts += [comp.compress(chunk) for _ in range(total // len(chunk))]
    parts.append(comp.compress(chunk[: total % len(chunk)]))
    data = b"".join(parts) + comp.flush()
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _pages_pdf(contents: list[list[bytes]], extra: list[bytes] | None = None) -> bytes:
    """Pages whose content streams are given (each page: a list of stream objects)."""
    objects: list[bytes] = [b"", b"", _FONT]  # catalog, pages, font
    kids = []
    for streams in contents:
        refs = []
        for stream in streams:
            objects.append(stream)
            refs.append(b"%d 0 R" % len(objects))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents [" + b" ".join(refs) + b"] >>"
        )
        kids.append(b"%d 0 R" % len(objects))
    objects += extra or []
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return _pdf(objects)


def stream_bomb_pdf(megabytes: int = 120) -> bytes:
    """One page whose content stream (~0.1 % of it on disk) inflates to ``megabytes`` MB.

    The default is the issue's bomb: ~123 KB on disk, ~120 MB inflated, text then whitespace.
    """
    unit = b"BT /F1 9 Tf 72 720 Td (2021) Tj ET\n"
    return _pages_pdf([[_inflating_stream(unit, megabytes << 20, pad=True)]])


def op_bomb_pdf(megabytes: int = 120) -> bytes:
    """Like ``stream_bomb_pdf`` but the 120 MB are text operators (~300 KB on disk): without the
    stream caps pdfminer spends minutes on it, so only the outer wall-time limit stops it."""
    unit = b"BT /F1 9 Tf 72 720 Td (x) Tj ET\n"
    return _pages_pdf([[_inflating_stream(unit, megabytes << 20)]])


def many_streams_pdf(pages: int = 3, streams: int = 4, kilobytes: int = 512) -> bytes:
    """Pages with several content streams of ``kilobytes`` KB each (per-page/document caps)."""
    unit = b"0 0 m 1 1 l S\n"
    return _pages_pdf(
        [
            [_inflating_stream(unit, kilobytes << 10, pad=True) for _ in range(streams)]
            for _ in range(pages)
        ]
    )


def page_count_pdf(pages: int) -> bytes:
    """``pages`` blank pages."""
    return _pages_pdf([[_stream(b"")] for _ in range(pages)])


def char_bomb_pdf(chars: int) -> bytes:
    """One page showing ``chars`` characters in a small compressed stream."""
    text = b"BT /F1 1 Tf 10 800 Td 0 Tz (" + b"x" * chars + b") Tj ET\n"
    return _pages_pdf([[_stream(text)]])


def object_bomb_pdf(rects: int) -> bytes:
    """One page with ``rects`` rectangles and no text."""
    ops = b"".join(b"%d %d 1 1 re f\n" % (i % 500, (i // 500) % 800) for i in range(rects))
    return _pages_pdf([[_stream(ops)]])


@functools.lru_cache(maxsize=1)
def _valid_docx() -> bytes:
    from make_fixtures import render_docx
    from report_specs import report

    return render_docx(report("2021"))


def _rewrite(
    data: bytes, edit: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> bytes:
    """Copy a zip package, replacing (bytes), renaming ({old: b'->new'}) or dropping (None)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            content = src.read(item)
            name = item.filename
            if name in edit:
                new = edit[name]
                if new is None:
                    continue
                if new.startswith(b"->"):
                    name = new[2:].decode()
                else:
                    content = new
            dst.writestr(name, content)
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _with_laughs(xml: bytes) -> bytes:
    head, sep, rest = xml.partition(b"?>")
    return head + sep + LAUGHS + rest.replace(b"<w:t>", b"<w:t>&c;", 1)


def disguised_part_docx() -> bytes:
    """The main part is ``word/document.bin`` (content-type override) and carries a DTD."""
    valid = _valid_docx()
    with zipfile.ZipFile(io.BytesIO(valid)) as src:
        document = src.read("word/document.xml")
        types = src.read("[Content_Types].xml")
        rels = src.read("_rels/.rels")
        doc_rels = src.read("word/_rels/document.xml.rels")
    types = types.replace(b"/word/document.xml", b"/word/document.bin")
    rels = rels.replace(b"word/document.xml", b"word/document.bin")
    return _rewrite(
        valid,
        {
            "word/document.xml": None,
            "[Content_Types].xml": types,
            "_rels/.rels": rels,
            "word/_rels/document.xml.rels": None,
        },
        {"word/document.bin": _with_laughs(document), "word/_rels/document.bin.rels": doc_rels},
    )


def disguised_part_clean_docx() -> bytes:
    """The same renaming without the DTD: a legitimate package the parser must still read."""
    valid = _valid_docx()
    with zipfile.ZipFile(io.BytesIO(valid)) as src:
        document = src.read("word/document.xml")
        types = src.read("[Content_Types].xml")
        rels = src.read("_rels/.rels")
        doc_rels = src.read("word/_rels/document.xml.rels")
    return _rewrite(
        valid,
        {
            "word/document.xml": None,
            "[Content_Types].xml": types.replace(b"/word/document.xml", b"/word/document.bin"),
            "_rels/.rels": rels.replace(b"word/document.xml", b"word/document.bin"),
            "word/_rels/document.xml.rels": None,
        },
        {"word/document.bin": document, "word/_rels/document.bin.rels": doc_rels},
    )


def utf32_docx(bom: bool = True) -> bytes:
    """``word/document.xml`` in UTF-32 (with or without a byte-order mark) carrying a DTD."""
    valid = _valid_docx()
    with zipfile.ZipFile(io.BytesIO(valid)) as src:
        document = src.read("word/document.xml")
    text = _with_laughs(document).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-32"')
    body = text.encode("utf-32") if bom else text.encode("utf-32-le")
    return _rewrite(valid, {"word/document.xml": body})


def external_entity_docx() -> bytes:
    """An XXE (``SYSTEM "file:///etc/passwd"``) in ``customXml/item1.dat`` (odd name, UTF-16)."""
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    ).encode("utf-16")
    return _rewrite(_valid_docx(), {}, {"customXml/item1.dat": xxe})


def gbk_dtd_docx() -> bytes:
    """A part declared ``encoding="GBK"`` (expat cannot read it) with an internal DTD."""
    part = '<?xml version="1.0" encoding="GBK"?><!DOCTYPE r [<!ENTITY e "报告">]><r>&e;</r>'
    return _rewrite(_valid_docx(), {}, {"docProps/custom.xml": part.encode("gbk")})


def empty_zip() -> bytes:
    """A zip archive with no member at all (an end-of-central-directory record only)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w"):
        pass
    return out.getvalue()


def empty_members_docx() -> bytes:
    """A zip archive whose members are all 0 bytes (a package cut off before its parts)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in ("[Content_Types].xml", "_rels/.rels", "word/document.xml"):
            dst.writestr(name, b"")
    return out.getvalue()
