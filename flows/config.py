"""Run settings, read once at the edge from ``XXGK_*`` environment variables or CLI options.

``XXGK_DATA_DIR`` (default ``./data``), ``XXGK_WAREHOUSE`` (a path or pyarrow filesystem URI such
as ``s3://bucket/prefix``; default ``<data-dir>/warehouse``), ``XXGK_SITES_FILE`` (default the
bundled ``crawler/sites.toml``), ``XXGK_BATCH_SIZE`` (documents per parse task),
``XXGK_PUBLISH_EVERY`` (reports per warehouse transaction), ``XXGK_CRAWL_TIMEOUT`` (seconds per
site crawl), ``XXGK_CRAWL_CONCURRENCY`` (crawl processes at once), ``XXGK_CRAWL_GROUP_SIZE``
(sites per crawl process at most, default 50), ``XXGK_MIN_FREE_MB`` (free space a
run needs under the data dir and the warehouse before it starts, default 50),
``XXGK_PARSE_WORKERS`` (isolated parse
worker processes; default the number of cores, 0 = parse in-process without isolation),
``XXGK_PARSE_TIMEOUT`` (wall seconds per document, default 120), ``XXGK_PARSE_MEMORY_MB``
(address space per worker, default 1536), ``XXGK_PARSE_MAX_OUTPUT_MB`` (JSON of one report,
default 64), ``XXGK_PARSE_LIMITS`` (JSON object overriding fields of
``parsing.extract.limits.Limits``, e.g. ``{"max_pages": 800}``; raise with care).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

import crawler

DEFAULT_SITES_FILE = Path(crawler.__file__).parent / "sites.toml"


class Settings(BaseSettings):
    """Where data lives and how work is batched."""

    model_config = SettingsConfigDict(env_prefix="XXGK_", extra="ignore")

    data_dir: Path = Path("data")
    warehouse: str | None = None
    sites_file: Path = DEFAULT_SITES_FILE
    batch_size: int = 1000
    publish_every: int = 1000
    crawl_timeout: float = 3600.0
    crawl_concurrency: int = 4
    crawl_group_size: int = 50
    min_free_mb: float = 50.0
    parse_workers: int | None = None
    parse_timeout: float = 120.0
    parse_memory_mb: int = 1536
    parse_max_output_mb: int = 64
    parse_limits: dict[str, int | float] = {}

    def warehouse_root(self) -> str:
        """The warehouse location: ``XXGK_WAREHOUSE`` or ``<data-dir>/warehouse``."""
        return self.warehouse or str(self.data_dir / "warehouse")


def configure_prefect(data_dir: Path) -> None:
    """Quiet, offline-friendly Prefect defaults; must run before ``import prefect``.

    Without ``PREFECT_API_URL`` Prefect runs an ephemeral server whose history lives in
    ``<data-dir>/.prefect`` (so the UI can browse it later via ``xxgk serve``).
    """
    home = data_dir.resolve() / ".prefect"
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
        "PREFECT_LOGGING_SERVER_LEVEL": "ERROR",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
        "DO_NOT_TRACK": "1",
        # xxgk's own log lines (progress, crawl output, timings) go to the flow run's logs
        "PREFECT_LOGGING_EXTRA_LOGGERS": "xxgk",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    extra = os.environ.get("PREFECT_LOGGING_EXTRA_LOGGERS")
    if extra and "xxgk" not in extra.split(","):
        os.environ["PREFECT_LOGGING_EXTRA_LOGGERS"] = extra + ",xxgk"
    if "PREFECT_API_URL" in os.environ:
        defaults.pop("PREFECT_UI_ENABLED")
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    home.mkdir(parents=True, exist_ok=True, mode=0o755)


SERVER_FILE = "xxgk-server.json"


def server_file(data_dir: Path) -> Path:
    """Where ``xxgk serve`` records the API URL of the Prefect server it started."""
    return data_dir.resolve() / ".prefect" / SERVER_FILE


def healthy(api_url: str, timeout: float = 3.0) -> bool:
    """The Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as resp:  # noqa: S310
            return bool(resp.status == 200)
    except (OSError, ValueError):
        return False


def use_running_server(data_dir: Path) -> tuple[str, str] | None:
    """Pay the Prefect server start once: the configured server, or the one ``xxgk serve`` runs.

    Returns ``(api_url, where it came from)`` and sets ``PREFECT_API_URL``; None means the
    ephemeral server (started per command, 10-20 s).
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"], "PREFECT_API_URL"
    path = server_file(data_dir)
    try:
        api = str(json.loads(path.read_text(encoding="utf-8"))["api_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not healthy(api):
        return None
    os.environ["PREFECT_API_URL"] = api
    return api, f"the server `xxgk serve` started ({path})"
