"""Spool files of finished parse batches that a run could not publish (a full disk).

Each finished batch's spool (``batch-N.jsonl``, one report per line) gets a ``batch-N.keys``
file with the archive keys it handled. A run that stops on a full disk leaves both; the next run
publishes every spool that has its keys file, marks the keys processed and removes them. A spool
without keys was cut short by the failure: it is removed and its documents are parsed again.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from pathlib import Path

from flows.ledger import mark_processed
from flows.steps import publish_spools

log = logging.getLogger("xxgk")


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT, also when pyarrow or SQLite report it only in the message."""
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc)
    return any(
        m in text
        for m in ("No space left on device", "Disk quota exceeded", "database or disk is full")
    )


def write_keys(spool: str, keys: list[str]) -> None:
    """Mark ``spool`` finished: its capture keys next to it."""
    path = Path(spool).with_suffix(".keys")
    if Path(spool).exists():
        path.write_text("".join(k + "\n" for k in keys), encoding="utf-8")


MARKER = ".running"


def claim(spool_dir: Path) -> None:
    """Mark ``spool_dir`` as the spool of a live run (this process)."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    (spool_dir / MARKER).write_text(str(os.getpid()), encoding="utf-8")


def release(spool_dir: Path) -> None:
    """The run is over: its spool dir goes unless it holds finished, unpublished spools."""
    (spool_dir / MARKER).unlink(missing_ok=True)
    if not spool_dir.is_dir():
        return
    if not any(p.with_suffix(".keys").exists() for p in spool_dir.glob("*.jsonl")):
        shutil.rmtree(spool_dir, ignore_errors=True)


def _live(run_dir: Path) -> bool:
    """A concurrent run (another live process) still owns ``run_dir``."""
    try:
        pid = int((run_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish_leftovers(data_dir: Path, warehouse_root: str, notes: list[str]) -> int:
    """Publish the finished spools earlier runs left behind; returns the reports published."""
    root = data_dir / "spool"
    if not root.is_dir():
        return 0
    published = 0
    for run_dir in sorted(p for p in root.iterdir() if p.is_dir() and not _live(p)):
        finished = sorted(p for p in run_dir.glob("*.jsonl") if p.with_suffix(".keys").exists())
        for cut in set(run_dir.glob("*.jsonl")) - set(finished):
            cut.unlink()  # cut short by the failure: its documents are not in the ledger
        if finished:
            try:
                res = publish_spools([str(p) for p in finished], warehouse_root)
            except OSError as exc:
                notes.append(f"spools of run {run_dir.name} still not published: {exc}")
                log.error("could not publish the spools of run %s: %s", run_dir.name, exc)
                continue
            keys = [
                k
                for p in finished
                for k in p.with_suffix(".keys").read_text(encoding="utf-8").splitlines()
                if k
            ]
            mark_processed(data_dir, keys)
            published += int(res["reports"])
            notes.append(
                f"published {res['reports']} reports kept from run {run_dir.name} "
                f"({len(finished)} spool file(s) left by a full disk or a crash)"
            )
            log.info("published %d reports left by run %s", res["reports"], run_dir.name)
        for path in run_dir.iterdir():
            path.unlink()
        run_dir.rmdir()
    return published
