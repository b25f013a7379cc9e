"""``parse_tree`` parses most pages as UTF-8 bytes: the tree must be the one lxml builds from the
str itself (which it reads as UTF-16 or UCS-4), on real pages and on random junk."""

from __future__ import annotations

import random
import re
from pathlib import Path

from lxml import etree

from parsing.charset import decode_bytes, decode_source
from parsing.extract.html import _EMPTY, _NOT_XML, extract_html, parse_tree

_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_PIECES = [
    *("<p>", "</p>", "<td>", "<table>", "<tr>", "<br>", "<div class=x>", "</div>", "<html>"),
    *("<body>", "<head><title>t</title></head>", "<!DOCTYPE html>", "<!-- c -->", "<?pi x?>"),
    *("<script>x<y</script>", "<![CDATA[x]]>", "<meta charset='gbk'>", "<meta charset=utf-8>"),
    *("<?xml version='1.0' encoding='gbk'?>", "<?xml version='1.0'?>", "&amp;", "&#20013;"),
    *("&nbsp;", "&bogus;", "<", ">", "&", '"', "'", "a", "中", "文", " ", "\n", "\r\n", "\r"),
    *("\t", "\ufeff", "\u00e9", "\x85", "\u2028", "\u3000", "😀", "\U00020000", "\ud800"),
    *("\x00", "\x1f", "\x0b", "\ufffe", "\uffff", "\x7f", "\x80"),
]


def _str_tree(text: str) -> etree._Element:
    """``parse_tree`` as it was: lxml reads the str (a leading XML declaration, which lxml
    refuses in a str, taken off first: such a page used to parse as an empty body)."""
    cleaned = _NOT_XML.sub("", re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1))
    if not cleaned.strip():
        cleaned = _EMPTY
    try:
        root = etree.fromstring(cleaned, etree.HTMLParser())
    except (etree.ParserError, ValueError):
        root = None
    return root if root is not None else etree.fromstring(_EMPTY, etree.HTMLParser())


def _dump(root: etree._Element) -> str:
    return etree.tostring(root.getroottree(), encoding="unicode")


def test_parse_tree_of_utf8_equals_the_str_on_fixture_pages() -> None:
    pages = [p for p in sorted(_FIXTURES.rglob("*.htm*")) if p.is_file()]
    assert len(pages) > 50
    for path in pages:
        text, _enc = decode_bytes(path.read_bytes())
        assert _dump(parse_tree(text)) == _dump(_str_tree(text)), path


def test_parse_tree_of_utf8_equals_the_str_on_random_junk() -> None:
    rng = random.Random(15)
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
        assert _dump(parse_tree(text)) == _dump(_str_tree(text)), repr(text)


def test_decode_source_gives_the_bytes_only_when_they_are_the_texts_utf8() -> None:
    rng = random.Random(16)
    samples = [p.read_bytes() for p in sorted(_FIXTURES.rglob("*.htm*")) if p.is_file()]
    pieces = ["中文".encode(), "中文".encode("gbk"), b"\xef\xbb\xbf", b"\xff\xfe", b"<p>a</p>"]
    pieces += [b"\x80", b"\xc3\xa9", "é".encode("latin-1"), b"<meta charset=gbk>", b"\xed\xa0\x80"]
    samples += [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    given = 0
    for content in samples:
        for declared in (None, "utf-8", "gbk", "latin-1"):
            text, enc, utf8 = decode_source(content, declared)
            assert (text, enc) == decode_bytes(content, declared)
            if utf8 is not None:
                given += 1
                assert utf8 == text.encode("utf-8")
                assert utf8 is content
    assert given > 100


def test_extract_html_reads_the_same_from_the_utf8_bytes() -> None:
    for path in sorted(_FIXTURES.rglob("*.htm*")):
        text, _enc, utf8 = decode_source(path.read_bytes())
        if utf8 is not None:
            assert extract_html(text, utf8) == extract_html(text), path


def test_an_xhtml_page_with_an_xml_declaration_reads_as_without_it() -> None:
    page = (_FIXTURES / "reports" / "16_word_export_2021" / "input.html").read_bytes()
    text, _enc, utf8 = decode_source(page)
    plain = extract_html(text, utf8)
    assert plain.blocks
    for decl in (
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        "  <?xml version='1.0' encoding='gbk'?>",
    ):
        assert extract_html(decl + text) == plain
        assert extract_html(decl + text, (decl + text).encode("utf-8")) == plain
