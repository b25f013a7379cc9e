"""Run settings, read once at the edge from ``XXGK_*`` environment variables or CLI options.

``XXGK_DATA_DIR`` (default ``./data``), ``XXGK_WAREHOUSE`` (a path or pyarrow filesystem URI such
as ``s3://bucket/prefix``; default ``<data-dir>/warehouse``), ``XXGK_SITES_FILE`` (default the
bundled ``crawler/sites.toml``), ``XXGK_BATCH_SIZE`` (documents per parse task),
``XXGK_PUBLISH_EVERY`` (reports per warehouse transaction), ``XXGK_CRAWL_TIMEOUT`` (seconds per
site crawl), ``XXGK_CRAWL_CONCURRENCY`` (crawls at once), ``XXGK_PARSE_WORKERS`` (isolated parse
worker processes; default the number of cores, 0 = parse in-process without isolation),
``XXGK_PARSE_TIMEOUT`` (wall seconds per document, default 120), ``XXGK_PARSE_MEMORY_MB``
(address space per worker, default 1536), ``XXGK_PARSE_MAX_OUTPUT_MB`` (JSON of one report,
default 64), ``XXGK_PARSE_LIMITS`` (JSON object overriding fields of
``parsing.extract.limits.Limits``, e.g. ``{"max_pages": 800}``; raise with care).
"""

from __future__ import annotations

import os
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
    }
    if "PREFECT_API_URL" in os.environ:
        defaults.pop("PREFECT_UI_ENABLED")
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    home.mkdir(parents=True, exist_ok=True, mode=0o755)
