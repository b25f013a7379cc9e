"""Terminal tables with rich: column widths count a CJK character as two cells."""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None
) -> str:
    """A plain-text table (no colour codes) that fits ``width`` (default: the terminal's)."""
    from rich.box import SIMPLE_HEAD
    from rich.console import Console
    from rich.table import Table

    table = Table(box=SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for head in headers:
        numeric = bool(rows) and all(isinstance(r[len(table.columns)], int) for r in rows)
        table.add_column(head, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    buf = io.StringIO()
    cols = width or max(shutil.get_terminal_size((120, 24)).columns, 80)
    Console(file=buf, width=cols, color_system=None, force_terminal=False).print(table)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())
