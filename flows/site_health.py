"""Per-site run history for the quality report: one JSON line per site and crawl run.

``<data-dir>/state/site_runs.jsonl`` grows by one line per crawled site per nightly run (a few
hundred bytes). :func:`site_health` folds it into the latest state per site: last run, last
successful run (status ``ok``), current status (``ok``, ``broken``, ``incomplete``, ``failed``)
and the reasons of the last run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.summary import RunSummary

FILE = Path("state") / "site_runs.jsonl"


def append_site_runs(data_dir: Path, summary: RunSummary, sites: set[str]) -> None:
    """Record what happened to each crawled site in this run."""
    path = data_dir / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8") as fh:
        for site in sorted(sites):
            line = summary.line(site)
            record = {
                "run_id": summary.run_id,
                "flow": summary.flow,
                "at": now,
                "site": site,
                "status": line.status,
                "found": line.found,
                "new": line.new,
                "parsed": line.parsed,
                "errors": line.errors,
                "reasons": line.reasons[:5],
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def site_health(data_dir: Path) -> list[dict[str, Any]]:
    """Latest state per site (see the module docstring); a damaged line is skipped and counted
    in ``unreadable_lines`` of every row."""
    path = data_dir / FILE
    if not path.exists():
        return []
    latest: dict[str, dict[str, Any]] = {}
    success: dict[str, str] = {}
    runs: dict[str, int] = {}
    bad = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(raw)
            site = str(rec["site"])
        except (ValueError, KeyError, TypeError):
            bad += 1
            continue
        latest[site] = rec
        runs[site] = runs.get(site, 0) + 1
        if rec.get("status") == "ok":
            success[site] = str(rec.get("at"))
    return [
        {
            "site": site,
            "status": rec.get("status"),
            "last_run": rec.get("at"),
            "last_success": success.get(site),
            "runs": runs[site],
            "found": rec.get("found"),
            "new": rec.get("new"),
            "errors": rec.get("errors"),
            "reasons": "; ".join(rec.get("reasons") or []),
            "unreadable_lines": bad,
        }
        for site, rec in sorted(latest.items())
    ]
