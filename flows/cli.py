"""The ``xxgk`` command: what an operator runs (demo, nightly run, backfills, status …).

Exit codes (``flows.exit_codes``): 0 ok; 1 the run failed (reason printed); 2 usage error; 3 a
site broken, incomplete or failed (everything else published); 4 nothing to do.

Start-up stays fast: this module imports only typer; every command imports what it uses.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from flows.cli_sites_discover import sites_discover
from flows.exit_codes import FAILED, HELP, NOTHING_TO_DO, USAGE, UserError

app = typer.Typer(
    help="xxgk: government information-disclosure annual reports → clean Parquet datasets.",
    epilog=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

_VERBOSITY = [0]  # -q → -1, -v → 1, -vv → 2 (set by the callback and by each command)

Verbose = Annotated[
    int,
    typer.Option("--verbose", "-v", count=True, help="More output: -v crawl log lines, -vv debug."),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only warnings, errors and the final summary.")
]
JsonOut = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout (messages on stderr).")
]


def _verbosity(verbose: int = 0, quiet: bool = False) -> int:
    if quiet:
        _VERBOSITY[0] = -1
    elif verbose:
        _VERBOSITY[0] = max(_VERBOSITY[0], verbose)
    return _VERBOSITY[0]


def _version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("xxgk")
    except PackageNotFoundError:
        pkg = "unknown"
    parser = _constant("parsing", "pipeline.py", "PARSER_VERSION")
    schema = _constant("warehouse", "schemas.py", "SCHEMA_VERSION")
    typer.echo(f"xxgk {pkg} (parser {parser}, {_parser_build()}; schema {schema})")
    raise typer.Exit(0)


def _parser_build() -> str:
    """Which parser build an import would run (``parsing/native.py``, loaded alone: importing
    ``parsing`` would import the parser)."""
    import importlib.util

    spec = importlib.util.find_spec("parsing")
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        return "parser build unknown"
    path = Path(next(iter(locations))) / "native.py"
    probe = importlib.util.spec_from_file_location("_xxgk_native_probe", path)
    if probe is None or probe.loader is None:
        return "parser build unknown"
    module = importlib.util.module_from_spec(probe)
    probe.loader.exec_module(module)
    reason = module.pure_reason()
    return "compiled (mypyc)" if reason is None else f"pure Python: {reason}"


def _constant(package: str, module: str, name: str) -> object:
    """A module-level literal read from the source (no import of the package: ``--version`` stays
    fast); imported for real if the source does not spell it as a literal."""
    import ast
    import importlib
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / module
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError):
            tree = ast.Module(body=[], type_ignores=[])
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                return node.value.value
    return getattr(importlib.import_module(f"{package}.{module.removesuffix('.py')}"), name)


@app.callback()
def main(
    verbose: Verbose = 0,
    quiet: Quiet = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_version,
            help="Print the version, parser version and schema version.",
        ),
    ] = False,
) -> None:
    """xxgk: government information-disclosure annual reports → clean Parquet datasets."""
    _VERBOSITY[0] = 0
    _verbosity(verbose, quiet)


def _fail(message: str, code: int, json_out: bool = False) -> NoReturn:
    """One line on stderr (and a JSON error document with --json), then the exit code."""
    typer.echo(f"error: {message}", err=True)
    if json_out:
        typer.echo(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False))
    raise typer.Exit(code)


def _say(message: str) -> None:
    """A status line on stderr unless -q."""
    if _VERBOSITY[0] >= 0:
        typer.echo(message, err=True)


@app.command(epilog="Exit codes: 0 parsed; 1 not a report / cannot be parsed; 2 usage error.")
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
    from parsing import ParseError, RawDocument

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
        raise typer.Exit(FAILED)
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


def _finish(summary: dict[str, Any], json_out: bool = False) -> None:
    from flows.summary import RunSummary, format_summary

    run = RunSummary.from_dict(summary)
    out = sys.stderr if json_out else sys.stdout
    if json_out:
        typer.echo(json.dumps(run.to_dict(), ensure_ascii=False, indent=1))
    elif _VERBOSITY[0] >= 0:
        typer.echo(format_summary(run))
    print(f"\npublished {run.published} reports → {run.warehouse}", file=out)
    audit_counts = summary.get("audit")
    if isinstance(audit_counts, dict) and "audit_violations" in audit_counts:
        print(
            "audit of what was published: {audited_values} values of {audited_reports} "
            "reports, {audit_violations} violations".format(**audit_counts),
            file=out,
        )
    elif audit_counts:
        typer.echo("audit of what was published failed (see the log)", err=True)
    if run.errors_file:
        print(f"error records: {run.errors_file}", file=out)
    if json_out or _VERBOSITY[0] < 0:
        for note in run.notes:
            print(f"note: {note}", file=sys.stderr)
    if run.failed:
        typer.echo(f"run failed: {run.failed}", err=True)
    elif run.problem_sites:
        parts = ", ".join(f"{s} ({run.sites[s].status})" for s in run.problem_sites)
        typer.echo(f"sites needing attention: {parts}", err=True)
    elif run.nothing_to_do:
        typer.echo("nothing to do: no document to parse", err=True)
    code = run.exit_code()
    if code:
        raise typer.Exit(code)


def _preflight(
    data_dir: Path,
    sites_file: Path,
    sites: list[str] | None,
    warehouse: str | None,
    *,
    source: str,
) -> None:
    """Every check that needs no Prefect: registry, chosen sites, data dir, warehouse, archive."""
    import os

    from flows import preflight

    min_free = float(os.environ.get("XXGK_MIN_FREE_MB", "50") or 50)
    try:
        registry = preflight.load_registry(sites_file)
    except UserError as exc:
        if exc.code != NOTHING_TO_DO:
            raise
        if sites:
            raise UserError(f"unknown site {', '.join(map(repr, sites))}: {exc.message}") from exc
        if source == "web":
            raise
        registry = {}  # reparse: the archive says which sites there are
    if source == "web" or sites and registry:
        preflight.choose_sites(registry, sites)
    preflight.check_writable_dir(data_dir, "data dir", min_free)
    preflight.check_warehouse(warehouse or str(data_dir / "warehouse"), min_free)
    if source == "archive":
        preflight.check_archive(data_dir)


def _run(
    name: str,
    data_dir: Path,
    params: Mapping[str, Any],
    workers: int,
    dask: str | None,
    *,
    json_out: bool = False,
    source: str = "web",
) -> None:
    try:
        _preflight(
            data_dir,
            Path(str(params["sites_file"])),
            params.get("sites"),
            params.get("warehouse"),
            source=source,
        )
    except UserError as exc:
        _fail(exc.message, exc.code, json_out)
    from flows.config import Settings
    from flows.progress import progress_view
    from flows.runner import prefect_target, quiet_exit, run_flow

    _say(prefect_target(data_dir))
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
            with progress_view(_VERBOSITY[0]):
                summary = run_flow(name, data_dir, params, workers=workers, dask_address=dask)
        except Exception as exc:
            from flows.spools import is_disk_full

            reason = "disk full" if is_disk_full(exc) else type(exc).__name__
            _fail(f"run failed: {reason}: {exc}", FAILED, json_out)
        _finish(summary, json_out)


@app.command(epilog=HELP)
def run(
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only these sites.")] = None,
    warehouse: Warehouse = None,
    workers: Workers = 0,
    dask_address: DaskAddress = None,
    json_out: JsonOut = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Nightly run now: crawl new documents of every enabled site → parse → publish."""
    _verbosity(verbose, quiet)
    params = {
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "sites": site or None,
        "warehouse": warehouse,
    }
    _run("nightly", data_dir, params, workers, dask_address, json_out=json_out)


@app.command(epilog=HELP)
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
    json_out: JsonOut = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Fetch (or re-read from the archive) past years and publish every report of them."""
    _verbosity(verbose, quiet)
    source = "archive" if from_archive else "web"
    params = {
        "years": _years(years),
        "sites": site or None,
        "source": source,
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "warehouse": warehouse,
    }
    _run("backfill", data_dir, params, workers, dask_address, json_out=json_out, source=source)


@app.command(epilog=HELP)
def reparse(
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2019-2022 (default all).")] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only these sites.")] = None,
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    warehouse: Warehouse = None,
    workers: Workers = 0,
    dask_address: DaskAddress = None,
    json_out: JsonOut = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Rebuild the warehouse from the WARC archive with the current parser (no network)."""
    _verbosity(verbose, quiet)
    params = {
        "years": _years(years),
        "sites": site or None,
        "data_dir": str(data_dir),
        "sites_file": str(_sites_file(sites_file)),
        "warehouse": warehouse,
    }
    _run("reparse", data_dir, params, workers, dask_address, json_out=json_out, source="archive")


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where the demo writes.")] = Path(
        "data/demo"
    ),
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Serve bundled sample sites on 127.0.0.1 and run the nightly flow on them, offline."""
    from flows.demo_content import demo_sites_toml, write_demo_sites
    from flows.demo_server import serve_directory

    _verbosity(verbose, quiet)
    site_root = data_dir / "sites"
    write_demo_sites(site_root)
    typer.echo(f"serving 3 demo sites from {site_root} on 127.0.0.1 …")
    # A fixed port when free, so a second demo run sees the same URLs (same report ids) and
    # fetches nothing new.
    with serve_directory(site_root, port=18765) as port:
        sites_file = data_dir / "demo-sites.toml"
        sites_file.write_text(demo_sites_toml(port), encoding="utf-8")
        params = {"data_dir": str(data_dir), "sites_file": str(sites_file)}
        from flows.progress import progress_view
        from flows.runner import prefect_target, quiet_exit, run_flow

        _say(prefect_target(data_dir))
        with quiet_exit():
            try:
                with progress_view(_VERBOSITY[0]):
                    summary = run_flow("nightly", data_dir, params)
            except Exception as exc:
                typer.echo(f"demo failed: {type(exc).__name__}: {exc}", err=True)
                raise typer.Exit(FAILED) from exc
            wh = Path(str(summary["warehouse"])).resolve()
            try:
                _finish(summary)
            finally:
                _show_demo_query(wh)
                from flows.cli_export import write_quality_report

                report = Path(write_quality_report(data_dir, str(wh))).resolve()
                typer.echo(f"Quality report (open in a browser): {report}")


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


def _local_warehouse_missing(root: str) -> bool:
    return "://" not in root and not Path(root).is_dir()


@app.command(epilog="Exit codes: 0 ok; 2 bad sites file; 4 no warehouse yet.")
def status(
    data_dir: DataDir = Path("data"),
    sites_file: SitesFile = None,
    warehouse: Warehouse = None,
    json_out: JsonOut = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Reports per site and year in the warehouse, invalid/quarantined, expected vs found."""
    from flows import preflight

    _verbosity(verbose, quiet)
    root = warehouse or str(data_dir / "warehouse")
    if _local_warehouse_missing(root):
        _fail(
            f"no warehouse at {root} yet: run `xxgk run` or `xxgk backfill` first",
            NOTHING_TO_DO,
            json_out,
        )
    sites = _sites_file(sites_file)
    try:
        preflight.load_registry(sites)
    except UserError as exc:
        if exc.code != NOTHING_TO_DO:
            _fail(exc.message, exc.code, json_out)
    from flows.status import incomplete_crawls, status_rows, status_table

    crawls = data_dir / "state" / "crawls"
    if json_out:
        doc = {
            "warehouse": root,
            "rows": status_rows(root, sites),
            "incomplete_crawls": incomplete_crawls(crawls),
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    else:
        typer.echo(status_table(root, sites, None, crawls))


@app.command(epilog="Exit codes: 0 ok; 4 no warehouse.")
def compact(
    data_dir: DataDir = Path("data"),
    warehouse: Warehouse = None,
    json_out: JsonOut = False,
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Rewrite every partition as one file (safe to run any time; writers are locked out)."""
    import dataclasses

    import warehouse as wh

    _verbosity(verbose, quiet)
    root = warehouse or str(data_dir / "warehouse")
    if _local_warehouse_missing(root):
        _fail(f"no warehouse at {root}: nothing to compact", NOTHING_TO_DO, json_out)
    res = wh.compact(root)
    data: dict[str, Any] = (
        dataclasses.asdict(res) if dataclasses.is_dataclass(res) else dict(vars(res))
    )
    if json_out:
        typer.echo(json.dumps({"warehouse": root, **data}, ensure_ascii=False, default=str))
        return
    from flows.tables import render_table

    rows = [[k, len(v) if isinstance(v, list | dict) else v] for k, v in data.items()]
    typer.echo(f"compacted {root}")
    typer.echo(render_table(["what", "count"], rows))
    leaves = data.get("leaves_rewritten")
    if isinstance(leaves, list) and leaves and _VERBOSITY[0] > 0:
        typer.echo("\n".join(f"  {leaf}" for leaf in leaves))


sites_app = typer.Typer(help="The site registry: list, add, check.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
sites_app.command("discover")(sites_discover)


@sites_app.command("list")
def sites_list(sites_file: SitesFile = None, json_out: JsonOut = False) -> None:
    """List the registered sites."""
    from flows import preflight

    path = _sites_file(sites_file)
    try:
        sites = preflight.load_registry(path)
    except UserError as exc:
        if exc.code != NOTHING_TO_DO:
            _fail(exc.message, exc.code, json_out)
        sites = {}
    if json_out:
        docs = [s.model_dump(mode="json") for _, s in sorted(sites.items())]
        typer.echo(json.dumps({"sites_file": str(path), "sites": docs}, ensure_ascii=False))
        return
    from flows.tables import render_table

    rows = [
        [n, s.publisher, s.region_code or "", s.start_urls[0], "" if s.enabled else "disabled"]
        for n, s in sorted(sites.items())
    ]
    typer.echo(render_table(["site", "publisher", "region", "start url", ""], rows))


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
        _fail(" ".join(str(exc).split()), USAGE)
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
    verbose: Verbose = 0,
    quiet: Quiet = False,
) -> None:
    """Serve the nightly flow on a cron schedule and backfill on demand (needs a Prefect server)."""
    from flows import preflight
    from flows.serve import serve_flows

    _verbosity(verbose, quiet)
    path = _sites_file(sites_file)
    try:
        preflight.load_registry(path)
        preflight.check_writable_dir(data_dir, "data dir", 0)
    except UserError as exc:
        _fail(exc.message, exc.code)
    raise typer.Exit(serve_flows(data_dir, path, cron, timezone))


from flows.cli_audit import audit  # noqa: E402 - registered last: its own module (issue 11)

app.command()(audit)

from flows.cli_export import register as _register_export  # noqa: E402  (export, sql, report)

_register_export(app)
