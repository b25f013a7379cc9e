"""DOC/WPS/XLS via LibreOffice (skipped when absent), antiword fallback, missing converters."""

from __future__ import annotations

import shutil

import pytest
from extract_assertions import expected, grid, norm, paragraphs, tables

import parsing.extract.office as office
from parsing.errors import CorruptDocumentError, UnsupportedFormatError
from parsing.extract.office import extract_office

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: run scripts/install-converters.sh",
)


@pytest.fixture(scope="module")
def doc_2021(fx, specs, build):
    if shutil.which("soffice") is None:
        pytest.skip(
            "LibreOffice is needed to build the .doc fixture (scripts/install-converters.sh)"
        )
    docx = build(
        "docx2021", lambda: fx.render_docx(specs.report("2021"), textbox=True, hidden_spam=True)
    )
    return build("doc2021", lambda: fx.convert_with_soffice(docx, ".docx", "doc"))


@needs_soffice
@pytest.mark.parametrize("suffix", ["doc", ".wps"])
def test_doc_converted_keeps_merged_cells(doc_2021, specs, suffix):
    spec = specs.report("2021")
    doc = extract_office(doc_2021, suffix)
    assert doc.format == "doc"
    assert "converted" in doc.flags
    got = tables(doc)
    # the DOC round trip leaves a 1-twip sliver grid column in table 四; it is folded away
    for table, table_spec in zip(got, spec.tables(), strict=True):
        assert grid(table) == expected(table_spec)
    assert norm("".join(paragraphs(doc))).startswith(norm(spec.title))
    assert any(r.detector == "docx_hidden" for r in doc.spam_removals)


def test_antiword_fallback(doc_2021, monkeypatch):
    if shutil.which("antiword") is None:
        pytest.skip("antiword is not installed (scripts/install-converters.sh)")
    monkeypatch.setattr(office, "soffice_path", lambda: None)
    doc = extract_office(doc_2021, ".doc")
    assert doc.format == "doc"
    assert "text_only_conversion" in doc.flags
    rows = [[c.text for c in row] for t in tables(doc) for row in t.rows]
    assert ["规章", "0", "0", "0"] in rows
    assert "一、总体情况" in "".join(paragraphs(doc))


def test_no_converter_is_unsupported(monkeypatch):
    monkeypatch.setattr(office, "soffice_path", lambda: None)
    monkeypatch.setattr(office, "antiword_path", lambda: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20 + b"\xfe\xff\x09\x00" + b"\x00" * 1000
    with pytest.raises(UnsupportedFormatError, match="libreoffice-writer-nogui") as err:
        extract_office(ole, "doc")
    assert err.value.kind == "format_unsupported"
    with pytest.raises(UnsupportedFormatError, match="libreoffice-calc-nogui"):
        extract_office(ole, "xls")


def test_unknown_suffix_and_empty():
    with pytest.raises(UnsupportedFormatError):
        extract_office(b"data", ".ofd")
    with pytest.raises(CorruptDocumentError):
        extract_office(b"", ".doc")


def test_docx_named_doc(fx, specs, build):
    docx = build("docx2019plain", lambda: fx.render_docx(specs.report("2019")))
    doc = extract_office(docx, ".doc")
    assert len(tables(doc)) == 3
    assert doc.warnings


@needs_soffice
def test_corrupt_doc_is_corrupt():
    broken = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01\x02garbage" * 300
    with pytest.raises((CorruptDocumentError, UnsupportedFormatError)):
        extract_office(broken, ".doc")


@needs_soffice
def test_xls_sheet(fx, build):
    csv = "信息内容,本年制发件数,本年废止件数,现行有效件数\n规章,0,0,0\n行政规范性文件,5,1,32\n"
    xls = build("xls", lambda: fx.convert_with_soffice(csv.encode("utf-8"), ".csv", "xls"))
    doc = extract_office(xls, "xls")
    [table] = tables(doc)
    assert [[c.text for c in row] for row in table.rows] == [
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "5", "1", "32"],
    ]


@needs_soffice
def test_one_soffice_converts_a_batch_and_the_parse_is_unchanged(doc_2021, monkeypatch):
    """``preconvert`` hands every DOC/WPS to ONE resident LibreOffice; parsing its output gives
    the very report of the per-document conversion and of ``--convert-to`` (the previous path:
    merged cells, text box, hidden spam), and starts no further soffice."""
    import parsing.extract.office_convert as office_convert
    from parsing import RawDocument
    from parsing.pool import ParsePool, preconvert

    docs = [
        RawDocument(content=doc_2021, filename="a.doc", url="http://127.0.0.1/a.doc"),
        RawDocument(content=doc_2021, filename="b.wps", url="http://127.0.0.1/b.wps"),
        RawDocument(content=b"<html><body>x</body></html>", filename="c.html"),
    ]
    with ParsePool(workers=0) as pool:
        one_by_one = [o.model_dump_json() for o in pool.map(docs[:2])]
        monkeypatch.setenv("XXGK_SOFFICE_MACRO", "0")  # soffice --convert-to docx, with layout
        assert [o.model_dump_json() for o in pool.map(docs[:2])] == one_by_one
        monkeypatch.delenv("XXGK_SOFFICE_MACRO")
    calls: list[list[str]] = []
    real = office_convert.run_bounded

    def counting(cmd: list[str], **kwargs: object) -> bytes:
        calls.append(cmd)
        return real(cmd, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(office_convert, "run_bounded", counting)
    office_convert.stop_resident()
    converted = preconvert(docs)
    [resident] = office_convert._RESIDENT
    starts = resident.starts
    assert resident.running()
    assert not calls
    assert set(converted) == {docs[0].sha256}  # the same bytes twice: converted once
    again = preconvert([RawDocument(content=doc_2021 + b"\0", filename="d.doc")])
    assert len(again) == 1
    assert resident.starts == starts
    with ParsePool(workers=0) as pool:
        batched = [o.model_dump_json() for o in pool.map(docs[:1], converted)]
    assert not calls  # the parse used the batch output
    assert batched == one_by_one[:1]
    office_convert.stop_resident()
    assert not resident.running()


@needs_soffice
def test_a_batch_keeps_the_documents_it_could_convert(doc_2021):
    """A damaged file in a batch is None (converted again, on its own, by its worker); the
    others in the same soffice run are converted."""
    from parsing.extract.office_convert import soffice_convert_many

    sheet = b"PK\x03\x04 not a package"
    out = soffice_convert_many(
        [(doc_2021, ".doc"), (sheet, ".doc"), (doc_2021, ".wps")], "docx", timeout=120
    )
    assert [o is not None and o.startswith(b"PK") for o in out] == [True, False, True]


def test_a_hung_resident_converter_is_killed_and_restarted(tmp_path):
    """The resident soffice's batch has a time limit: past it the process group is killed,
    every unfinished document is reported, and the next batch starts a fresh process."""
    import sys
    import time

    from parsing.extract.office_macro import Job
    from parsing.extract.office_server import ResidentConverter

    never = [sys.executable, "-c", "import sys, time; time.sleep(60)"]  # never answers its inbox
    converter = ResidentConverter(never, tmp_path)
    jobs = [Job(tmp_path / f"in{i}.doc", tmp_path / f"out{i}.docx") for i in range(3)]
    started = time.monotonic()
    status, timed_out = converter.convert(jobs, "docx", timeout=0.5)
    assert timed_out
    assert time.monotonic() - started < 30  # killed at its limit, not after the 60 s sleep
    assert all(s and "not reached" in s for s in status)
    assert not converter.running()
    status, timed_out = converter.convert(jobs[:1], "docx", timeout=0.2)
    assert timed_out
    assert converter.starts == 2
    converter.stop()


def test_status_lines_of_the_converter_macro(tmp_path):
    from parsing.extract.office_macro import finished, read_status

    listing = tmp_path / "b.jobs"
    assert read_status(listing, 2) == ["not reached (the run stopped before it)"] * 2
    done = tmp_path / "b.jobs.done"
    done.write_text("1\tok\tMS Word 97\n0\terror\tAn exception occurred\n")
    assert not finished(listing)
    assert read_status(listing, 3) == [
        "error: An exception occurred",
        None,
        "not reached (the run stopped before it)",
    ]
    done.write_text("0\tok\tMS Word 97\n*\terror\tcannot open the list\n")
    assert finished(listing)
    assert read_status(listing, 2) == [None, "macro failed: cannot open the list"]


def test_empty_doc_is_empty_file():
    from parsing.errors import EmptyDocumentError

    with pytest.raises(EmptyDocumentError):
        extract_office(b"", ".doc")


FAKE_SOFFICE = """
import pathlib, re, sys, time
inbox = pathlib.Path(re.search(r'Serve\\("([^"]+)"', sys.argv[-1]).group(1))
while not (inbox / "stop").exists():
    for listing in sorted(inbox.glob("*.jobs")):
        for line in listing.read_text().splitlines():
            number, source = line.split("\\t")[:2]
            if "hang" in source:
                time.sleep(60)
            with open(str(listing) + ".done", "a") as done:
                done.write(number + "\\tok\\tfake\\n")
        with open(str(listing) + ".done", "a") as done:
            done.write("*\\tend\\n")
        listing.unlink()
    time.sleep(0.01)
"""


def test_documents_behind_a_hung_one_go_to_a_fresh_soffice(tmp_path, monkeypatch):
    """A batch run that hangs on one document is killed; that document is given up (its worker
    converts it under the pool's limits) and the ones behind it are converted by a fresh
    resident process."""
    import sys

    import parsing.extract.office_convert as office_convert
    from parsing.extract.office_macro import Job
    from parsing.extract.office_server import ResidentConverter

    fake = ResidentConverter([sys.executable, "-c", FAKE_SOFFICE], tmp_path)
    monkeypatch.setattr(office_convert, "_RESIDENT", [fake])
    names = ["a", "b", "hang", "c", "d"]
    jobs = [Job(tmp_path / f"{n}.doc", tmp_path / f"{n}.docx") for n in names]
    status, timed_out = office_convert._resident_batch("soffice", jobs, "docx", 1.0)
    fake.stop()
    assert not timed_out
    assert [s is None for s in status] == [True, True, False, True, True]
    assert "time limit" in str(status[2])
    assert fake.starts == 2
