"""Run LibreOffice headless and antiword in a temp dir with a timeout (the only subprocess use).

Each Python process keeps one LibreOffice profile directory (first start creates it, about 3 s;
later conversions reuse it) and serialises its conversions, since one profile cannot serve two
soffice instances. The whole process group is killed on timeout (soffice forks soffice.bin).

``soffice_convert_many`` converts many documents in ONE soffice process (a parse batch's DOC/WPS
files: one start instead of one per document). Its results can be handed to another process
(the isolated parse workers) with ``preconverted``; ``soffice_convert`` then uses them instead
of starting LibreOffice.

Word targets (DOCX, DOC) go through the profile's converter macro (``office_macro``: bare
models, no layout, a tenth of the CPU of ``--convert-to``); a document the macro cannot convert
is retried with ``--convert-to``, so nothing LibreOffice could convert before is lost.
Spreadsheets and other targets use ``--convert-to``. A batch (``soffice_convert_many``) goes to
this process's resident soffice (``office_server``: started once, not once per batch);
``XXGK_SOFFICE_RESIDENT=0`` runs one soffice per batch, ``XXGK_SOFFICE_MACRO=0`` turns the
macro off (``--convert-to`` only, the path of release 0.1).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from parsing.errors import CorruptDocumentError
from parsing.extract.office_macro import (
    WRITER_FILTERS,
    Job,
    install_macro,
    macro_installed,
    read_status,
    write_list,
)
from parsing.extract.office_server import ResidentConverter

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_PRECONVERTED: dict[tuple[str, str], bytes] = {}  # (sha256 of the input, target) -> output


def clear_preconverted() -> None:
    """Drop batch results nobody used (a document that failed before its conversion)."""
    _PRECONVERTED.clear()


def preconverted(data: bytes, suffix: str, target: str, converted: bytes) -> None:
    """Remember ``converted`` as LibreOffice's ``target`` output for ``data`` (one use)."""
    del suffix  # LibreOffice reads the same bytes the same way whatever their name
    _PRECONVERTED[(hashlib.sha256(data).hexdigest(), target)] = converted


def soffice_path() -> str | None:
    """The LibreOffice executable, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def antiword_path() -> str | None:
    """The antiword executable, if installed."""
    return shutil.which("antiword")


class ConverterTimeoutError(CorruptDocumentError):
    """A converter ran past its time limit and was killed (kind ``corrupt_document``)."""


@functools.lru_cache(maxsize=1)
def _profile_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"xxgk-lo-profile-{os.getpid()}-"))
    atexit.register(shutil.rmtree, path, True)
    return path


_MACRO_BROKEN: list[str] = []  # why the macro cannot run in this LibreOffice, once seen


def macro_enabled() -> bool:
    """The converter macro is used unless ``XXGK_SOFFICE_MACRO=0`` (then ``--convert-to`` only)
    or a run of it ended normally without a word (a LibreOffice without Basic)."""
    return not _MACRO_BROKEN and os.environ.get("XXGK_SOFFICE_MACRO", "1").strip() != "0"


def _start_flags(exe: str, profile: Path | None = None) -> list[str]:
    return [
        exe,
        f"-env:UserInstallation={(profile or _profile_dir()).as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--nologo",
        "--nodefault",
    ]


def _macro_profile(exe: str, timeout: float) -> bool:
    """Make sure this process's profile exists and holds the converter macro (caller locks).

    The first call starts LibreOffice once to create the profile (about 3 s, paid once per
    process, as the first conversion paid it before). False if that fails.
    """
    profile = _profile_dir()
    if macro_installed(profile):
        return True
    try:
        if not (profile / "user" / "basic" / "Standard" / "script.xlb").is_file():
            with tempfile.TemporaryDirectory(prefix="xxgk-office-init-") as tmp:
                cmd = [*_start_flags(exe), "--terminate_after_init"]
                run_bounded(
                    cmd, timeout=max(timeout, 60.0), cwd=Path(tmp), what="LibreOffice start"
                )
        install_macro(profile)
    except (OSError, CorruptDocumentError):
        return False
    return True


def start_only(*, timeout: float = 120.0) -> None:
    """One converter-macro run on an empty list: the fixed cost of a batch (start, Basic, exit).

    The first call in a process also makes the profile (not part of a batch's fixed cost).
    """
    exe = soffice_path()
    if exe is None:
        raise FileNotFoundError("soffice")
    with _LOCK, tempfile.TemporaryDirectory(prefix="xxgk-office-init-") as tmp:
        if not _macro_profile(exe, timeout):
            raise CorruptDocumentError("LibreOffice: the profile could not be made")
        url = write_list(Path(tmp) / "jobs.txt", [], "docx")
        run_bounded([*_start_flags(exe), url], timeout=timeout, cwd=Path(tmp), what="LibreOffice")


def resident_enabled() -> bool:
    """Batches go to a resident soffice unless ``XXGK_SOFFICE_RESIDENT=0`` (one run per batch)."""
    return os.environ.get("XXGK_SOFFICE_RESIDENT", "1").strip() != "0"


_RESIDENT: list[ResidentConverter] = []


def _resident(exe: str) -> ResidentConverter:
    """This process's resident converter (made on first use, stopped at exit).

    It has a copy of the profile: a second soffice on the same profile would hand its work to
    the running one (and a macro run handed over is not run), so one-off conversions of this
    process (spreadsheets, retries) keep their own.
    """
    if not _RESIDENT:
        root = Path(tempfile.mkdtemp(prefix=f"xxgk-lo-resident-{os.getpid()}-"))
        profile = root / "profile"
        shutil.copytree(_profile_dir(), profile, ignore=shutil.ignore_patterns(".lock"))
        converter = ResidentConverter(
            _start_flags(exe, profile),
            root,
            preexec=_lift_memory_limit if _memory_limited() else None,
        )
        atexit.register(shutil.rmtree, root, True)
        atexit.register(converter.stop)  # runs first (atexit is last in, first out)
        _RESIDENT.append(converter)
    return _RESIDENT[0]


def stop_resident() -> None:
    """Stop the resident soffice, if any (it is started again by the next batch)."""
    with _LOCK:
        for converter in _RESIDENT:
            converter.stop()


def _macro_convert(
    items: list[tuple[bytes, str]], target: str, *, timeout: float, resident: bool = False
) -> tuple[list[bytes | None], list[str | None], bool]:
    """Convert with the macro (caller locks): (outputs, why not, timed out).

    ONE soffice run for the items, or with ``resident`` a list handed to the resident soffice.
    Documents converted before a timeout or crash keep their output.
    """
    exe = soffice_path()
    failed: list[str | None] = ["LibreOffice macro unavailable"] * len(items)
    if exe is None or not _macro_profile(exe, timeout):
        return [None] * len(items), failed, False
    with tempfile.TemporaryDirectory(prefix="xxgk-office-batch-") as tmp:
        work = Path(tmp)
        jobs = []
        for i, (data, suffix) in enumerate(items):
            src = work / f"in{i:05}{suffix}"
            src.write_bytes(data)
            jobs.append(Job(src, work / f"out{i:05}.{target}"))
        if resident:
            status, timed_out = _resident_batch(exe, jobs, target, timeout)
        else:
            status, timed_out = _run_once(exe, jobs, target, work, timeout)
        outputs: list[bytes | None] = []
        for i, job in enumerate(jobs):
            if status[i] is None and not job.output.is_file():
                status[i] = "no output written"
            outputs.append(job.output.read_bytes() if status[i] is None else None)
        return outputs, status, timed_out


RESIDENT_RETRIES = 3  # fresh starts after a timeout, for the documents behind the one that hung


def _resident_batch(
    exe: str, jobs: list[Job], target: str, timeout: float
) -> tuple[list[str | None], bool]:
    """Convert with the resident soffice. When a run passes its time limit, the document it was
    on is given up (its worker converts it under its own limits and reports the timeout) and
    the documents behind it go to a fresh soffice, a few times at most."""
    converter = _resident(exe)
    status, timed_out = converter.convert(jobs, target, timeout=timeout)
    pending = [i for i, why in enumerate(status) if why is not None and "not reached" in why]
    for _ in range(RESIDENT_RETRIES):
        if not timed_out or len(pending) < 2:
            break
        stuck, rest = pending[0], pending[1:]
        status[stuck] = f"LibreOffice: gave up after {timeout:.0f} s (time limit)"
        share = timeout * len(rest) / len(jobs)
        again, timed_out = converter.convert([jobs[i] for i in rest], target, timeout=share + 30)
        for i, why in zip(rest, again, strict=True):
            status[i] = why
        pending = [i for i in rest if status[i] is not None and "not reached" in str(status[i])]
    return status, timed_out


def _run_once(
    exe: str, jobs: list[Job], target: str, work: Path, timeout: float
) -> tuple[list[str | None], bool]:
    listing = work / "jobs.txt"
    url = write_list(listing, jobs, target)
    timed_out = False
    try:
        run_bounded([*_start_flags(exe), url], timeout=timeout, cwd=work, what="LibreOffice")
    except ConverterTimeoutError:
        timed_out = True
    except CorruptDocumentError:
        pass  # a crash: whatever the status file lists as done is still good
    else:
        if not listing.with_name(listing.name + ".done").exists():
            _MACRO_BROKEN.append("soffice ran the converter macro without output")
            log.warning("LibreOffice did not run the converter macro: using --convert-to")
    return read_status(listing, len(jobs)), timed_out


def _memory_limited() -> bool:
    """True in a parse worker with an address-space cap (a single-threaded process)."""
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def _lift_memory_limit() -> None:
    """Converters run under their own time limit, not the parse worker's address-space cap."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def run_bounded(cmd: list[str], *, timeout: float, cwd: Path, what: str) -> bytes:
    """Run ``cmd`` in its own process group; kill the group on timeout; return stdout."""
    env = {**os.environ, "HOME": str(cwd), "LC_ALL": "C.UTF-8"}
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,  # own group, same session: an isolated worker's kill reaches it
        preexec_fn=_lift_memory_limit if _memory_limited() else None,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConverterTimeoutError(f"{what}: gave up after {timeout:.0f} s (time limit)") from exc
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip()[-300:]
        raise CorruptDocumentError(f"{what}: exit status {proc.returncode}: {message}")
    return out


def soffice_convert(data: bytes, suffix: str, target: str, *, timeout: float) -> bytes:
    """Convert ``data`` (a file named input<suffix>) with LibreOffice to ``target`` (docx/html)."""
    ready = _PRECONVERTED.pop((hashlib.sha256(data).hexdigest(), target), None)
    if ready is not None:
        return ready
    exe = soffice_path()
    if exe is None:
        raise FileNotFoundError("soffice")
    if target in WRITER_FILTERS and macro_enabled():
        with _LOCK:
            [out], [why], timed_out = _macro_convert([(data, suffix)], target, timeout=timeout)
        if out is not None:
            return out
        if timed_out:
            raise ConverterTimeoutError(
                f"LibreOffice conversion: gave up after {timeout:.0f} s (time limit)"
            )
        del why  # not convertible as a bare model: let --convert-to try (and say why not)
    with _LOCK, tempfile.TemporaryDirectory(prefix="xxgk-office-") as tmp:
        work = Path(tmp)
        src = work / f"input{suffix}"
        src.write_bytes(data)
        out_dir = work / "out"
        out_dir.mkdir()
        cmd = [
            exe,
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(src),
        ]
        run_bounded(cmd, timeout=timeout, cwd=work, what="LibreOffice conversion")
        produced = sorted(out_dir.iterdir())
        if not produced:
            raise CorruptDocumentError(
                f"LibreOffice could not convert the {suffix} file to {target} (damaged?)"
            )
        return produced[0].read_bytes()


def soffice_convert_many(
    items: list[tuple[bytes, str]], target: str, *, timeout: float
) -> list[bytes | None]:
    """Convert every ``(data, suffix)`` with ONE LibreOffice process; None where it failed.

    Word targets use the converter macro: documents finished before a timeout or crash keep
    their output. Otherwise a failure of the whole run gives None for every item. Either way
    each None can still be converted on its own, under its own limits.
    """
    exe = soffice_path()
    if exe is None or not items:
        return [None] * len(items)
    if target in WRITER_FILTERS and macro_enabled():
        with _LOCK:
            return _macro_convert(items, target, timeout=timeout, resident=resident_enabled())[0]
    with _LOCK, tempfile.TemporaryDirectory(prefix="xxgk-office-batch-") as tmp:
        work = Path(tmp)
        out_dir = work / "out"
        out_dir.mkdir()
        sources = []
        for i, (data, suffix) in enumerate(items):
            src = work / f"in{i:05}{suffix}"
            src.write_bytes(data)
            sources.append(src)
        cmd = [
            exe,
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ]
        try:
            run_bounded(cmd, timeout=timeout, cwd=work, what="LibreOffice batch conversion")
        except CorruptDocumentError:
            return [None] * len(items)
        results: list[bytes | None] = []
        for src in sources:
            produced = out_dir / f"{src.stem}.{target.split(':')[0]}"
            results.append(produced.read_bytes() if produced.is_file() else None)
        return results


def antiword_text(data: bytes, *, timeout: float) -> str:
    """Plain text of a Word 97-2003 file by antiword (tables as '|'-separated lines)."""
    exe = antiword_path()
    if exe is None:
        raise FileNotFoundError("antiword")
    with tempfile.TemporaryDirectory(prefix="xxgk-antiword-") as tmp:
        src = Path(tmp) / "input.doc"
        src.write_bytes(data)
        out = run_bounded(
            [exe, "-m", "UTF-8.txt", "-w", "0", str(src)],
            timeout=timeout,
            cwd=Path(tmp),
            what="antiword",
        )
    return out.decode("utf-8", "replace")
