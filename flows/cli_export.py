"""``xxgk export``, ``xxgk sql`` and ``xxgk report``: the warehouse for analysts.

Registered on the main app by :func:`register`; the work is in ``warehouse.export``,
``warehouse.sql`` and ``warehouse.quality_report``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

DataDir = Annotated[
    Path, typer.Option("--data-dir", envvar="XXGK_DATA_DIR", help="Data directory.")
]
Warehouse = Annotated[
    str | None,
    typer.Option(
        envvar="XXGK_WAREHOUSE",
        help="Warehouse path or URI (s3://…); default <data-dir>/warehouse.",
    ),
]


def _root(data_dir: Path, warehouse: str | None) -> str:
    root = warehouse or str(data_dir / "warehouse")
    if "://" not in root and not Path(root).is_dir():
        typer.echo(f"no warehouse at {root} yet: run `xxgk run` or `xxgk backfill` first", err=True)
        raise typer.Exit(1)
    return root


def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or jsonl.")] = "csv",
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            help="Table(s) to export (repeat or comma-separate): reports, active_disclosure, "
            "applications, review_litigation, validation_issues, spam_removals, publishers, "
            "report_figures. Default: all tables.",
        ),
    ] = None,
    years: Annotated[str | None, typer.Option(help="Years, e.g. 2019-2023 or 2020,2022.")] = None,
    wide: Annotated[
        bool,
        typer.Option("--wide", help="One row per report with its key figures (report_figures)."),
    ] = False,
    data_dir: DataDir = Path("data"),
    warehouse: Warehouse = None,
) -> None:
    """Export tables to CSV, XLSX or JSON Lines (``--wide``: one row per report)."""
    from flows.cli import _years
    from warehouse.export import FORMATS, export

    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r}: use one of {', '.join(FORMATS)}", param_hint="--format")
    tables = [t.strip() for spec in table or [] for t in spec.split(",") if t.strip()]
    root = _root(data_dir, warehouse)
    try:
        res = export(root, out, fmt=fmt, tables=tables or None, years=_years(years), wide=wide)  # type: ignore[arg-type]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--table") from exc
    for path, rows in res.files.items():
        typer.echo(f"{rows:>9} rows  {path}")
    for path, cut in res.truncated_cells.items():
        typer.echo(f"note: {cut} cells longer than Excel's 32,767 characters were cut in {path}")
    for path, extra in res.extra_sheets.items():
        typer.echo(f"note: {path} continues on {extra} more sheet(s) (Excel's row limit)")


def sql_cmd(
    query: Annotated[str, typer.Argument(help="A DuckDB SELECT over the table views.")],
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write all result rows to this CSV file.")
    ] = None,
    max_rows: Annotated[int, typer.Option(help="Rows to print (without --csv).")] = 100,
    data_dir: DataDir = Path("data"),
    warehouse: Warehouse = None,
) -> None:
    """Run SQL with DuckDB; every table (and publishers, report_figures) is a view."""
    import duckdb

    from warehouse.export import write_csv
    from warehouse.sql import connect

    root = _root(data_dir, warehouse)
    con = connect(root)
    try:
        if csv_out is not None:
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]

            def batches() -> Iterator[list[tuple[Any, ...]]]:
                while rows := cur.fetchmany(10_000):
                    yield rows

            n = write_csv(columns, batches(), csv_out)
            typer.echo(f"{n} rows → {csv_out}")
        else:
            rel = con.sql(query)
            if rel is None:
                typer.echo("ok")
                return
            rel.show(max_rows=max_rows, max_width=200)
    except duckdb.Error as exc:
        typer.echo(f"sql error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        con.close()


def write_quality_report(data_dir: Path, root: str, out: Path | None = None) -> str:
    """Write the quality report of warehouse ``root`` (with the site run history of
    ``data_dir``) to ``out`` (default ``<data-dir>/report.html``); returns its path."""
    from flows.site_health import site_health
    from warehouse.quality_report import write_report

    target = out or data_dir / "report.html"
    return write_report(root, target, site_health=site_health(data_dir))


def report_cmd(
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file (default <data-dir>/report.html).")
    ] = None,
    data_dir: DataDir = Path("data"),
    warehouse: Warehouse = None,
) -> None:
    """Write one offline HTML page: coverage, validation, spam, site health and trends."""
    root = _root(data_dir, warehouse)
    path = write_quality_report(data_dir, root, out)
    typer.echo(f"quality report: {Path(path).resolve()}")


def register(app: typer.Typer) -> None:
    """Add ``export``, ``sql`` and ``report`` to the ``xxgk`` app."""
    app.command("export")(export_cmd)
    app.command("sql")(sql_cmd)
    app.command("report")(report_cmd)
