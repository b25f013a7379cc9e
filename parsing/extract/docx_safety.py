"""Checks run on a DOCX (zip) package before python-docx opens it.

A zip bomb declares huge uncompressed members; zipfile never inflates a member beyond its
declared size (a lying header ends in a CRC error), so bounding the declared sizes, the member
count and the compression ratio bounds memory. XML parts carrying a DOCTYPE or ENTITY
declaration (billion laughs, external entities) are refused outright: Word never writes them.
"""

from __future__ import annotations

import io
import zipfile

from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.limits import MB, Limits

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATIONS = [
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
]


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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise CorruptDocumentError(f"{fmt}: damaged zip package ({exc})") from exc


def check_package(archive: zipfile.ZipFile, fmt: str, limits: Limits) -> None:
    """Refuse zip bombs and XML with DOCTYPE/ENTITY declarations."""
    members = archive.infolist()
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
        if not info.filename.lower().endswith(_XML_SUFFIXES):
            continue
        try:
            content = archive.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise CorruptDocumentError(f"{fmt}: damaged member {info.filename} ({exc})") from exc
        if any(marker in content for marker in _DECLARATIONS):
            raise CorruptDocumentError(
                f"{fmt}: {info.filename} declares a DOCTYPE/ENTITY "
                "(refused: entity expansion attack)"
            )
