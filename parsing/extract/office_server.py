"""A resident LibreOffice converter: one soffice start for the many batches of a long-lived process.

Starting soffice costs more than converting a report with it (about 1.3 s of CPU against 40 ms),
so a process that converts batch after batch (the flow's parse step, ``parsing.pool.preconvert``)
keeps one soffice running the converter macro's ``Serve`` loop (``office_macro``): each batch is a
list file renamed into its inbox; the macro converts it, writes the status lines and the end line,
and polls for the next. The owner waits for the end line under the batch's time limit.

Isolation: soffice runs in its own process group. A batch past its time limit kills the group
(the documents it finished keep their output; the others are converted on their own in the parse
workers, under the workers' limits); a dead soffice is noticed and restarted with the next batch.
After ``recycle_after`` documents it is restarted, so a slow leak cannot grow for ever. It stops
when its owner calls ``stop`` (also at exit), when the owner's process is gone, or after 10 idle
minutes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from parsing.extract.office_macro import Job, finished, read_status, serve_url, write_list

POLL_SECONDS = 0.01


class ResidentConverter:
    """One resident soffice serving converter-macro lists from ``root / 'inbox'``."""

    def __init__(
        self,
        command: list[str],
        root: Path,
        *,
        preexec: Callable[[], None] | None = None,
        recycle_after: int = 2000,
    ) -> None:
        self.command = command  # soffice and its start flags (profile, --headless …)
        self.root = root
        self.inbox = root / "inbox"
        self.preexec = preexec
        self.recycle_after = recycle_after
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0  # soffice starts so far (restarts included)
        self.served = 0  # documents sent to the current soffice
        self.batches = 0
        self.owner = os.getpid()  # a forked child must not stop its parent's soffice

    def running(self) -> bool:
        """True while the resident soffice is alive."""
        return self.proc is not None and self.proc.poll() is None

    def _start(self) -> subprocess.Popen[bytes]:
        self.stop()
        shutil.rmtree(self.inbox, ignore_errors=True)
        self.inbox.mkdir(parents=True)
        env = {**os.environ, "HOME": str(self.root), "LC_ALL": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [*self.command, serve_url(self.inbox, os.getpid())],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,  # own group: a timeout kills soffice.bin with its launcher
            preexec_fn=self.preexec,
        )
        self.starts += 1
        self.served = 0
        return self.proc

    def convert(
        self, jobs: list[Job], target: str, *, timeout: float
    ) -> tuple[list[str | None], bool]:
        """Convert ``jobs``: per job None when done, else why not; and whether time ran out."""
        proc = self.proc if self.running() else self._start()
        assert proc is not None
        self.batches += 1
        listing = self.inbox / f"batch{self.batches:07}.jobs"
        write_list(listing, jobs, target)
        self.served += len(jobs)
        deadline = time.monotonic() + timeout
        timed_out = False
        while not finished(listing):
            if proc.poll() is not None:  # soffice died (crash): keep what it finished
                break
            if time.monotonic() >= deadline:
                timed_out = True
                self.stop(kill=True)
                break
            time.sleep(POLL_SECONDS)
        status = read_status(listing, len(jobs))
        for leftover in (listing, listing.with_name(listing.name + ".done")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        if self.served >= self.recycle_after:
            self.stop()
        return status, timed_out

    def stop(self, *, kill: bool = False) -> None:
        """Ask soffice to finish (or kill it at once); kill its group if it has not in 10 s."""
        if os.getpid() != self.owner:
            return
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None and not kill:
            with contextlib.suppress(OSError):
                (self.inbox / "stop").touch()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        if proc.poll() is None:  # not reaped yet: its group id cannot belong to anyone else
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
