"""``xxgk serve``: the nightly flow on a cron schedule plus an on-demand backfill deployment.

Prefect's ephemeral server has no scheduler, so this needs a persistent server: it uses
``PREFECT_API_URL`` when set, otherwise it starts ``prefect server start`` (SQLite under
``<data-dir>/.prefect``) and says so.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.config import configure_prefect

log = logging.getLogger("xxgk")


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


def serve_flows(data_dir: Path, sites_file: Path, cron: str, timezone: str) -> int:
    """Serve ``xxgk-nightly`` (cron) and ``xxgk-backfill`` (on demand); returns an exit code."""
    configure_prefect(data_dir)
    server: subprocess.Popen[bytes] | None = None
    if "PREFECT_API_URL" not in os.environ:
        port = os.environ.get("XXGK_PREFECT_PORT", "4200")
        api = f"http://127.0.0.1:{port}/api"
        sys.stderr.write(f"No PREFECT_API_URL: starting a Prefect server on {api} (SQLite) …\n")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                port,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not _wait_healthy(api, 120):
            sys.stderr.write("the Prefect server did not become healthy in 120 s\n")
            server.terminate()
            return 1
        os.environ["PREFECT_API_URL"] = api
        sys.stderr.write(f"Prefect UI: http://127.0.0.1:{port}\n")
    from prefect import serve
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
    assert isinstance(nightly_dep, RunnerDeployment)
    assert isinstance(backfill_dep, RunnerDeployment)
    sys.stderr.write(
        f"serving xxgk-nightly/nightly ({cron} {timezone}) and xxgk-backfill/backfill\n"
    )
    try:
        serve(nightly_dep, backfill_dep)
    finally:
        if server is not None:
            server.terminate()
    return 0
