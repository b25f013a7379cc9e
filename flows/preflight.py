"""Checks run before Prefect starts: every operator mistake is one line and its exit code.

Nothing here imports Prefect, Scrapy or pyarrow, so a mistake is reported in well under a second
instead of after the Prefect server start.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flows.exit_codes import FAILED, NOTHING_TO_DO, UserError

if TYPE_CHECKING:
    from crawler.registry import Site

_MB = 1024 * 1024


def load_registry(path: Path) -> dict[str, Site]:
    """The validated site registry, or a one-line UserError (missing, not UTF-8, invalid, empty)."""
    from crawler.registry import RegistryError, load_sites

    if not path.exists():
        raise UserError(f"sites file {path} does not exist (--sites-file / XXGK_SITES_FILE)")
    if path.is_dir():
        raise UserError(f"sites file {path} is a directory, not a TOML file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"sites file {path} cannot be read: {exc.strerror or exc}") from exc
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            f"sites file {path} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}): "
            "save it as UTF-8"
        ) from exc
    try:
        sites = load_sites(path)
    except RegistryError as exc:
        raise UserError("; ".join(s.strip() for s in str(exc).splitlines() if s.strip())) from exc
    if not sites:
        raise UserError(f"sites file {path} has no [[site]] entries: nothing to do", NOTHING_TO_DO)
    return sites


def choose_sites(registry: dict[str, Site], requested: Sequence[str] | None) -> list[str]:
    """The sites a run covers: those asked for (all known), else every enabled one."""
    if requested:
        unknown = sorted(set(requested) - set(registry))
        if unknown:
            known = ", ".join(sorted(registry)[:20])
            raise UserError(f"unknown site {', '.join(map(repr, unknown))}; known: {known}")
        return sorted(set(requested))
    chosen = sorted(n for n, s in registry.items() if s.enabled)
    if not chosen:
        raise UserError("no enabled site in the registry: nothing to do", NOTHING_TO_DO)
    return chosen


def check_writable_dir(path: Path, what: str, min_free_mb: float) -> None:
    """``path`` exists (created if need be), can be written, and has ``min_free_mb`` free."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise UserError(f"{what} {path} exists and is not a directory") from exc
    except OSError as exc:
        raise _os_error(exc, what, path) from exc
    if not path.is_dir():
        raise UserError(f"{what} {path} exists and is not a directory")
    probe = path / f".xxgk-write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _os_error(exc, what, path) from exc
    finally:
        probe.unlink(missing_ok=True)
    free = shutil.disk_usage(path).free
    if free < min_free_mb * _MB:
        raise UserError(
            f"disk full: {free / _MB:.1f} MB free under {what} {path}, need at least "
            f"{min_free_mb:g} MB (XXGK_MIN_FREE_MB)",
            FAILED,
        )


def _os_error(exc: OSError, what: str, path: Path) -> UserError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserError(f"disk full: cannot write under {what} {path}", FAILED)
    return UserError(f"{what} {path} is not writable: {exc.strerror or exc}")


def check_warehouse(root: str, min_free_mb: float) -> None:
    """A local warehouse must be a writable directory; a URI (s3://…) is checked by the writer."""
    if "://" in root and not root.startswith("file://"):
        return
    path = Path(root.removeprefix("file://"))
    check_writable_dir(path, "warehouse", min_free_mb)


def check_archive(data_dir: Path) -> None:
    """A run that reads the archive needs one: nothing archived is nothing to do."""
    index = data_dir / "archive" / "index.sqlite"
    if not index.exists() or index.stat().st_size == 0:
        raise UserError(
            f"nothing archived under {data_dir / 'archive'}: run `xxgk backfill` from the web "
            "first",
            NOTHING_TO_DO,
        )
