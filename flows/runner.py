"""Running a flow from the CLI: Prefect set-up, task runner choice, quiet shutdown."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flows.config import configure_prefect


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (CLI runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Point at the current stderr, then write."""
        self.stream = sys.stderr
        super().emit(record)


@contextlib.contextmanager
def quiet_exit() -> Iterator[None]:
    """Hide the CancelledError/'Error flushing events' noise Prefect prints at shutdown."""
    try:
        yield
    finally:
        _silence()


def _silence() -> None:
    for name in ("prefect", "prefect.events", "prefect.server", "uvicorn", "distributed"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    sys.stderr.flush()
    if os.environ.get("XXGK_PREFECT_DEBUG") != "1":
        sys.stderr = io.StringIO()  # the interpreter's own exit-time traceback writes go here


def run_flow(
    name: str,
    data_dir: Path,
    params: Mapping[str, Any],
    *,
    workers: int = 0,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Run ``flows.pipeline.<name>`` with ``params`` and return its summary dict."""
    configure_prefect(data_dir)
    progress = logging.getLogger("xxgk")
    if not progress.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
        progress.addHandler(handler)
        progress.setLevel(logging.INFO)
        progress.propagate = False
    from flows import pipeline

    fl: Any = getattr(pipeline, name)
    if workers or dask_address:
        from prefect_dask.task_runners import DaskTaskRunner

        # each local Dask worker parses its batch in one isolated worker, not one per core
        os.environ.setdefault("XXGK_PARSE_WORKERS", "1")
        runner = (
            DaskTaskRunner(address=dask_address)
            if dask_address
            else DaskTaskRunner(
                cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
            )
        )
        fl = fl.with_options(task_runner=runner)
    call: Callable[..., dict[str, Any]] = fl
    return call(**params)
