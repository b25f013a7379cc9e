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


# Site statuses that make the run fail (Prefect state Failed, exit code 3).
PROBLEM_STATUSES = ("broken", "incomplete", "failed")

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


class RunNeedsAttention(RuntimeError):  # noqa: N818 - it is the run's verdict, not a bug
    """A run that published what it could but must alert: a site broken/incomplete/failed, or
    the run failed. ``summary`` is the run summary dict (``RunSummary.to_dict``)."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message)
        self.summary = summary

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.summary))


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
    # reports of earlier runs' kept spools published at the start (not in ``published``)
    leftovers_published: int = 0
    # set when the run had nothing to work on (no capture to parse): exit code 4
    nothing_to_do: bool = False
    # seconds per stage (crawl, parse, publish …), in the order they ran
    timings: dict[str, float] = field(default_factory=dict)
    # what an operator must know beyond the table (disk full, spools kept for the next run …)
    notes: list[str] = field(default_factory=list)
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

    @property
    def problem_sites(self) -> list[str]:
        """Sites broken, incomplete (a crawl bound hit) or failed: the run must alert."""
        return sorted(s.site for s in self.sites.values() if s.status in PROBLEM_STATUSES)

    def exit_code(self) -> int:
        """``flows.exit_codes``: 1 the run failed, 3 a site broken/incomplete, 4 nothing to do."""
        if self.failed:
            return 1
        if self.problem_sites:
            return 3
        return 4 if self.nothing_to_do else 0

    def failure_message(self) -> str | None:
        """Why the run must end in a failed state (None when it is healthy)."""
        if self.failed:
            return f"run failed: {self.failed}"
        problems = self.problem_sites
        if problems:
            parts = [f"{s} {self.sites[s].status}" for s in problems]
            return f"{len(problems)} site(s) need attention: {', '.join(parts)}"
        return None

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
        data["problem_sites"] = self.problem_sites
        data["exit_code"] = self.exit_code()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        """The inverse of ``to_dict`` (derived keys are ignored)."""
        known = {f for f in cls.__dataclass_fields__ if f != "sites"}
        run = cls(**{k: v for k, v in data.items() if k in known})
        line_fields = set(SiteLine.__dataclass_fields__)
        for name, line in (data.get("sites") or {}).items():
            run.sites[name] = SiteLine(**{k: v for k, v in line.items() if k in line_fields})
        return run

    def markdown(self) -> str:
        """The summary as a Prefect markdown artifact: verdict, table, reasons, timings, notes."""
        verdict = self.failure_message() or (
            "nothing to do" if self.nothing_to_do else "all sites ok"
        )
        out = [
            f"# xxgk {self.flow} run `{self.run_id}`",
            "",
            f"**{verdict}** — published {self.published} reports to `{self.warehouse}`",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        for s in sorted(self.sites.values(), key=lambda x: x.site):
            out.append("| " + " | ".join(str(getattr(s, c)) for c in COLUMNS) + " |")
        reasons = [s for s in sorted(self.sites.values(), key=lambda x: x.site) if s.reasons]
        if reasons:
            out += ["", "## Reasons", ""]
            out += [f"- **{s.site}** ({s.status}): " + "; ".join(s.reasons[:8]) for s in reasons]
        if self.timings:
            out += ["", "## Stage timings", ""]
            out += [f"- {k}: {v:.1f} s" for k, v in self.timings.items()]
        if self.notes:
            out += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        if self.errors_file:
            out += ["", f"Error records: `{self.errors_file}`"]
        return "\n".join(out)


def add_crawl(summary: RunSummary, crawl: dict[str, Any]) -> None:
    """Fold one crawl summary (``crawler.summary.CrawlSummary`` as dict) into the run."""
    line = summary.line(crawl["site"])
    line.found += int(crawl.get("documents_found", 0))
    line.new += int(crawl.get("new", 0))
    errs = crawl.get("errors", [])
    line.errors += len(errs)
    kinds = Counter(e.get("kind", "error") for e in errs)
    line.reasons += [f"{k} ×{n}" for k, n in kinds.most_common()]
    limits = [e for e in errs if e.get("kind") == "limit_reached"]
    if (crawl.get("status") == INCOMPLETE or limits) and line.status == "ok":  # a bound was hit
        line.status = INCOMPLETE
        line.reasons[:0] = [
            f"bound {e.get('bound') or e.get('message') or '?'} hit at {e.get('url')}"
            for e in limits
        ] or ["crawl incomplete: a bound was hit"]


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
        if line.status == "incomplete":  # a partial count says nothing about the site's health
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


def format_summary(summary: RunSummary, width: int | None = None) -> str:
    """The printed table (rich, CJK-aware widths): one line per site, then the problems' reasons."""
    from flows.tables import render_table

    cols = ("site", "found", "new", "parsed", "invalid", "quarantined", "spam_documents")
    rows = [
        [getattr(s, c) for c in cols] + [s.errors, s.status]
        for s in sorted(summary.sites.values(), key=lambda x: x.site)
    ]
    heads = ["site", "found", "new", "parsed", "invalid", "quarant.", "spam", "errors", "status"]
    lines = [render_table(heads, rows, width=width)]
    for s in sorted(summary.sites.values(), key=lambda x: x.site):
        if s.reasons:
            lines.append(f"  {s.site}: " + "; ".join(s.reasons[:8]))
    if summary.timings:
        lines.append("stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items()))
    lines += [f"note: {n}" for n in summary.notes]
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
