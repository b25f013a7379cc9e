"""The ``xxgk`` command: what an operator runs (demo, nightly run, backfills, status …).

Exit codes: 0 ok; 1 the run failed outright (reason printed); 2 a site was detected broken or a
document could not be parsed (``parse``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from flows.cli_sites_discover import sites_discover
from parsing import ParseError, RawDocument

app = typer.Typer(
    help="xxgk: government information-disclosure annual reports → clean Parquet datasets.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """xxgk: government information-disclosure annual reports → clean Parquet datasets."""


@app.command()
def parse(
    file: Annotated[
        Path,
        typer.Argument(
            help="A report file: HTML, text, PDF, DOCX, DOC …",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print the model as JSON.")] = False,
    publisher: Annotated[str | None, typer.Option(help="Registry default publisher.")] = None,
    url: Annotated[str | None, typer.Option(help="Source URL of the document.")] = None,
    region_code: Annotated[str | None, typer.Option(help="6-digit division code.")] = None,
    charset: Annotated[
        str | None, typer.Option(help="Charset as an HTTP header would give it.")
    ] = None,
) -> None:
    """Parse one report file and print it (readable summary, or --json)."""
    from flows.report_view import report_json, report_summary

    raw = RawDocument(
        content=file.read_bytes(),
        filename=file.name,
        url=url,
        publisher=publisher,
        region_code=region_code,
        charset=charset,
    )
    from flows.parse_pool import pool_from_settings

    with pool_from_settings() as pool:  # an isolated worker with the XXGK_PARSE_* limits
        outcome = pool.parse(raw)
    if isinstance(outcome, ParseError):
        typer.echo(f"error [{outcome.kind}]: {outcome.message}", err=True)
        raise typer.Exit(2)
    report = outcome
    typer.echo(report_json(report) if json_out else report_summary(report))


def _years(spec: str | None) -> list[int] | None:
    """``2019-2023`` or ``2019,2021`` → list of years."""
    if not spec:
        return None
    years: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if a > b:
                    raise ValueError(f"{a} comes after {b}")
                years.update(range(a, b + 1))
            elif part:
                years.add(int(part))
        except ValueError as exc:
            raise typer.BadParameter(f"{spec!r}: use 2019-2023 or 2019,2021 ({exc})") from exc
    if not years or min(years) < 2000 or max(years) > 2100:
        raise typer.BadParameter(f"{spec!r}: years between 2000 and 2100, e.g. 2019-2023")
    return sorted(years)


DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="XXGK_DATA_DIR", help="Data directory.")
]
SitesFile = Annotated[
    Path | None, typer.Option("--sites-file", envvar="XXGK_SITES_FILE", help="Site registry TOML.")
]
Warehouse = Annotated[
    str | None,
    typer.Option(
        envvar="XXGK_WAREHOUSE",
        help="Warehouse path or URI (s3://…); default <data-dir>/warehouse.",
    ),
]
Workers = Annotated[int, typer.Option(help="Parse on a local Dask cluster of N worker processes.")]
DaskAddress = Annotated[
    str | None, typer.Option(help="Parse on an existing Dask scheduler (tcp://…).")
]


def _sites_file(path: Path | None) -> Path:
    from flows.config import DEFAULT_SITES_FILE

    return path or DEFAULT_SITES_FILE


def _finish(summary: dict[str, object]) -> None:
    from flows.summary import RunSummary, SiteLine, format_summary

    run = RunSummary(
        run_id=str(summary["run_id"]),
        flow=str(summary["flow"]),
        sites={k: SiteLine(**v) for k, v in summary["sites"].items()},  # type: ignore[attr-defined]
        published=int(summary["published"]),  # type: ignore[call-overload]
        warehouse=str(summary["warehouse"]),
        errors_file=summary.get("errors_file"),  # type: ignore[arg-type]
        failed=summary.get("failed"),  # type: ignore[arg-type]
    )
    typer.echo(format_summary(run))
    typer.echo(f"\npublished {run.published} reports → {run.warehouse}")
    audit_counts = summary.get("audit")
    if isinstance(audit_counts, dict) and "audit_violations" in audit_counts:
        typer.echo(
            "audit of what was published: {audited_values} values of {audited_reports} "
            "reports, {audit_violations} violations".format(**audit_counts)
        )
    elif audit_counts:
        typer.echo("audit of what was published failed (see the log)", err=True)
    if run.errors_file:
        typer.echo(f"error records: {run.errors_file}")
    if run.failed:
        typer.echo(f"run failed: {run.failed}", err=True)
    elif run.broken_sites:
        typer.echo(f"broken sites: {', '.join(run.broken_sites)}", err=True)
    code = run.exit_code()
    if code:
        raise typer.Exit(code)


def _run(
    name: str, data_dir: Path, params: Mapping[str, Any], workers: int, dask: str | None
) -> None:
    from flows.config import Settings
    from flows.runner import quiet_exit, run_flow

    settings = Settings()
    defaults: dict[str, Any] = {
        "batch_size": settings.batch_size,
        "publish_every": settings.publish_every,
    }
    if name != "reparse":
        defaults["crawl_timeout"] = settings.crawl_timeout
    if workers or dask:  # parse batches in parallel on the Dask workers
        defaults["parse_concurrency"] = max(workers, 1) * 2 if workers else 8
    params = {**defaults, **params}
    with quiet_exit():
        try:
            summary = run_flow(name, data_dir, params, workers=workers, dask_address=dask)
        except Exception as exc:
            typer.echo(f"run failed: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from exc
        _finish(summary)


@app.command()
def run(
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only these sites.")] = None,
    warehouse: Warehouse = None,
    workers: Workers = 0,
    dask_address: DaskAddress = None,
) -> None:
    """Nightly run now: crawl new documents of every enabled site → parse → publish."""
    params = {
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "sites": site or None,
        "warehouse": warehouse,
    }
    _run("nightly", data_dir, params, workers, dask_address)


@app.command()
def backfill(
    years: Annotated[str, typer.Option(help="Years, e.g. 2019-2023 or 2019,2021.")],
    site: Annotated[list[str] | None, typer.Option("--site", help="Only these sites.")] = None,
    from_archive: Annotated[
        bool, typer.Option(help="Re-read the archive instead of the web.")
    ] = False,
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    warehouse: Warehouse = None,
    workers: Workers = 0,
    dask_address: DaskAddress = None,
) -> None:
    """Fetch (or re-read from the archive) past years and publish every report of them."""
    params = {
        "years": _years(years),
        "sites": site or None,
        "source": "archive" if from_archive else "web",
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "warehouse": warehouse,
    }
    _run("backfill", data_dir, params, workers, dask_address)


@app.command()
def reparse(
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2019-2022 (default all).")] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only these sites.")] = None,
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    warehouse: Warehouse = None,
    workers: Workers = 0,
    dask_address: DaskAddress = None,
) -> None:
    """Rebuild the warehouse from the WARC archive with the current parser (no network)."""
    params = {
        "years": _years(years),
        "sites": site or None,
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "warehouse": warehouse,
    }
    _run("reparse", data_dir, params, workers, dask_address)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the demo writes.")] = Path(
        "data/demo"
    ),
) -> None:
    """Serve bundled sample sites on 127.0.0.1 and run the nightly flow on them, offline."""
    from flows.demo_content import demo_sites_toml, write_demo_sites
    from flows.demo_server import serve_directory

    site_root = data_dir / "sites"
    write_demo_sites(site_root)
    typer.echo(f"serving 3 demo sites from {site_root} on 127.0.0.1 …")
    # A fixed port when free, so a second demo run sees the same URLs (same report ids) and
    # fetches nothing new.
    with serve_directory(site_root, port=18765) as port:
        sites_file = data_dir / "demo-sites.toml"
        sites_file.write_text(demo_sites_toml(port), encoding="utf-8")
        params = {"data_dir": str(data_dir), "sites_file": str(sites_file)}
        from flows.runner import quiet_exit, run_flow

        with quiet_exit():
            try:
                summary = run_flow("nightly", data_dir, params)
            except Exception as exc:
                typer.echo(f"demo failed: {type(exc).__name__}: {exc}", err=True)
                raise typer.Exit(1) from exc
            wh = Path(str(summary["warehouse"])).resolve()
            try:
                _finish(summary)
            finally:
                _show_demo_query(wh)


def _show_demo_query(wh: Path) -> None:
    """Print where the Parquet landed, a ready-to-paste DuckDB query, and its result."""
    import duckdb

    source = f"read_parquet('{wh}/reports/*/*.parquet', hive_partitioning = true)"
    query = " ".join(
        [
            "SELECT year, publisher, template, format, validation_status, spam_chars_removed",
            "FROM",
            source,
            "ORDER BY year, publisher",
        ]
    )
    typer.echo(f"\nParquet datasets: {wh}/<table>/year=YYYY/part-*.parquet")
    hint = '.venv/bin/python -c "import duckdb; duckdb.sql(...).show()"'
    typer.echo(f"DuckDB (paste into `{hint}`):\n  {query}\n")
    try:
        typer.echo(str(duckdb.sql(query)))
    except duckdb.Error as exc:
        typer.echo(f"(query failed: {exc})")


@app.command()
def status(
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    warehouse: Warehouse = None,
) -> None:
    """Reports per site and year in the warehouse, invalid/quarantined, expected vs found."""
    from crawler.registry import RegistryError
    from flows.status import status_table

    root = warehouse or str(data_dir / "warehouse")
    if "://" not in root and not Path(root).is_dir():
        typer.echo(f"no warehouse at {root} yet: run `xxgk run` or `xxgk backfill` first", err=True)
        raise typer.Exit(1)
    try:
        typer.echo(status_table(root, _sites_file(sites_file), None, data_dir / "state" / "crawls"))
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def compact(data_dir: DataDir = Path("data"), warehouse: Warehouse = None) -> None:
    """Rewrite every partition as one file (safe to run any time; writers are locked out)."""
    import warehouse as wh

    root = warehouse or str(data_dir / "warehouse")
    if "://" not in root and not Path(root).is_dir():
        typer.echo(f"no warehouse at {root}: nothing to compact", err=True)
        raise typer.Exit(1)
    res = wh.compact(root)
    typer.echo(f"compacted: {res}")


sites_app = typer.Typer(help="The site registry: list, add, check.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
sites_app.command("discover")(sites_discover)


@sites_app.command("list")
def sites_list(sites_file: SitesFile = None) -> None:
    """List the registered sites."""
    from crawler.registry import RegistryError, load_sites

    try:
        sites = load_sites(_sites_file(sites_file))
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for name, s in sorted(sites.items()):
        flag = "" if s.enabled else "  (disabled)"
        typer.echo(f"{name:20} {s.publisher:16} {s.region_code or '':7} {s.start_urls[0]}{flag}")


@sites_app.command("add")
def sites_add(
    name: Annotated[str, typer.Argument(help="Site id, lowercase snake case.")],
    url: Annotated[str, typer.Argument(help="URL of the 政府信息公开年报 column.")],
    publisher: Annotated[
        str | None, typer.Option(help="Issuing body, e.g. 合阳县人民政府.")
    ] = None,
    region_code: Annotated[str | None, typer.Option(help="6-digit division code.")] = None,
    sites_file: SitesFile = None,
) -> None:
    """Add a site to the registry (validated before it is written)."""
    from crawler.registry import RegistryError, add_site

    try:
        add_site(_sites_file(sites_file), name, url, publisher=publisher, region_code=region_code)
    except (RegistryError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"added {name}")


@sites_app.command("check")
def sites_check(sites_file: SitesFile = None) -> None:
    """Validate the registry file (field paths on errors)."""
    from crawler.registry import RegistryError, check_sites

    try:
        problems = check_sites(_sites_file(sites_file))
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for p in problems:
        typer.echo(p)
    if problems:
        raise typer.Exit(1)
    typer.echo("ok")


@app.command()
def serve(
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    cron: Annotated[str, typer.Option(help="Cron of the nightly run.")] = "0 2 * * *",
    timezone: Annotated[str, typer.Option(help="Time zone of the cron.")] = "Asia/Shanghai",
) -> None:
    """Serve the nightly flow on a cron schedule and backfill on demand (needs a Prefect server)."""
    from flows.serve import serve_flows

    raise typer.Exit(serve_flows(data_dir, _sites_file(sites_file), cron, timezone))


from flows.cli_audit import audit  # noqa: E402 - registered last: its own module (issue 11)

app.command()(audit)
