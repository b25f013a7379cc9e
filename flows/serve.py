"""``xxgk serve``: the nightly flow on a cron schedule plus an on-demand backfill deployment.

Prefect's ephemeral server has no scheduler, so this needs a persistent server: it uses
``PREFECT_API_URL`` when set, otherwise it starts ``prefect server start`` (SQLite under
``<data-dir>/.prefect``) on 127.0.0.1, prints the ``PREFECT_API_URL`` to export for ``prefect
deployment run``, and records it in ``<data-dir>/.prefect/xxgk-server.json`` so every other
``xxgk`` command on that data dir uses this server instead of starting its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from flows.config import configure_prefect, server_file

TRIGGER = (
    "prefect deployment run 'xxgk-backfill/backfill' --param years='[2019,2020]' "
    "--param source=archive"
)

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment


def _wait_healthy(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as resp:  # noqa: S310 - loopback
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(1)
    return False


def build_deployments(
    data_dir: Path, sites_file: Path, cron: str, timezone: str
) -> list[RunnerDeployment]:
    """The nightly deployment (cron, one run at a time) and the on-demand backfill deployment."""
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schedules import Cron

    from flows.pipeline import backfill, nightly

    params = {"data_dir": str(data_dir), "sites_file": str(sites_file)}
    nightly_dep = nightly.to_deployment(
        name="nightly",
        schedule=Cron(cron, timezone=timezone),
        parameters=params,
        concurrency_limit=1,
    )
    backfill_dep = backfill.to_deployment(name="backfill", parameters=params)
    if not isinstance(nightly_dep, RunnerDeployment) or not isinstance(
        backfill_dep, RunnerDeployment
    ):
        raise TypeError("to_deployment returned a coroutine (called from async code?)")
    return [nightly_dep, backfill_dep]


def _start_server(data_dir: Path) -> subprocess.Popen[bytes] | None:
    port = os.environ.get("XXGK_PREFECT_PORT", "4200")
    api = f"http://127.0.0.1:{port}/api"
    sys.stderr.write(f"No PREFECT_API_URL: starting a Prefect server on {api} (SQLite) …\n")
    sys.stderr.flush()
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait_healthy(api, 120):
        sys.stderr.write("the Prefect server did not become healthy in 120 s\n")
        server.terminate()
        return None
    os.environ["PREFECT_API_URL"] = api
    sys.stderr.write(f"Prefect UI: http://127.0.0.1:{port} (history in {data_dir}/.prefect)\n")
    record = server_file(data_dir)
    record.write_text(json.dumps({"api_url": api, "pid": os.getpid()}), encoding="utf-8")
    return server


def serve_flows(data_dir: Path, sites_file: Path, cron: str, timezone: str) -> int:
    """Serve the cron nightly and the on-demand backfill deployments; returns an exit code."""
    configure_prefect(data_dir)
    os.environ.pop("PREFECT_UI_ENABLED", None)
    server = None
    if "PREFECT_API_URL" not in os.environ:
        server = _start_server(data_dir)
        if server is None:
            return 1
    else:
        sys.stderr.write(f"using the Prefect server at {os.environ['PREFECT_API_URL']}\n")
    api = os.environ["PREFECT_API_URL"]

    def _stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # run the clean-up below on SIGTERM too

    signal.signal(signal.SIGTERM, _stop)
    try:
        from prefect import serve

        deployments = build_deployments(data_dir, sites_file, cron, timezone)
        sys.stderr.write(
            f"serving xxgk-nightly/nightly ({cron} {timezone}) and xxgk-backfill/backfill\n"
            "To trigger runs from another shell, first:\n"
            f"  export PREFECT_API_URL={api}\n"
            f"  {TRIGGER}\n"
            f"(`xxgk run`/`backfill`/`reparse` with --data-dir {data_dir} use this server "
            "on their own)\n"
        )
        sys.stderr.flush()
        serve(*deployments)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server_file(data_dir).unlink(missing_ok=True)
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0
