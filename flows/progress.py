"""What an operator sees while a run works: rich bars on a terminal, plain lines in cron logs.

The flows log to the ``xxgk`` logger; records may carry ``xxgk_progress`` (a small dict:
``{"sites": n}``, ``{"stage": "crawl", "site": s, "pages": n}``, ``{"stage": "crawl", "site": s,
"done": True}``, ``{"stage": "parse", "total": n}``, ``{"stage": "parse", "done": n}``,
``{"stage": "publish", "files": n}``). The CLI installs one handler that turns them into:

- ``rich`` (a terminal): bars for sites crawled, pages per site, documents parsed and partition
  files published; warnings and errors printed above them;
- ``plain`` (not a terminal): one timestamped line per event (crawl page counts every 10 s);
- ``off`` (``-q``): warnings and errors only.

``-v`` adds every line of the crawl subprocesses (``xxgk.crawl``); ``-vv`` debug lines.
``XXGK_PROGRESS=rich|plain|off`` overrides the choice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO


class _Stderr:
    """Whatever ``sys.stderr`` is now (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def choose_mode(verbosity: int) -> str:
    """``rich``, ``plain`` or ``off`` from ``-q``/``-v``, ``XXGK_PROGRESS`` and the terminal."""
    forced = os.environ.get("XXGK_PROGRESS", "").strip().lower()
    if forced in ("rich", "plain", "off"):
        return forced
    if verbosity < 0:
        return "off"
    if verbosity > 0:
        return "plain"  # every line: bars would hide them
    return "rich" if sys.stderr.isatty() else "plain"


class PlainHandler(logging.Handler):
    """Timestamped lines; crawl subprocess lines only with ``-v`` or when they count pages."""

    def __init__(self, verbosity: int, stream: TextIO | None = None) -> None:
        super().__init__()
        self.verbosity = verbosity
        self.stream: Any = stream or _Stderr()

    def emit(self, record: logging.LogRecord) -> None:
        """Write one line."""
        progress = getattr(record, "xxgk_progress", None)
        if record.name.startswith("xxgk.crawl") and self.verbosity < 1:
            if not (progress and "pages" in progress) or self.verbosity < 0:
                return
            msg = f"crawling {progress['site']}: {progress['pages']} pages"
        else:
            msg = record.getMessage()
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        try:
            self.stream.write(f"{stamp}  {level}{msg}\n")
            self.stream.flush()
        except Exception:  # noqa: BLE001
            self.handleError(record)


class RichHandler(logging.Handler):
    """rich progress bars fed by ``xxgk_progress`` records."""

    def __init__(self, verbosity: int, stream: TextIO | None = None) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.verbosity = verbosity
        # the stream of the moment (not a proxy of sys.stderr, which the live display replaces)
        console = Console(file=stream or sys.stderr, force_terminal=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.tasks: dict[str, Any] = {}
        self.started = False

    def _task(self, key: str, description: str, total: float | None) -> Any:
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(description, total=total)
        return self.tasks[key]

    def emit(self, record: logging.LogRecord) -> None:
        """Advance a bar, or print a warning above the bars."""
        try:
            if not self.started:
                self.progress.start()
                self.started = True
            self._emit(record)
        except Exception:  # noqa: BLE001
            self.handleError(record)

    def _emit(self, record: logging.LogRecord) -> None:
        p: dict[str, Any] | None = getattr(record, "xxgk_progress", None)
        if record.levelno >= logging.WARNING or (self.verbosity > 0 and not p):
            self.progress.console.print(record.getMessage(), markup=False, highlight=False)
        if not p:
            return
        stage = p.get("stage")
        if "sites" in p:
            self._task("sites", "sites crawled", p["sites"])
        elif stage == "crawl" and "pages" in p:
            t = self._task(f"pages:{p['site']}", f"  pages {p['site']}", None)
            self.progress.update(t, completed=p["pages"])
        elif stage == "crawl" and p.get("done"):
            self.progress.advance(self._task("sites", "sites crawled", None))
            key = f"pages:{p['site']}"
            if key in self.tasks:
                task = self.tasks[key]
                done = self.progress.tasks[task].completed
                self.progress.update(task, total=done or 1, completed=done or 1)
        elif stage == "parse" and "total" in p:
            self._task("parse", "documents parsed", p["total"])
        elif stage == "parse" and "done" in p:
            self.progress.update(self._task("parse", "documents parsed", None), completed=p["done"])
        elif stage == "publish":
            self.progress.advance(
                self._task("publish", "partition files published", None), p.get("files", 0)
            )

    def close(self) -> None:
        """Stop the live display (leaves the final bars on screen)."""
        if self.started:
            self.progress.stop()
            self.started = False
        super().close()


@contextlib.contextmanager
def progress_view(verbosity: int) -> Iterator[str]:
    """Install the handler on the ``xxgk`` logger for the duration of a command; yields the mode."""
    mode = choose_mode(verbosity)
    logger = logging.getLogger("xxgk")
    handler: logging.Handler
    if mode == "rich":
        handler = RichHandler(verbosity)
    else:
        handler = PlainHandler(-1 if mode == "off" else verbosity)
        if mode == "off":
            handler.setLevel(logging.WARNING)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    logger.propagate = False
    try:
        yield mode
    finally:
        logger.removeHandler(handler)
        handler.close()
        # INFO at least: the flow run's logs in Prefect keep getting progress and crawl lines
        logger.setLevel(old_level or logging.INFO)
        logger.propagate = old_propagate
