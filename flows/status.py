"""``xxgk status``: reports per site and year, invalid and quarantined counts, expected vs found."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from crawler.registry import load_sites
from flows.summary import expected_years, is_government
from warehouse import summary as warehouse_summary


def crawl_states(state_dir: Path | None) -> dict[str, dict[str, object]]:
    """The last crawl state of each site (``<data>/state/crawls/<site>.json``, by the crawler)."""
    states: dict[str, dict[str, object]] = {}
    if state_dir is None or not state_dir.is_dir():
        return states
    for file in sorted(state_dir.glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("site"), str):
            states[data["site"]] = data
    return states


def status_table(
    warehouse_root: str,
    sites_file: Path,
    today: date | None = None,
    crawl_state_dir: Path | None = None,
) -> str:
    """A printable coverage table: one line per site and expected year.

    With ``crawl_state_dir``, a site whose last crawl hit a bound is listed as ``incomplete``
    with the bounds and URLs, after the table.
    """
    rows = warehouse_summary(warehouse_root).to_pylist()
    found: dict[tuple[str, int], dict[str, int]] = {}
    for r in rows:
        found[(str(r["site"]), int(r["year"]))] = {
            k: int(r.get(k, 0) or 0) for k in ("reports", "invalid", "quarantined")
        }
    sites = load_sites(sites_file)
    day = today or date.today()
    all_sites = sorted(set(sites) | {s for s, _ in found})
    lines = [f"{'site':20} {'year':>4} {'reports':>7} {'invalid':>7} {'quarant.':>8}  coverage"]
    for site in all_sites:
        gov = site not in sites or is_government(sites[site].publisher)
        years = expected_years(day, government=gov)
        site_years = sorted(set(years) | {y for s, y in found if s == site})
        for year in site_years:
            got = found.get((site, year), {"reports": 0, "invalid": 0, "quarantined": 0})
            expected = year in years and site in sites and sites[site].enabled
            mark = "ok" if got["reports"] else ("MISSING" if expected else "-")
            lines.append(
                f"{site:20} {year:>4} {got['reports']:>7} {got['invalid']:>7} "
                f"{got['quarantined']:>8}  {mark}"
            )
    for site, state in crawl_states(crawl_state_dir).items():
        if state.get("status") == "incomplete":
            limits = state.get("limits")
            limits = limits if isinstance(limits, list) else []
            where = "; ".join(f"{x['bound']} at {x['url']}" for x in limits if isinstance(x, dict))
            lines.append(f"{site:20} crawl incomplete (last crawl {state.get('at')}): {where}")
    return "\n".join(lines)
