"""Prefect flows: ``nightly``, ``backfill`` and ``reparse``. Wiring only, no business logic.

A task per site crawl (retried; a failing site never stops the others), a task per batch of
documents to parse, and one publish task per chunk of batches. Between tasks only paths, ids and
small dicts travel (Prefect inspects task arguments), never report objects.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.logging.handlers import APILogHandler
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from crawler.registry import Site, load_sites
from flows import steps
from flows.config import DEFAULT_SITES_FILE, Settings
from flows.errors_log import write_errors
from flows.ledger import mark_processed, processed_keys
from flows.site_health import append_site_runs
from flows.spools import claim, is_disk_full, publish_leftovers, release, write_keys
from flows.summary import RunNeedsAttention, RunSummary, add_batch, add_crawl, mark_broken

log = logging.getLogger("xxgk")
if log.level == logging.NOTSET:  # served runs: INFO reaches Prefect (PREFECT_LOGGING_EXTRA_LOGGERS)
    log.setLevel(logging.INFO)
crawl_log = logging.getLogger("xxgk.crawl")
_PAGES = re.compile(r"Crawled (\d+) pages")
# Threads of the default task runner: at most this many crawl processes (each a group of sites,
# XXGK_CRAWL_GROUP_SIZE at most) at once (XXGK_CRAWL_CONCURRENCY); parse batches are submitted
# one at a time on threads.
_THREADS: Any = ThreadPoolTaskRunner(max_workers=Settings().crawl_concurrency)


@task(name="crawl-group")
def crawl_group_task(
    sites: list[str], sites_file: str, data_dir: str, years: list[int] | None, timeout: float
) -> dict[str, dict[str, Any]]:
    """Crawl a group of sites in one process (a site whose process died is crawled again, see
    ``steps.crawl_group``); its log lines are streamed to Prefect with each line's site name."""

    def on_line(site: str | None, line: str) -> None:
        if not line.strip():
            return
        pages = _PAGES.search(line)
        progress = (
            {"stage": "crawl", "site": site, "pages": int(pages.group(1))}
            if pages and site
            else None
        )
        name = site or f"group {sites[0]}…{sites[-1]}"
        text = line.replace(f"[{site}] ", "", 1) if site else line
        crawl_log.info("[%s] %s", name, text, extra={"xxgk_progress": progress})

    return steps.crawl_group(sites, Path(sites_file), Path(data_dir), years, timeout, on_line)


@task(name="parse-batch")
def parse_batch_task(
    batch_file: str,
    data_dir: str,
    sites_file: str,
    spool: str,
    years: list[int] | None,
) -> dict[str, Any]:
    """Parse one batch of archived captures (listed in ``batch_file``) into a spool file."""
    captures = steps.read_batch_file(Path(batch_file))
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
) -> Any:
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
        return _finish(summary, flow_name)
    errors: list[dict[str, Any]] = []
    captures: list[dict[str, Any]] = []
    root = warehouse or str(data / "warehouse")
    started = time.monotonic()
    # spools of finished batches an earlier run could not publish (full disk, kill)
    summary.leftovers_published = publish_leftovers(data, root, summary.notes)
    if summary.leftovers_published:
        summary.timings["leftover publish"] = time.monotonic() - started
    stage = time.monotonic()
    if source == "web":
        log.info("crawling %d sites", len(chosen), extra={"xxgk_progress": {"sites": len(chosen)}})
        config = Settings()
        groups = steps.crawl_groups(chosen, config.crawl_concurrency, config.crawl_group_size)
        futures = [
            (group, crawl_group_task.submit(group, sites_file, data_dir, years, crawl_timeout))
            for group in groups
        ]
        for group, future in futures:
            try:
                crawls = future.result()
            except Exception as exc:  # noqa: BLE001 - a failing group never stops the others
                crawls = {
                    site: {"errors": [{"kind": "crash", "message": str(exc)}]} for site in group
                }
            for site in group:
                crawl = crawls.get(site) or {"errors": [{"kind": "crash", "message": "no summary"}]}
                crashed = steps.crash_message(crawl)
                if crashed is not None:  # its process died, again and again: the site failed
                    line = summary.line(site)
                    line.status = "failed"
                    line.errors += 1
                    line.reasons.append(f"crawl failed: {crashed}")
                    errors.append(
                        {"site": site, "stage": "crawl", "kind": "crawl_failed", "message": crashed}
                    )
                    continue
                add_crawl(summary, crawl)
                errors += [{"site": site, "stage": "crawl", **e} for e in crawl.get("errors", [])]
                log.info(  # one line per site as crawls finish: the operator's progress view
                    "crawled %-16s found %d, new %d, errors %d%s",
                    site,
                    crawl.get("documents_found", 0),
                    crawl.get("new", 0),
                    len(crawl.get("errors", [])),
                    "" if summary.line(site).status == "ok" else f" ({summary.line(site).status})",
                    extra={"xxgk_progress": {"stage": "crawl", "site": site, "done": True}},
                )
        # with only_new: everything archived but not yet processed (new, or left by a killed run)
        done = processed_keys(data) if only_new else None
        captures = steps.archived_captures(data, chosen, years, skip=done)
    else:
        captures = steps.archived_captures(data, sites, years)
        for c in captures:
            summary.line(c.get("site") or "local").found += 1
        summary.nothing_to_do = not captures
    summary.timings["crawl" if source == "web" else "list archive"] = time.monotonic() - stage
    stage = time.monotonic()
    publish_s = 0.0

    spool_dir = data / "spool" / run_id
    try:
        claim(spool_dir)
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        summary.failed = f"disk full: {exc}"
        return _finish(summary, flow_name)
    batches = [captures[i : i + batch_size] for i in range(0, len(captures), batch_size)]

    def submit(i: int) -> PrefectFuture[dict[str, Any]]:
        spool = str(spool_dir / f"batch-{i:05}.jsonl")
        # The captures travel as a file: Prefect walks and hashes every task argument, which
        # cost ~0.3 s per task for a list of 1,000 capture dicts (a path costs nothing).
        batch_file = steps.write_batch_file(batches[i], spool_dir / f"batch-{i:05}.captures.json")
        return parse_batch_task.submit(str(batch_file), data_dir, sites_file, spool, years)

    # A sliding window of parse batches: 1 on threads (its documents are parsed on every core by
    # the isolated worker pool, flows/parse_pool.py), the number of workers on Dask.
    log.info(
        "parsing %d documents in %d batches",
        len(captures),
        len(batches),
        extra={"xxgk_progress": {"stage": "parse", "total": len(captures)}},
    )
    inflight = deque(submit(i) for i in range(min(max(1, parse_concurrency), len(batches))))
    next_batch = len(inflight)
    spools: list[str] = []
    keys: list[str] = []
    published_ids: list[str] = []
    pending = 0
    done_docs = n_done = 0
    try:
        while inflight:
            res = inflight.popleft().result()
            if next_batch < len(batches):
                inflight.append(submit(next_batch))
                next_batch += 1
            add_batch(summary, res["by_site"], res["errors"])
            errors += res["errors"]
            spools.append(res["spool"])
            write_keys(res["spool"], res["keys"])
            keys += res["keys"]
            pending += res["parsed"]
            done_docs += len(batches[n_done])
            n_done += 1
            log.info(
                "parsed batch %d/%d: %d reports",
                n_done,
                len(batches),
                res["parsed"],
                extra={"xxgk_progress": {"stage": "parse", "done": done_docs}},
            )
            if pending >= publish_every:
                publish_s += _publish_and_mark(spools, keys, root, data, summary, published_ids)
                spools, keys, pending = [], [], 0
        if spools:
            publish_s += _publish_and_mark(spools, keys, root, data, summary, published_ids)
            spools = []
    except Exception as exc:  # noqa: BLE001 - only a full disk is handled here
        if not is_disk_full(exc):
            raise
        for fut in inflight:  # let running batches end; their spools are kept too
            try:
                res = fut.result()
                spools.append(res["spool"])
                write_keys(res["spool"], res["keys"])
            except Exception:  # noqa: BLE001 - a batch that died on the full disk left nothing
                log.debug("batch lost to the full disk", exc_info=True)
        summary.failed = f"disk full: {exc}"
        kept = [p for p in spool_dir.glob("*.jsonl") if p.with_suffix(".keys").exists()]
        summary.notes.append(
            f"disk full during the run: what was published before stays intact; "
            f"{len(kept)} spool file(s) of finished work kept in {spool_dir} and published by "
            "the next run; documents not yet parsed are parsed by the next run"
        )
        log.error("disk full: %s", exc)
    summary.timings["parse"] = time.monotonic() - stage - publish_s
    summary.timings["publish"] = publish_s
    release(spool_dir)
    if published_ids:  # every value just published, re-checked against its archived source
        t = time.monotonic()
        try:
            summary.audit = audit_task(data_dir, root, published_ids)
        except Exception as exc:  # noqa: BLE001 - the audit reports; it never fails the run
            log.warning("audit failed: %s: %s", type(exc).__name__, exc)
            summary.audit = {"audit_failed": 1}
        summary.timings["audit"] = time.monotonic() - t
    if flow_name == "nightly":
        mark_broken(summary, data / "state" / "site_history.json", set(chosen))
        append_site_runs(data, summary, set(chosen))  # per-site health for `xxgk report`
    if errors:
        try:
            summary.errors_file = str(write_errors(data, run_id, errors))
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            summary.failed = summary.failed or f"disk full: {exc}"
            summary.notes.append(f"disk full: {len(errors)} error records could not be written")
    return _finish(summary, flow_name)


def _publish_and_mark(
    spools: list[str],
    keys: list[str],
    root: str,
    data: Path,
    summary: RunSummary,
    published_ids: list[str],
) -> float:
    """Publish finished spools, mark their captures processed, drop them; seconds spent."""
    started = time.monotonic()
    done = _publish(spools, root)
    summary.published += done["reports"]
    published_ids += done.get("report_ids", [])
    mark_processed(data, keys)
    _drop(spools)
    return time.monotonic() - started


def _publish(spools: list[str], root: str) -> dict[str, Any]:
    """One publish task; what it published (progress: partition files written)."""
    res = publish_task(spools, root)
    log.info(
        "published %d reports (%d partition files written)",
        res["reports"],
        res.get("files", 0),
        extra={"xxgk_progress": {"stage": "publish", "files": res.get("files", 0)}},
    )
    return res


def _drop(spools: list[str]) -> None:
    """Remove published spools and their key files."""
    for spool in spools:
        batch = Path(spool)
        for path in (batch, batch.with_suffix(".keys"), batch.with_suffix(".captures.json")):
            path.unlink(missing_ok=True)


def _finish(summary: RunSummary, flow_name: str) -> Any:
    """Artifacts (table + markdown), then the run's final state.

    A run with a broken, incomplete or failed site, or one that failed outright, ends ``Failed``
    (after everything that succeeded was published) so Prefect automations can alert on it; the
    state's data is a ``RunNeedsAttention`` holding the summary.
    """
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items())
    if timings:
        log.info("stage timings: %s", timings)
    try:
        create_table_artifact(
            key=f"xxgk-{flow_name}",
            table=summary.rows(),
            description=f"xxgk {flow_name} run {summary.run_id}",
        )
        create_markdown_artifact(
            key=f"xxgk-{flow_name}-summary",
            markdown=summary.markdown(),
            description=f"xxgk {flow_name} run {summary.run_id}: summary",
        )
    except Exception:  # noqa: BLE001 - an artifact is a nicety; the printed summary is the record
        log.debug("could not create the artifacts", exc_info=True)
    data = summary.to_dict()
    message = summary.failure_message()
    if message is None:
        log.info("run %s ok: published %d reports", summary.run_id, summary.published)
    else:
        log.error("%s (published %d reports)", message, summary.published)
    try:  # the last lines reach the flow run's logs before a served run's process exits
        APILogHandler().flush()
    except Exception:  # noqa: BLE001 - logs are a nicety next to the state
        log.debug("could not flush the Prefect log handler", exc_info=True)
    if message is None:
        return data
    failed: State[Any] = Failed(message=message, data=RunNeedsAttention(message, data))
    return failed


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
) -> Any:  # the summary dict, or a Failed state holding it
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
) -> Any:  # the summary dict, or a Failed state holding it
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
) -> Any:  # the summary dict, or a Failed state holding it
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
