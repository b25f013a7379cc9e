"""Security: fetched content is never executed, never escapes the archive, never expands entities;
files are not world-writable."""

from __future__ import annotations

import ast
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import report_bytes

from crawler.archive import Archive, ArchiveError
from crawler.listing import parse_listing
from crawler.urls import filename_from_headers, sanitize_filename
from parsing import ParseError, RawDocument, parse_document

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("crawler", "parsing", "warehouse", "flows")
JS_ENGINES = {"js2py", "execjs", "dukpy", "py_mini_racer", "quickjs", "pyduktape", "selenium",
              "playwright", "pyppeteer"}  # fmt: skip
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE r [<!ENTITY a "hahahahahahahahahaha">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "]>"
)


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_eval_exec_js_engine_or_shell_in_the_packages():
    found = []
    for path, tree in _sources():
        rel = path.relative_to(REPO)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else None
                attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
                if name in {"eval", "exec", "__import__"} or attr in {"system", "popen"}:
                    found.append(f"{rel}:{node.lineno} {name or attr}()")
                for kw in node.keywords:
                    if kw.arg == "shell" and not (
                        isinstance(kw.value, ast.Constant) and kw.value.value is False
                    ):
                        found.append(f"{rel}:{node.lineno} shell=")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names]
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.append(node.module)
                hits = {n.split(".")[0] for n in names} & (JS_ENGINES | {"pickle", "marshal"})
                found += [f"{rel}:{node.lineno} import {h}" for h in hits]
    assert not found, found


HOSTILE_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\windows\\system32\\cmd.exe",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/etc/cron.d/evil",
    "..",
    ".",
    "report\x00.pdf",
    "a/b/../../../../x.pdf",
    "..%c0%af..%c0%afetc",
    "C:\\Users\\x.doc",
    "　../年报.pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_attachment_filenames_cannot_escape_the_archive(name, tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    candidates = [
        sanitize_filename(name),
        filename_from_headers(
            f'attachment; filename="{name}"',
            "http://x.gov.cn/a",  # url-ok: data, never fetched
        ),
        filename_from_headers(
            f"attachment; filename*=UTF-8''{name}",
            "http://x.gov.cn/a",  # url-ok: data, never fetched
        ),
        filename_from_headers(
            None,
            f"http://x.gov.cn/module/download/downfile.jsp?filename={name}",  # url-ok: data, never fetched
        ),
        filename_from_headers(None, f"http://x.gov.cn/files/{name}"),  # url-ok: data, never fetched
    ]
    for safe in candidates:
        assert safe, name
        assert not {"/", "\\", "\x00"} & set(safe), safe
        assert safe not in (".", "..")
        assert (root / safe).resolve().parent == root.resolve(), safe


@pytest.mark.parametrize(
    "uri",
    [
        "archive/../../etc/passwd#offset=0",
        "archive/..%2f..%2fetc%2fpasswd#offset=0",
        "/etc/passwd",
        "archive//etc/passwd.warc.gz#offset=0",
        "archive/x.warc.gz/../../y.warc.gz#offset=0",
        "file:///etc/passwd",
    ],
)
def test_archive_uris_cannot_read_outside_the_archive(uri, tmp_path):
    archive = Archive(tmp_path)
    try:
        with pytest.raises(ArchiveError):
            archive.read(uri)
    finally:
        archive.close()


def _docx(document_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'  # url-ok: data, never fetched
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats'
            '-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'  # url-ok: data, never fetched
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'  # url-ok: data, never fetched
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        z.writestr("word/document.xml", document_xml)
    return out.getvalue()


@pytest.mark.parametrize("dtd", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_docx_with_entity_declarations_is_refused(dtd):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + dtd.replace("<!DOCTYPE r", "<!DOCTYPE w:document")
        + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'  # url-ok: data, never fetched
        "<w:body><w:p><w:r><w:t>某县2020年政府信息公开工作年度报告 &xxe; &h;</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    raw = RawDocument(content=_docx(body), filename="report.docx", site="t")
    with pytest.raises(ParseError) as info:
        parse_document(raw)
    assert "root:" not in info.value.message


def test_html_entity_declarations_are_not_expanded():
    page = report_bytes("实体县人民政府", 2020).decode()
    page = XXE.replace("<!DOCTYPE r", "<!DOCTYPE html") + page.replace("<!DOCTYPE html>", "")
    page = page.replace("认真贯彻落实", "&xxe;认真贯彻落实")
    try:
        out = parse_document(RawDocument(content=page.encode(), site="t")).model_dump_json()
    except ParseError as exc:
        out = exc.message
    assert "root:" not in out


def test_hanweb_datastore_entities_are_not_expanded():
    xml = (
        '<?xml version="1.0"?>'
        + XXE.replace("<!DOCTYPE r", "<!DOCTYPE datastore")
        + "<datastore><recordset><record><![CDATA[<li><a href='/art/1.html'>&xxe;某县2020年政府"
        "信息公开工作年度报告</a></li>]]></record><record>&xxe;</record></recordset></datastore>"
    )
    page = parse_listing(xml, "http://127.0.0.1/col/col1/index.html", content_type="text/xml")
    dump = repr(page)
    assert "root:" not in dump
    assert [link.url for link in page.links] == ["http://127.0.0.1/art/1.html"]


def test_files_are_not_world_writable_even_under_umask_0(tmp_path):
    from warehouse import publish
    from warehouse.synthetic import make_report

    old = os.umask(0)
    try:
        archive = Archive(tmp_path / "data")
        archive.write_capture(
            url="http://x.gov.cn/a.html",  # url-ok: data, never fetched
            body=b"<html>a</html>",
            kind="report",
        )
        archive.close()
        publish([make_report(0, 2020), make_report(1, 2021)], str(tmp_path / "data" / "wh"))
    finally:
        os.umask(old)
    paths = [p for sub in ("archive", "wh") for p in (tmp_path / "data" / sub).rglob("*")]
    paths += [tmp_path / "data" / "archive", tmp_path / "data" / "wh"]
    loose = [str(p) for p in paths if p.stat().st_mode & 0o002]
    assert len(paths) > 10
    assert not loose
