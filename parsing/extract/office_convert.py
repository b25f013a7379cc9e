"""Run LibreOffice headless and antiword in a temp dir with a timeout (the only subprocess use).

Each Python process keeps one LibreOffice profile directory (first start creates it, about 3 s;
later conversions reuse it) and serialises its conversions, since one profile cannot serve two
soffice instances. The whole process group is killed on timeout (soffice forks soffice.bin).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from parsing.errors import CorruptDocumentError

_LOCK = threading.Lock()


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
        start_new_session=True,
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
