"""`xxgk serve` against a real `prefect server start` on 127.0.0.1: the README works as written.

One server for this module (~20 s to start). The nightly deployment with a broken site ends
Failed with the crawl's log lines in Prefect; the README's backfill trigger command, run in a
shell with the PREFECT_API_URL that `serve` printed, completes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from flows.serve import TRIGGER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
DEAD_SITE = """
[[site]]
name = "dead"
publisher = "死链县人民政府"
start_urls = ["{base}/dead/list.html"]
allowed_domains = ["127.0.0.1"]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


def _wait_final(api: str, run_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _api(f"{api}/flow_runs/{run_id}")
        if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return dict(run)
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} did not finish in {timeout}s")


def _logs(api: str, run_id: str) -> str:
    out: list[str] = []
    while True:
        body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200, "offset": len(out)}
        page = _api(f"{api}/logs/filter", body)
        out += [log["message"] for log in page]
        if len(page) < 200:
            return "\n".join(out)


def _trigger(command: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = re.search(r"UUID:\s*([0-9a-f-]{36})", proc.stdout)
    assert found, proc.stdout
    return found.group(1)


@pytest.fixture(scope="module")
def served(demo_site, tmp_path_factory):
    """`xxgk serve` (which starts `prefect server start`) on a free loopback port."""
    _root, demo_sites = demo_site
    text = demo_sites.read_text(encoding="utf-8")
    base = text.split('start_urls = ["', 1)[1].split("/demo_trs", 1)[0]
    tmp = tmp_path_factory.mktemp("serve")
    sites = tmp / "sites.toml"
    sites.write_text(text + DEAD_SITE.format(base=base), encoding="utf-8")
    data = tmp / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "XXGK_PREFECT_PORT": str(_free_port()),
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    log = (tmp / "serve.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "xxgk"), "serve", "--data-dir", str(data)]
        + ["--sites-file", str(sites)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 150
        api = None
        while time.monotonic() < deadline and proc.poll() is None:
            out = (tmp / "serve.log").read_text(encoding="utf-8")
            found = re.search(r"export PREFECT_API_URL=(\S+)", out)
            if found:
                api = found.group(1)
                break
            time.sleep(0.5)
        assert api, (tmp / "serve.log").read_text(encoding="utf-8")
        yield api, data, env, tmp / "serve.log"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def test_serve_prints_the_api_url_and_records_it_for_other_commands(served):
    api, data, _env, log = served
    out = log.read_text(encoding="utf-8")
    assert api.startswith("http://127.0.0.1:")
    assert api.endswith("/api")
    assert TRIGGER in out
    record = json.loads((data / ".prefect" / "xxgk-server.json").read_text(encoding="utf-8"))
    assert record["api_url"] == api
    from flows.config import use_running_server

    saved = os.environ.pop("PREFECT_API_URL", None)
    try:
        found = use_running_server(data)
        assert found is not None
        assert found[0] == api
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        if saved is not None:
            os.environ["PREFECT_API_URL"] = saved


def test_nightly_with_a_broken_site_fails_with_crawl_logs_then_readme_trigger_works(served):
    api, _data, env, _log = served
    shell = env | {"PREFECT_API_URL": api}
    nightly = _trigger("prefect deployment run 'xxgk-nightly/nightly'", shell)
    run = _wait_final(api, nightly)
    assert run["state_type"] == "FAILED", run["state"]
    assert "dead broken" in run["state"]["message"]
    deadline = time.monotonic() + 20  # the server stores logs in batches
    while "stage timings: crawl" not in (logs := _logs(api, nightly)):
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "[dead] " in logs  # the crawl subprocess's lines, named by site
    assert "stage timings: crawl" in logs

    readme = README.read_text(encoding="utf-8")
    assert "export PREFECT_API_URL=" in readme
    assert TRIGGER in readme
    backfill = _trigger(TRIGGER, shell)  # exactly the README's command
    run = _wait_final(api, backfill)
    assert run["state_type"] == "COMPLETED", run["state"]
    assert "published" in _logs(api, backfill)


def test_other_commands_use_the_served_server_and_say_so(served):
    api, data, env, _log = served
    sites = data.parent / "sites.toml"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "xxgk"), "reparse", "--data-dir", str(data)]
        + ["--sites-file", str(sites), "--json"],
        capture_output=True,
        text=True,
        env=env,  # no PREFECT_API_URL: the server is found through the data dir
        cwd=ROOT,
        timeout=240,
    )
    assert f"Prefect: using the server at {api}" in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout)["published"] == 8
    runs = _api(f"{api}/flow_runs/filter", {"flows": {"name": {"any_": ["xxgk-reparse"]}}})
    assert [r["state_type"] for r in runs] == ["COMPLETED"]
