"""LibreOffice's Word export without a layout: a Basic macro that loads bare document models.

``soffice --convert-to docx`` opens each document with a view, and LibreOffice's Word exporters
(DOCX, DOC, RTF) then lay the whole document out before writing it — with Chinese text that is
font fallback for every line, about 350 ms of CPU per document, 85% of a batch's cost. The macro
in ``data/convert_list.bas`` loads each document as a bare model (``TextDocument`` +
``XLoadable.load``: no frame, no view, hence no layout) and stores it with the export filter;
the DOCX it writes gives exactly the blocks the ``--convert-to`` DOCX gives (tested), at about
a tenth of the CPU.

The macro lives in the ``Standard`` library of the private LibreOffice profile
(``install_macro``) and runs as ``soffice --headless macro:///Standard.Module1.ConvertList(…)``;
it takes a list file (one document per line) and appends one status line per document to
``<list>.done``, closing the file each time, so a run killed at its time limit still tells
which documents it finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

# export targets the macro serves (LibreOffice filter names); others use ``--convert-to``
WRITER_FILTERS = {
    "docx": "MS Word 2007 XML",
    "doc": "MS Word 97",
}
_MODULE = "Module1"
_XBA = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
    '<script:module xmlns:script="http://openoffice.org/2000/script" '
    f'script:name="{_MODULE}" script:language="StarBasic">{{code}}</script:module>\n'
)


def macro_source() -> str:
    """The Basic source of the converter macro."""
    return resources.files("parsing.extract").joinpath("data/convert_list.bas").read_text("utf-8")


def install_macro(profile: Path) -> None:
    """Write the macro into an initialised profile's ``Standard`` Basic library."""
    library = profile / "user" / "basic" / "Standard"
    if not (library / "script.xlb").is_file():
        raise FileNotFoundError(f"no Basic library in the LibreOffice profile {profile}")
    (library / f"{_MODULE}.xba").write_text(
        _XBA.format(code=escape(macro_source())), encoding="utf-8"
    )


def macro_installed(profile: Path) -> bool:
    """True when ``profile`` holds this version of the macro."""
    path = profile / "user" / "basic" / "Standard" / f"{_MODULE}.xba"
    try:
        return path.read_text("utf-8") == _XBA.format(code=escape(macro_source()))
    except OSError:
        return False


@dataclass(frozen=True)
class Job:
    """One document to convert: its input file and where the export goes."""

    source: Path
    output: Path


def write_list(path: Path, jobs: list[Job], target: str) -> str:
    """Write the macro's list file; return the ``macro:///`` URL that converts it.

    The file appears complete or not at all (written aside, then renamed), as the resident
    converter may be polling for it.
    """
    export = WRITER_FILTERS[target]
    lines = [
        f"{i}\t{job.source.as_uri()}\t{job.output.as_uri()}\t{export}\n"
        for i, job in enumerate(jobs)
    ]
    aside = path.with_name("writing-" + path.stem)  # no .jobs suffix: the poller skips it
    aside.write_text("".join(lines), encoding="ascii")  # file URLs are percent-encoded ASCII
    aside.replace(path)
    if '"' in str(path) or ")" in str(path):
        raise ValueError(f"unusable list path for a macro URL: {path}")
    return f'macro:///Standard.{_MODULE}.ConvertList("{path}")'


def serve_url(directory: Path, parent_pid: int) -> str:
    """The ``macro:///`` URL of a resident converter polling ``directory`` for ``*.jobs`` lists."""
    if '"' in str(directory) or ")" in str(directory):
        raise ValueError(f"unusable directory for a macro URL: {directory}")
    return f'macro:///Standard.{_MODULE}.Serve("{directory}","{parent_pid}")'


def finished(path: Path) -> bool:
    """True once the macro has written the end line of list ``path`` (or failed on it)."""
    try:
        with path.with_name(path.name + ".done").open("rb") as done:
            return any(line.startswith(b"*\t") for line in done)
    except OSError:
        return False


def read_status(path: Path, count: int) -> list[str | None]:
    """Per job: None when converted, else why not (as the macro said, or 'not reached')."""
    status: list[str | None] = ["not reached (the run stopped before it)"] * count
    done = path.with_name(path.name + ".done")
    try:
        text = done.read_text("utf-8", "replace")
    except OSError:
        return status
    for line in text.splitlines():
        parts = line.split("\t", 2)
        if len(parts) < 2:
            continue
        if parts[0] == "*":  # the end of the list, or the macro itself failed
            if parts[1] == "end":
                break
            detail = parts[2] if len(parts) > 2 else ""
            return [s if s is None else f"macro failed: {detail}" for s in status]
        if not parts[0].isdigit() or int(parts[0]) >= count:
            continue
        detail = parts[2] if len(parts) > 2 else ""
        status[int(parts[0])] = None if parts[1] == "ok" else f"{parts[1]}: {detail}".strip()
    return status
