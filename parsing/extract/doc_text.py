"""Text helpers shared by the attachment extractors: CJK-aware line joining, page numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’、，。：；）（]")
_SPACES = re.compile(r"[ \t\r\n\u00a0\u2002\u2003\u200b]+")
# "- 4 -", "—4—", "－ 12 －", "第 3 页", "第3页 共12页", "3/12", "- 4 - " (page footers)
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—－–~]\s*\d{1,4}\s*[-—－–~]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页)\s*$"
)


def is_cjk(char: str) -> bool:
    """True for CJK ideographs and full-width punctuation."""
    return bool(_CJK.match(char))


def join_lines(parts: Iterable[str]) -> str:
    """Join wrapped lines: no space between CJK characters, one space between Latin words."""
    out = ""
    for raw in parts:
        part = raw.strip()
        if not part:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(part[0])):
            out += " "
        out += part
    return out


def clean(text: str) -> str:
    """Collapse runs of ASCII/nbsp whitespace to one space and strip (keeps U+3000 inside)."""
    return _SPACES.sub(" ", text).strip()


def is_page_number(line: str) -> bool:
    """True for a page-number footer such as '- 4 -' or '第3页 共12页'."""
    return bool(PAGE_NUMBER.match(line))
