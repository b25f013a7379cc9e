"""``xxgk audit``: re-check every published value against its archived source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def audit(
    data_dir: Annotated[Path, typer.Option(help="Data directory (archive, state).")] = Path("data"),
    warehouse: Annotated[
        str | None, typer.Option(help="Warehouse root (default DATA_DIR/warehouse).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Print at most this many violations.")] = 50,
) -> None:
    """Re-read each published report's capture from the WARC archive, find every value's source
    cell and check that the value is exactly the one number printed there. Exit code 1 when any
    value is not supported by its source."""
    from flows.audit import audit_published

    root = warehouse or str(data_dir / "warehouse")
    result = audit_published(data_dir, root)
    for v in result.violations[:limit]:
        typer.echo(f"{v.report_id}  {v.table} {v.key}  [{v.kind}]  {v.message}")
    if len(result.violations) > limit:
        typer.echo(f"… and {len(result.violations) - limit} more")
    typer.echo(
        f"audited {result.reports} reports, {result.values} values: "
        f"{len(result.violations)} violations"
    )
    if result.violations:
        raise typer.Exit(1)
