"""``xxgk status``: reports per site and year, invalid and quarantined counts, expected vs found."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crawler.registry import load_sites
from flows.summary import expected_years, is_government
from warehouse import summary as warehouse_summary


def status_table(warehouse_root: str, sites_file: Path, today: date | None = None) -> str:
    """A printable coverage table: one line per site and expected year."""
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
    return "\n".join(lines)
