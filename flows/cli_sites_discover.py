"""``xxgk sites discover URL [--add]``: find a portal's 年报 columns and print ``[[site]]`` entries.

The discovery itself lives in ``crawler.discover``; this module only prints and writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer


def sites_discover(
    url: Annotated[str, typer.Argument(help="Home page of a government portal.")],
    add: Annotated[bool, typer.Option("--add", help="Append the entry to the registry.")] = False,
    name: Annotated[str | None, typer.Option(help="Registry name (default: host).")] = None,
    max_pages: Annotated[int, typer.Option(help="Pages fetched at most.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of TOML.")] = False,
    sites_file: Annotated[
        Path | None,
        typer.Option("--sites-file", envvar="XXGK_SITES_FILE", help="Site registry TOML."),
    ] = None,
) -> None:
    """Find the 政府信息公开 section and its 年报 columns; print a ready site entry."""
    from crawler import settings
    from crawler.discover import discover, http_fetcher
    from crawler.registry import DEFAULT_SITES_FILE, RegistryError, add_site, site_toml

    problems: list[str] = []
    found = discover(url, http_fetcher(settings.USER_AGENT, problems=problems), max_pages=max_pages)
    if name:
        found.name = name
    entry = found.site_entry()
    if as_json:
        data = {
            "site": entry,
            "columns": [vars(c) for c in found.columns],
            "rejected": [vars(c) for c in found.rejected],
            "sections": found.sections,
            "problems": found.problems + problems,
            "pages_fetched": found.pages_fetched,
        }
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        typer.echo(f"# {found.home}: {found.pages_fetched} pages fetched")
        for section in found.sections:
            typer.echo(f"#   section  {section}")
        for c in found.columns:
            where = f"{c.reports} reports ({c.source}) {c.url}"
            typer.echo(f"#   column   {c.kind:4} {c.title} — {where}")
        for c in found.rejected:
            typer.echo(f"#   rejected {c.kind:4} {c.title} — {c.note} {c.url}")
        for p in found.problems + problems:
            typer.echo(f"#   problem  {p}")
    if not found.columns:
        typer.echo(f"error: no 年报 column listing reports found from {url}", err=True)
        raise typer.Exit(1)
    stamp = datetime.now(UTC).date().isoformat()
    comment = f"discovered by `xxgk sites discover {found.home}` on {stamp}"
    try:
        text = site_toml(entry, comment)
        if not as_json:
            typer.echo(text, nl=False)
        if add:
            path = sites_file or DEFAULT_SITES_FILE
            add_site(
                path,
                found.name,
                found.start_urls[0],
                found.publisher,
                region_code=found.region_code,
                allowed_domains=found.allowed_domains,
                extra_start_urls=found.start_urls[1:],
                comment=comment,
            )
            typer.echo(f"added {found.name} to {path}", err=True)
    except RegistryError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
