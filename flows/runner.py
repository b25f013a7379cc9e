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

_REPLACED: list[Any] = []


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
        # keep the replaced stream alive: a garbage-collected text wrapper closes its buffer,
        # which may belong to someone else (a test runner capturing stderr)
        _REPLACED.append(sys.stderr)
        sys.stderr = io.StringIO()  # the interpreter's own exit-time traceback writes go here


def _quiet_prefect_console() -> None:
    """Prefect's own console lines (a failed task's traceback …) stay out of the terminal: the
    CLI prints one line per problem and the flow run's logs in Prefect keep everything."""
    if os.environ.get("XXGK_PREFECT_DEBUG") == "1":
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.setLevel(logging.CRITICAL)


def prefect_target(data_dir: Path) -> str:
    """Point Prefect at a running server when there is one; a line saying which server is used."""
    from flows.config import use_running_server

    found = use_running_server(data_dir)
    configure_prefect(data_dir)
    if found:
        return f"Prefect: using the server at {found[0]} ({found[1]})"
    return (
        "Prefect: starting an ephemeral server (10-20 s; export PREFECT_API_URL or keep "
        "`xxgk serve` running to pay this once)"
    )


def run_flow(
    name: str,
    data_dir: Path,
    params: Mapping[str, Any],
    *,
    workers: int = 0,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Run ``flows.pipeline.<name>`` with ``params`` and return its summary dict.

    A run that ends ``Failed`` because a site needs attention still returns its summary; a run
    that crashed raises.
    """
    configure_prefect(data_dir)
    from flows import pipeline
    from flows.summary import RunNeedsAttention

    _quiet_prefect_console()

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
    call: Callable[..., Any] = fl
    state = call(**params, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunNeedsAttention):
        return result.summary
    if isinstance(result, BaseException):
        raise result
    if not isinstance(result, dict):
        raise RuntimeError(f"flow {name} ended {state.name}: {state.message}")
    return result
