"""The run summary a person reads: one line per site, broken-site detection, coverage."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

INCOMPLETE = "incomplete"  # the crawl hit a bound (crawler.summary.INCOMPLETE)

COLUMNS = (
    "site",
    "found",
    "new",
    "parsed",
    "valid",
    "warning",
    "invalid",
    "quarantined",
    "spam_documents",
    "errors",
    "status",
)


# Per-site counters a parse batch reports (flows.steps.BatchResult.by_site).
BATCH_COUNTERS = (
    "parsed",
    "valid",
    "warning",
    "invalid",
    "quarantined",
    "spam_documents",
    "spam_chars",
    "other_year",
    "errors",
)


@dataclass
class SiteLine:
    """What happened to one site in one run."""

    site: str
    found: int = 0
    new: int = 0
    parsed: int = 0
    valid: int = 0
    warning: int = 0
    invalid: int = 0
    quarantined: int = 0
    spam_documents: int = 0
    spam_chars: int = 0
    other_year: int = 0
    errors: int = 0
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    """The whole run: per-site lines, totals, where errors and data went."""

    run_id: str
    flow: str
    sites: dict[str, SiteLine] = field(default_factory=dict)
    published: int = 0
    warehouse: str = ""
    errors_file: str | None = None
    failed: str | None = None
    # ``xxgk audit`` of what this run published (flows.audit.AuditResult.counts)
    audit: dict[str, int] = field(default_factory=dict)

    def line(self, site: str) -> SiteLine:
        """The line of ``site`` (created on first use)."""
        return self.sites.setdefault(site, SiteLine(site))

    @property
    def incomplete_sites(self) -> list[str]:
        """Sites whose crawl hit a bound (``limit_reached``): some reports may be missing."""
        return [s.site for s in self.sites.values() if s.status == INCOMPLETE]

    @property
    def broken_sites(self) -> list[str]:
        """Sites marked broken (crawl failed, or fewer reports than the last run)."""
        return [s.site for s in self.sites.values() if s.status == "broken"]

    def exit_code(self) -> int:
        """0 ok, 1 the run failed outright, 2 a site is broken."""
        if self.failed:
            return 1
        return 2 if self.broken_sites else 0

    def rows(self) -> list[dict[str, Any]]:
        """Table rows (for the Prefect artifact and the printed table)."""
        return [
            {c: getattr(s, c) for c in COLUMNS} | {"reasons": "; ".join(s.reasons[:5])}
            for s in sorted(self.sites.values(), key=lambda x: x.site)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        data = asdict(self)
        data["broken_sites"] = self.broken_sites
        data["incomplete_sites"] = self.incomplete_sites
        return data


def add_crawl(summary: RunSummary, crawl: dict[str, Any]) -> None:
    """Fold one crawl summary (``crawler.summary.CrawlSummary`` as dict) into the run."""
    line = summary.line(crawl["site"])
    line.found += int(crawl.get("documents_found", 0))
    line.new += int(crawl.get("new", 0))
    errs = crawl.get("errors", [])
    line.errors += len(errs)
    kinds = Counter(e.get("kind", "error") for e in errs)
    line.reasons += [f"{k} ×{n}" for k, n in kinds.most_common()]
    if crawl.get("status") == INCOMPLETE and line.status == "ok":
        line.status = INCOMPLETE
        line.reasons[:0] = [
            f"bound {e.get('bound')} hit at {e.get('url')}"
            for e in errs
            if e.get("kind") == "limit_reached"
        ]


def add_batch(
    summary: RunSummary, by_site: dict[str, Counter[str]], errors: list[dict[str, Any]]
) -> None:
    """Fold one parse batch's counters and error records into the run."""
    for site, counts in by_site.items():
        line = summary.line(site)
        if counts.get("article_pages"):
            line.reasons.append(f"{counts['article_pages']} article pages whose report is attached")
        if counts.get("other_year"):
            line.reasons.append(f"{counts['other_year']} reports of other years not published")
        for key in BATCH_COUNTERS:
            setattr(line, key, getattr(line, key) + counts.get(key, 0))
    kinds: dict[str, Counter[str]] = {}
    for err in errors:
        kinds.setdefault(err["site"], Counter())[f"{err.get('kind')}"] += 1
    for site, counter in kinds.items():
        summary.line(site).reasons += [f"{k} ×{n}" for k, n in counter.most_common()]


def mark_broken(summary: RunSummary, history_file: Path, crawled: set[str]) -> None:
    """Compare found counts with the last run; a site finding none, or fewer, is broken.

    The history file keeps the highest count seen per site, so a site that silently loses its
    report column keeps showing up as broken until it is fixed.
    """
    history: dict[str, int] = {}
    if history_file.exists():
        history = json.loads(history_file.read_text(encoding="utf-8"))
    for site in crawled:
        line = summary.line(site)
        before = history.get(site, 0)
        if line.status == "failed":
            line.status = "broken"
            continue
        if line.found == 0:
            line.status = "broken"
            line.reasons.insert(0, "no reports found on the site")
        elif line.found < before:
            line.status = "broken"
            line.reasons.insert(0, f"found {line.found} reports, {before} before")
        history[site] = max(before, line.found)
    history_file.parent.mkdir(parents=True, exist_ok=True)
    history_file.write_text(json.dumps(history, ensure_ascii=False, indent=1), encoding="utf-8")


def format_summary(summary: RunSummary) -> str:
    """The printed table: one line per site, then the reasons of sites with problems."""
    head = (
        f"{'site':18} {'found':>5} {'new':>4} {'parsed':>6} {'invalid':>7} {'quarant.':>8} "
        f"{'spam':>4} {'errors':>6}  status"
    )
    lines = [head, "-" * len(head)]
    for s in sorted(summary.sites.values(), key=lambda x: x.site):
        lines.append(
            f"{s.site:18} {s.found:>5} {s.new:>4} {s.parsed:>6} {s.invalid:>7} "
            f"{s.quarantined:>8} {s.spam_documents:>4} {s.errors:>6}  {s.status}"
        )
    for s in sorted(summary.sites.values(), key=lambda x: x.site):
        if s.reasons:
            lines.append(f"  {s.site}: " + "; ".join(s.reasons[:8]))
    return "\n".join(lines)


def expected_years(today: date, *, government: bool = True, first: int = 2019) -> list[int]:
    """Report years due by ``today``: a year's report is due by 31 March of the next year for
    governments (县级以上人民政府), by 31 January for departments (条例 art. 49–50)."""
    due = (3, 31) if government else (1, 31)
    last = today.year - 1 if (today.month, today.day) > due else today.year - 2
    return list(range(first, last + 1))


def is_government(publisher: str) -> bool:
    """``…人民政府`` publishes by 31 March; departments (局, 委, 办 …) by 31 January."""
    return publisher.endswith("人民政府")
