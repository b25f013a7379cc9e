"""Checks run on a DOCX (zip) package before python-docx opens it.

A zip bomb declares huge uncompressed members; zipfile never inflates a member beyond its
declared size (a lying header ends in a CRC error), so bounding the declared sizes, the member
count and the compression ratio bounds memory.

Every member of the package is then checked for DTDs and entity declarations (billion laughs,
external entities) and refused if it has one — Word never writes them — whatever the member's
name (``word/document.bin`` named as the main part by a ``[Content_Types].xml`` override is
checked like ``word/document.xml``), its content type or its encoding:

1. the raw bytes are searched for ``<!DOCTYPE`` / ``<!ENTITY`` encoded in UTF-8, UTF-16 LE/BE
   and UTF-32 LE/BE (catches parts that are not well-formed XML too);
2. the text encoding is found as the XML spec says (byte-order mark, the first four bytes of a
   BOM-less UTF-16/32 document, else the ``encoding=`` declaration), the part is decoded to
   text and parsed by ``defusedxml`` (expat) with DTDs, entities and external references
   forbidden. Expat reads neither UTF-32 nor GBK; decoding first means every encoding Python
   knows is checked. Members that are not XML (images, fonts, binary OLE) fail to parse and
   are left to step 1.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from xml.etree.ElementTree import ParseError as XmlSyntaxError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from parsing.errors import CorruptDocumentError, EmptyArchiveError, UnsupportedFormatError
from parsing.extract.limits import MB, Limits

_DECLARATIONS = [
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
]
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF = (  # XML 1.0 appendix F: the first four bytes of a BOM-less '<?xm'
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"),
    (b"\0<\0?", "utf-16-be"),
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def open_zip(data: bytes, fmt: str) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive or raise ``CorruptDocumentError``."""
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnsupportedFormatError(
                f"{fmt}: this is an OLE2 (Word 97-2003 .doc) file, not DOCX"
            )
        raise CorruptDocumentError(f"{fmt}: not a zip package (damaged or not a DOCX)")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        NotImplementedError,  # 'zip file version 7.0' in a damaged directory (fuzz finding)
    ) as exc:
        raise CorruptDocumentError(f"{fmt}: damaged zip package ({exc})") from exc


def check_package(archive: zipfile.ZipFile, fmt: str, limits: Limits) -> None:
    """Refuse zip bombs and XML with DOCTYPE/ENTITY declarations."""
    members = archive.infolist()
    if not members or all(m.file_size == 0 for m in members):
        raise EmptyArchiveError(f"{fmt}: the zip package is empty (no member has any bytes)")
    if len(members) > limits.zip_max_members:
        raise CorruptDocumentError(
            f"{fmt}: {len(members)} zip members (limit {limits.zip_max_members})"
        )
    total = 0
    for info in members:
        size = info.file_size
        total += size
        if size > limits.zip_max_member_bytes:
            raise CorruptDocumentError(
                f"{fmt}: member {info.filename} inflates to {size} bytes "
                f"(limit {limits.zip_max_member_bytes}; zip bomb?)"
            )
        if size > MB and size > limits.zip_max_ratio * max(1, info.compress_size):
            raise CorruptDocumentError(
                f"{fmt}: member {info.filename} compresses {size // max(1, info.compress_size)}:1 "
                f"(limit {limits.zip_max_ratio:.0f}:1; zip bomb?)"
            )
    if total > limits.zip_max_total_bytes:
        raise CorruptDocumentError(
            f"{fmt}: members inflate to {total} bytes "
            f"(limit {limits.zip_max_total_bytes}; zip bomb?)"
        )
    for info in members:
        if info.is_dir():
            continue
        try:
            content = archive.read(info)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            EOFError,
            zlib.error,
            NotImplementedError,  # a compression method zipfile does not know (fuzz finding)
        ) as exc:
            raise CorruptDocumentError(f"{fmt}: damaged member {info.filename} ({exc})") from exc
        check_xml_part(content, info.filename, fmt)


def xml_text(content: bytes) -> str | None:
    """The part decoded as the XML spec finds its encoding, or None when it cannot be text."""
    encoding = None
    for bom, name in _BOMS:
        if content.startswith(bom):
            encoding = name
            content = content[len(bom) :]
            break
    if encoding is None:
        for head, name in _SNIFF:
            if content.startswith(head):
                encoding = name
                break
    if encoding is None:
        declared = _DECLARED.match(content[:200])
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def check_xml_part(content: bytes, name: str, fmt: str = "docx") -> None:
    """Refuse a package member carrying a DTD or an entity declaration (see module docstring)."""
    refused = CorruptDocumentError(
        f"{fmt}: {name} declares a DOCTYPE/ENTITY (refused: entity expansion attack)"
    )
    if any(marker in content for marker in _DECLARATIONS):
        raise refused
    text = xml_text(content)
    if text is None or "<" not in text[:4096]:
        return  # binary member (image, font, OLE object): the byte scan above applies
    body = _XML_DECL.sub("", text, count=1).encode("utf-8")
    try:
        defused_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise refused from exc
    except (XmlSyntaxError, ValueError):
        return  # not well-formed XML: python-docx reports it if the part is needed
