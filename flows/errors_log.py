"""Error records of a run: one JSON line per problem under ``<data-dir>/errors/<run-id>.jsonl``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_errors(data_dir: Path, run_id: str, records: Iterable[dict[str, Any]]) -> Path:
    """Append ``records`` to the run's error file and return its path."""
    path = data_dir / "errors" / f"{run_id}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    with path.open("a", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
    path.chmod(0o644)
    return path
