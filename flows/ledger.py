"""Which archived captures have been processed (published or recorded as errors).

The nightly run parses every archived capture not in the ledger, so a run killed between crawl
and publish is completed by the next one. Keys are written only after the publish that holds
their reports has committed. One line per key in ``<data-dir>/state/processed.txt``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def capture_key(capture: dict[str, Any]) -> str:
    """The identity of one capture: its bytes and the URL they were fetched from."""
    return f"{capture.get('sha256')} {capture.get('url')}"


def _path(data_dir: Path) -> Path:
    return data_dir / "state" / "processed.txt"


def processed_keys(data_dir: Path) -> set[str]:
    """Keys of every capture already processed."""
    path = _path(data_dir)
    if not path.exists():
        return set()
    return {line.rstrip("\n") for line in path.open(encoding="utf-8") if line.strip()}


def mark_processed(data_dir: Path, keys: Iterable[str]) -> None:
    """Append ``keys`` durably (fsync) after their publish committed."""
    keys = list(keys)
    if not keys:
        return
    path = _path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(k + "\n" for k in keys))
        fh.flush()
        os.fsync(fh.fileno())
    path.chmod(0o644)
