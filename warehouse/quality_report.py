"""``xxgk report``: one self-contained HTML page on coverage and quality of the warehouse.

Sections (each a plot drawn as inline SVG by :mod:`warehouse.svg`, with its table under it):

1. coverage — reports found per province / prefecture × year against the expected publishers
   (every publisher of the ``publishers`` dimension in that prefecture is expected every year);
2. validation — status per year, and the share of reports failing each rule per year;
3. spam — share of reports with spam removed or quarantined per year, most frequent phrases;
4. sites — per-site health from the run history (last run, last success, broken/incomplete),
   passed in by the caller (the warehouse does not keep crawl history);
5. trends — headline figures per year (requests received and their outcomes) summed over the
   current reports (``is_current``).

Works offline: no scripts or styles are fetched; one tiny inline script only marks, after
layout, how many marks each plot drew (``data-drawn``), which the browser test reads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.fs as pafs

from warehouse import svg
from warehouse.sql import connect

TREND_FIGURES = (
    "new_requests",
    "carried_over",
    "granted",
    "partly_granted",
    "withheld",
    "unable_to_provide",
    "not_processed",
    "other_handling",
    "carried_forward",
    "review_total",
    "litigation_direct_total",
    "litigation_after_review_total",
)
_CSS = """
body{font-family:system-ui,'Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;margin:24px;
color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
.note{color:#555;font-size:13px}.bad{color:#b00020;font-weight:bold}
.tbl{overflow-x:auto;max-width:100%}svg.plot{display:block;margin:8px 0;max-width:100%;height:auto}
"""
_MARK_SCRIPT = """
window.addEventListener('load',function(){var p=document.querySelectorAll('svg.plot'),d=0;
p.forEach(function(s){var n=0;s.querySelectorAll('.mark').forEach(function(m){
var b=m.getBBox();if(b.width>0||b.height>0)n++;});s.setAttribute('data-drawn',n);if(n)d++;});
document.body.setAttribute('data-plots',p.length);document.body.setAttribute('data-plots-drawn',d);
});
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return '<p class="note">no rows</p>'
    cols = list(columns or rows[0].keys())
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            if isinstance(v, float):
                v = f"{v:.1%}" if c.endswith("_rate") else f"{v:,.0f}"
            cells.append(f"<td>{escape('' if v is None else str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class='tbl'><table><tr>{head}</tr>{''.join(body)}</table></div>"


_PUB_JOIN = (
    "JOIN publishers p ON (r.publisher_key = p.publisher_key OR "
    "(r.publisher_key IS NULL AND list_contains(p.names, r.publisher)))"
)


def _coverage(con: duckdb.DuckDBPyConnection) -> tuple[str, list[dict[str, Any]]]:
    years = [r["year"] for r in _rows(con, "SELECT DISTINCT year FROM reports ORDER BY year")]
    areas = _rows(
        con,
        """SELECT coalesce(province_name, '(no division)') AS province,
        coalesce(prefecture_name, '—') AS prefecture, count(*) AS expected
        FROM publishers GROUP BY ALL ORDER BY ALL""",
    )
    found = _rows(
        con,
        f"""SELECT coalesce(p.province_name, '(no division)') AS province,
        coalesce(p.prefecture_name, '—') AS prefecture, r.year,
        count(DISTINCT p.publisher_key) AS found FROM reports r {_PUB_JOIN}
        GROUP BY ALL""",
    )
    got = {(f["province"], f["prefecture"], f["year"]): f["found"] for f in found}
    rows, cells, labels = [], {}, []
    for a in areas:
        label = f"{a['province']} {a['prefecture']}"
        labels.append(label)
        row: dict[str, Any] = {"area": label, "expected publishers": a["expected"]}
        for y in years:
            n = got.get((a["province"], a["prefecture"], y), 0)
            row[str(y)] = f"{n}/{a['expected']}"
            cells[(label, str(y))] = (
                n / a["expected"] if a["expected"] else 0.0,
                f"{n}/{a['expected']}",
            )
        rows.append(row)
    plot = svg.heatmap(
        "coverage", "publishers reporting / expected", labels, [str(y) for y in years], cells
    )
    return plot, rows


def _validation(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
    status = _rows(
        con,
        """SELECT year, count(*) AS reports,
        count(*) FILTER (WHERE validation_status = 'valid') AS valid,
        count(*) FILTER (WHERE validation_status = 'warning') AS warning,
        count(*) FILTER (WHERE validation_status = 'invalid') AS invalid
        FROM reports WHERE is_current GROUP BY year ORDER BY year""",
    )
    years = [str(r["year"]) for r in status]
    plot = svg.bar_chart(
        "validation_status",
        "validation status per year",
        years,
        {k: [r[k] for r in status] for k in ("valid", "warning", "invalid")},
        colors=svg.STATUS_COLORS,
    )
    rates = _rows(
        con,
        """WITH n AS (SELECT year, count(*) AS reports FROM reports WHERE is_current GROUP BY year)
        SELECT i.rule, i.year, count(DISTINCT i.report_id) AS reports_with_issue,
        n.reports, count(DISTINCT i.report_id) / n.reports AS issue_rate
        FROM validation_issues i JOIN reports r USING (report_id) JOIN n ON n.year = i.year
        WHERE r.is_current GROUP BY i.rule, i.year, n.reports ORDER BY i.rule, i.year""",
    )
    rules = sorted({r["rule"] for r in rates})
    cells = {
        (r["rule"], str(r["year"])): (float(r["issue_rate"]), f"{r['issue_rate']:.0%}")
        for r in rates
    }
    heat = svg.heatmap("issue_rates", "share of reports failing each rule", rules, years, cells)
    return plot, heat, status, rates


def _spam(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]:
    per_year = _rows(
        con,
        """SELECT year, count(*) AS reports,
        count(*) FILTER (WHERE spam_detected) AS with_spam,
        count(*) FILTER (WHERE spam_verdict = 'quarantine') AS quarantined,
        count(*) FILTER (WHERE spam_detected) / count(*) AS spam_rate,
        sum(spam_chars_removed) AS chars_removed
        FROM reports WHERE is_current GROUP BY year ORDER BY year""",
    )
    plot = svg.bar_chart(
        "spam_incidence",
        "reports with spam removed / quarantined",
        [str(r["year"]) for r in per_year],
        {
            "spam removed": [r["with_spam"] - r["quarantined"] for r in per_year],
            "quarantined": [r["quarantined"] for r in per_year],
        },
        colors={"spam removed": "#f28e2b", "quarantined": "#e15759"},
    )
    phrases = _rows(
        con,
        """WITH s AS (SELECT year, left(regexp_replace(trim(removed_text), '\\s+', ' ', 'g'), 40)
        AS phrase FROM spam_removals)
        SELECT phrase, count(*) AS removals, min(year) AS first_year, max(year) AS last_year,
        string_agg(DISTINCT CAST(year AS VARCHAR), ', ' ORDER BY CAST(year AS VARCHAR)) AS years
        FROM s WHERE phrase <> '' GROUP BY phrase ORDER BY removals DESC, phrase LIMIT 15""",
    )
    top = svg.hbar_chart(
        "spam_phrases",
        "most frequent spam phrases",
        [r["phrase"] for r in phrases],
        [r["removals"] for r in phrases],
    )
    by_year = _rows(
        con,
        r"""SELECT left(regexp_replace(trim(removed_text), '\s+', ' ', 'g'), 40) AS phrase,
        year, count(*) AS n FROM spam_removals GROUP BY ALL""",
    )
    shown = [r["phrase"] for r in phrases]
    years = sorted({str(r["year"]) for r in by_year})
    peak = max([r["n"] for r in by_year if r["phrase"] in shown] or [1])
    cells = {
        (r["phrase"], str(r["year"])): (r["n"] / peak, str(r["n"]))
        for r in by_year
        if r["phrase"] in shown
    }
    over_time = svg.heatmap(
        "spam_phrases_by_year", "removals of each frequent phrase per year", shown, years, cells
    )
    return plot, top + over_time, per_year, phrases


def _sites(
    con: duckdb.DuckDBPyConnection, health: Sequence[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    counts = {
        r["site"]: r
        for r in _rows(
            con,
            """SELECT site, count(*) AS reports, max(year) AS latest_year,
            max(fetched_at) AS last_capture FROM reports WHERE is_current GROUP BY site""",
        )
    }
    by_site = {h["site"]: dict(h) for h in health}
    rows = []
    for site in sorted(set(by_site) | set(counts)):
        h = by_site.get(site, {})
        c = counts.get(site, {})
        rows.append(
            {
                "site": site,
                "status": h.get("status", "(no run recorded)"),
                "last_run": h.get("last_run"),
                "last_success": h.get("last_success") or ("never" if h else None),
                "found_last_run": h.get("found"),
                "errors_last_run": h.get("errors"),
                "reports_published": c.get("reports", 0),
                "latest_year": c.get("latest_year"),
                "reasons": h.get("reasons", ""),
            }
        )
    statuses = ("ok", "incomplete", "broken", "failed")
    colors = {"ok": "#59a14f", "incomplete": "#edc948", "broken": "#e15759", "failed": "#b07aa1"}
    plot = svg.bar_chart(
        "site_health",
        "reports published per site, coloured by the last run's status",
        [r["site"] for r in rows],
        {s: [r["reports_published"] if r["status"] == s else 0 for r in rows] for s in statuses}
        | {
            "no run recorded": [
                r["reports_published"] if r["status"] not in statuses else 0 for r in rows
            ]
        },
        colors=colors | {"no run recorded": "#bab0ac"},
    )
    return plot, rows


def _trends(con: duckdb.DuckDBPyConnection) -> tuple[str, list[dict[str, Any]]]:
    sums = ", ".join(f'sum("{f}") AS "{f}"' for f in TREND_FIGURES)
    rows = _rows(
        con,
        f"SELECT year, count(*) AS reports, {sums} FROM report_figures WHERE is_current "
        "GROUP BY year ORDER BY year",
    )
    for r in rows:
        for f in TREND_FIGURES:
            r[f] = None if r[f] is None else int(r[f])
    plot = svg.line_chart(
        "trends",
        "headline figures per year (sum over current reports)",
        [str(r["year"]) for r in rows],
        {f: [r[f] for r in rows] for f in TREND_FIGURES[:9]},
    )
    return plot, rows


def render(
    root: str | os.PathLike[str],
    *,
    site_health: Sequence[dict[str, Any]] = (),
    filesystem: pafs.FileSystem | None = None,
    title: str = "xxgk — coverage and quality",
) -> str:
    """The report page as one HTML string."""
    con = connect(root, filesystem=filesystem)
    try:
        totals = _rows(
            con,
            """SELECT count(*) AS reports, count(*) FILTER (WHERE is_current) AS current,
            count(DISTINCT publisher) AS publisher_names, min(year) AS first_year,
            max(year) AS last_year FROM reports""",
        )[0]
        n_publishers = _rows(con, "SELECT count(*) AS n FROM publishers")[0]["n"]
        cov_plot, cov_rows = _coverage(con)
        status_plot, rate_plot, status_rows, rate_rows = _validation(con)
        spam_plot, phrase_plot, spam_rows, phrase_rows = _spam(con)
        site_plot, site_rows = _sites(con, site_health)
        trend_plot, trend_rows = _trends(con)
    finally:
        con.close()
    bad_sites = [r["site"] for r in site_rows if r["status"] in ("broken", "failed", "incomplete")]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='note'>generated {now} from <code>{escape(str(root))}</code>: "
        f"{totals['reports']} report rows ({totals['current']} current), "
        f"{n_publishers} publishers, years {totals['first_year']}–{totals['last_year']}. "
        "Statistics use the current version of each report (<code>is_current</code>).</p>",
    ]
    if bad_sites:
        parts.append(f"<p class='bad'>sites needing attention: {escape(', '.join(bad_sites))}</p>")
    sections = [
        (
            "Coverage: publishers reporting per province / prefecture and year",
            "Expected: every publisher of the <code>publishers</code> table in the area, every "
            "year. A cell reads found/expected.",
            [cov_plot],
            [_table(cov_rows)],
        ),
        (
            "Validation",
            "Status of the current reports per year, and the share of them failing each rule.",
            [status_plot, rate_plot],
            [_table(status_rows), _table(rate_rows)],
        ),
        (
            "Spam",
            "Reports whose text had injected spam removed, those quarantined, and the phrases "
            "removed most often (first 40 characters).",
            [spam_plot, phrase_plot],
            [_table(spam_rows), _table(phrase_rows)],
        ),
        (
            "Site health",
            "From the nightly run history (<code>state/site_runs.jsonl</code>): the last run's "
            "status (ok, incomplete = a crawl bound was hit, broken = fewer or no reports than "
            "before, failed) and the last successful run.",
            [site_plot],
            [_table(site_rows)],
        ),
        (
            "Trends of the headline figures",
            "Requests received and their outcomes (table 三), reviews and lawsuits (table 四), "
            "summed over the current reports of each year.",
            [trend_plot],
            [_table(trend_rows)],
        ),
    ]
    for i, (head, note, plots, tables) in enumerate(sections, 1):
        parts.append(f"<h2 id='s{i}'>{i}. {escape(head)}</h2><p class='note'>{note}</p>")
        for plot, table in zip(plots, tables, strict=True):
            parts.append(plot + table)
    parts.append(f"<script>{_MARK_SCRIPT}</script></body></html>")
    return "".join(parts)


def write_report(
    root: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    site_health: Sequence[dict[str, Any]] = (),
    filesystem: pafs.FileSystem | None = None,
) -> str:
    """Render the report and write it to ``out`` (a local file); returns the path."""
    html = render(root, site_health=site_health, filesystem=filesystem)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return str(path)
