"""Run LibreOffice headless and antiword in a temp dir with a timeout (the only subprocess use).

Each Python process keeps one LibreOffice profile directory (first start creates it, about 3 s;
later conversions reuse it) and serialises its conversions, since one profile cannot serve two
soffice instances. The whole process group is killed on timeout (soffice forks soffice.bin).

``soffice_convert_many`` converts many documents in ONE soffice process (a parse batch's DOC/WPS
files: one start instead of one per document). Its results can be handed to another process
(the isolated parse workers) with ``preconverted``; ``soffice_convert`` then uses them instead
of starting LibreOffice.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from parsing.errors import CorruptDocumentError

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


@functools.lru_cache(maxsize=1)
def _profile_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"xxgk-lo-profile-{os.getpid()}-"))
    atexit.register(shutil.rmtree, path, True)
    return path


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
        raise CorruptDocumentError(f"{what}: gave up after {timeout:.0f} s (time limit)") from exc
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

    A failure of the whole run (timeout, crash) gives None for every item, so each document
    can still be converted on its own, under its own limits.
    """
    exe = soffice_path()
    if exe is None or not items:
        return [None] * len(items)
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
