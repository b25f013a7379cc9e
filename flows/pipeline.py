"""Prefect flows: ``nightly``, ``backfill`` and ``reparse``. Wiring only, no business logic.

A task per site crawl (retried; a failing site never stops the others), a task per batch of
documents to parse, and one publish task per chunk of batches. Between tasks only paths, ids and
small dicts travel (Prefect inspects task arguments), never report objects.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from crawler.registry import Site, load_sites
from flows import steps
from flows.config import DEFAULT_SITES_FILE, Settings
from flows.errors_log import write_errors
from flows.ledger import capture_key, mark_processed, processed_keys
from flows.summary import RunSummary, add_batch, add_crawl, mark_broken

log = logging.getLogger("xxgk")
# Threads of the default task runner: at most this many site crawls (subprocesses) at once
# (XXGK_CRAWL_CONCURRENCY); parse batches are submitted one at a time on threads.
_THREADS: Any = ThreadPoolTaskRunner(max_workers=Settings().crawl_concurrency)


@task(name="crawl-site", retries=2, retry_delay_seconds=[2, 10])
def crawl_site_task(
    site: str, sites_file: str, data_dir: str, years: list[int] | None, timeout: float
) -> dict[str, Any]:
    """Crawl one site (subprocess)."""
    return steps.crawl_site(site, Path(sites_file), Path(data_dir), years, timeout)


@task(name="parse-batch")
def parse_batch_task(
    captures: list[dict[str, Any]],
    data_dir: str,
    sites_file: str,
    spool: str,
    years: list[int] | None,
) -> dict[str, Any]:
    """Parse one batch of archived captures into a spool file."""
    sites = load_sites(sites_file)
    res = steps.parse_batch(captures, Path(data_dir), sites, Path(spool), years)
    return {
        "spool": res.spool,
        "parsed": res.parsed,
        "by_site": res.by_site,
        "errors": res.errors,
        "keys": res.handled,
    }


@task(name="publish")
def publish_task(spools: list[str], warehouse_root: str) -> dict[str, Any]:
    """Publish a chunk of spools to the warehouse."""
    return steps.publish_spools(spools, warehouse_root)


@task(name="audit")
def audit_task(data_dir: str, warehouse_root: str, report_ids: list[str]) -> dict[str, int]:
    """``xxgk audit`` of the reports this run published: counts for the run summary."""
    from flows.audit import audit_published

    result = audit_published(data_dir, warehouse_root, report_ids)
    for v in result.violations[:20]:
        log.warning("audit: %s %s %s [%s] %s", v.report_id, v.table, v.key, v.kind, v.message)
    return result.counts()


def _run(
    flow_name: str,
    source: Literal["web", "archive"],
    sites: list[str] | None,
    years: list[int] | None,
    data_dir: str,
    sites_file: str,
    warehouse: str | None,
    batch_size: int,
    publish_every: int,
    crawl_timeout: float,
    only_new: bool,
    parse_concurrency: int,
) -> dict[str, Any]:
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    sites_file = sites_file or str(DEFAULT_SITES_FILE)
    data = Path(data_dir)
    registry: dict[str, Site] = load_sites(sites_file)
    chosen = sorted(sites) if sites else sorted(n for n, s in registry.items() if s.enabled)
    unknown = [s for s in chosen if s not in registry]
    summary = RunSummary(
        run_id=run_id, flow=flow_name, warehouse=warehouse or str(data / "warehouse")
    )
    if unknown:
        summary.failed = f"unknown sites: {', '.join(unknown)}"
        return summary.to_dict()
    errors: list[dict[str, Any]] = []
    captures: list[dict[str, Any]] = []
    if source == "web":
        futures: dict[str, PrefectFuture[dict[str, Any]]] = {
            s: crawl_site_task.submit(s, sites_file, data_dir, years, crawl_timeout) for s in chosen
        }
        for site, fut in futures.items():
            try:
                crawl = fut.result()
            except Exception as exc:  # noqa: BLE001 - a failing site never stops the others
                line = summary.line(site)
                line.status = "failed"
                line.errors += 1
                line.reasons.append(f"crawl failed: {exc}")
                errors.append(
                    {"site": site, "stage": "crawl", "kind": "crawl_failed", "message": str(exc)}
                )
                continue
            add_crawl(summary, crawl)
            errors += [{"site": site, "stage": "crawl", **e} for e in crawl.get("errors", [])]
            log.info(  # one line per site as crawls finish: the operator's progress view
                "crawled %-16s found %d, new %d, errors %d",
                site,
                crawl.get("documents_found", 0),
                crawl.get("new", 0),
                len(crawl.get("errors", [])),
            )
        captures = steps.archived_captures(data, chosen, years)
        if only_new:  # everything archived but not yet processed (new, or left by a killed run)
            done = processed_keys(data)
            captures = [c for c in captures if capture_key(c) not in done]
    else:
        captures = steps.archived_captures(data, sites, years)
        for c in captures:
            summary.line(c.get("site") or "local").found += 1

    spool_dir = data / "spool" / run_id
    batches = [captures[i : i + batch_size] for i in range(0, len(captures), batch_size)]

    def submit(i: int) -> PrefectFuture[dict[str, Any]]:
        spool = str(spool_dir / f"batch-{i:05}.jsonl")
        return parse_batch_task.submit(batches[i], data_dir, sites_file, spool, years)

    # A sliding window of parse batches: 1 on threads (parsing holds the GIL; more threads only
    # slow Prefect's own event loop), the number of workers on Dask.
    inflight = deque(submit(i) for i in range(min(max(1, parse_concurrency), len(batches))))
    next_batch = len(inflight)
    spools: list[str] = []
    keys: list[str] = []
    published_ids: list[str] = []
    pending = 0
    root = warehouse or str(data / "warehouse")
    while inflight:
        res = inflight.popleft().result()
        if next_batch < len(batches):
            inflight.append(submit(next_batch))
            next_batch += 1
        add_batch(summary, res["by_site"], res["errors"])
        errors += res["errors"]
        spools.append(res["spool"])
        keys += res["keys"]
        pending += res["parsed"]
        log.info("parsed batch %d/%d: %d reports", len(spools), len(batches), res["parsed"])
        if pending >= publish_every:
            done_publish = publish_task(spools, root)
            summary.published += done_publish["reports"]
            published_ids += done_publish.get("report_ids", [])
            mark_processed(data, keys)
            spools, keys, pending = [], [], 0
    if spools:
        done_publish = publish_task(spools, root)
        summary.published += done_publish["reports"]
        published_ids += done_publish.get("report_ids", [])
        mark_processed(data, keys)
    if published_ids:  # every value just published, re-checked against its archived source
        try:
            summary.audit = audit_task(data_dir, root, published_ids)
        except Exception as exc:  # noqa: BLE001 - the audit reports; it never fails the run
            log.warning("audit failed: %s: %s", type(exc).__name__, exc)
            summary.audit = {"audit_failed": 1}
    for path in spool_dir.glob("*.jsonl"):
        path.unlink()
    if spool_dir.exists():
        spool_dir.rmdir()
    if flow_name == "nightly":
        mark_broken(summary, data / "state" / "site_history.json", set(chosen))
    if errors:
        summary.errors_file = str(write_errors(data, run_id, errors))
    try:
        create_table_artifact(
            key=f"xxgk-{flow_name}",
            table=summary.rows(),
            description=f"xxgk {flow_name} run {run_id}",
        )
    except Exception:  # noqa: BLE001 - an artifact is a nicety; the printed summary is the record
        log.debug("could not create the table artifact", exc_info=True)
    return summary.to_dict()


@flow(name="xxgk-nightly", task_runner=_THREADS)
def nightly(
    data_dir: str = "data",
    sites_file: str = "",
    sites: list[str] | None = None,
    warehouse: str | None = None,
    batch_size: int = 1000,
    publish_every: int = 1000,
    crawl_timeout: float = 3600.0,
    parse_concurrency: int = 1,
) -> dict[str, Any]:
    """Crawl every enabled site for new documents, parse, validate and publish them."""
    return _run(
        "nightly",
        "web",
        sites,
        None,
        data_dir,
        sites_file,
        warehouse,
        batch_size,
        publish_every,
        crawl_timeout,
        only_new=True,
        parse_concurrency=parse_concurrency,
    )


@flow(name="xxgk-backfill", task_runner=_THREADS)
def backfill(
    years: list[int],
    sites: list[str] | None = None,
    source: Literal["web", "archive"] = "web",
    data_dir: str = "data",
    sites_file: str = "",
    warehouse: str | None = None,
    batch_size: int = 1000,
    publish_every: int = 1000,
    crawl_timeout: float = 3600.0,
    parse_concurrency: int = 1,
) -> dict[str, Any]:
    """Fetch (``web``) or re-read (``archive``) past years and publish every report of them."""
    return _run(
        "backfill",
        source,
        sites,
        years,
        data_dir,
        sites_file,
        warehouse,
        batch_size,
        publish_every,
        crawl_timeout,
        only_new=False,
        parse_concurrency=parse_concurrency,
    )


@flow(name="xxgk-reparse", task_runner=_THREADS)
def reparse(
    years: list[int] | None = None,
    sites: list[str] | None = None,
    data_dir: str = "data",
    sites_file: str = "",
    warehouse: str | None = None,
    batch_size: int = 1000,
    publish_every: int = 1000,
    parse_concurrency: int = 1,
) -> dict[str, Any]:
    """Rebuild the warehouse from the archive with the current parser (no network)."""
    return _run(
        "reparse",
        "archive",
        sites,
        years,
        data_dir,
        sites_file,
        warehouse,
        batch_size,
        publish_every,
        0.0,
        only_new=False,
        parse_concurrency=parse_concurrency,
    )
