"""Which build of the parser's hot modules runs: compiled (mypyc) or plain Python.

``setup.py`` compiles the modules listed in ``native.txt`` to C extension modules next to their
sources and records a digest of those sources in ``native-stamp.json``. Both builds run the same
sources (``benchmarks/parse_equality.py`` and ``tests/parsing/test_native.py`` check they give
the same reports). :func:`install` runs before any of them is imported and makes Python load the
plain sources instead of the compiled modules when

- ``XXGK_PURE_PARSER`` is set (non-empty),
- the sources no longer match the build (edited since: the compiled modules would run old code),
- or there is no compiled build (no C compiler at install time).

The modules of one build call each other directly in C, so it is all of them or none. This
module uses the standard library only: ``setup.py`` loads it by path to write the stamp.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PURE_ENV = "XXGK_PURE_PARSER"
STAMP = "native-stamp.json"
"""The build stamp next to this module: the digest and list of the sources compiled."""
_PACKAGE_DIR = Path(__file__).resolve().parent
_ROOT = _PACKAGE_DIR.parent
log = logging.getLogger(__name__)


def modules() -> dict[str, Path]:
    """Module name → source path of every module the build compiles (``native.txt``)."""
    out = {}
    for line in (_PACKAGE_DIR / "native.txt").read_text("utf-8").splitlines():
        path = line.strip()
        if path and not path.startswith("#"):
            out[path.removesuffix(".py").replace("/", ".")] = _ROOT / path
    return out


def sources_digest(paths: Sequence[str]) -> str:
    """The digest ``setup.py`` records: sha256 over each listed source, in list order."""
    h = hashlib.sha256()
    for path in paths:
        data = (_ROOT / path).read_bytes()
        h.update(f"{path}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _compiled(source: Path) -> bool:
    return any(
        source.with_suffix(suffix).exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


def pure_reason() -> str | None:
    """Why the plain sources run (None: the compiled build runs)."""
    if os.environ.get(PURE_ENV):
        return f"{PURE_ENV} is set"
    found = modules()
    if not all(_compiled(source) for source in found.values()):
        return "no compiled build (installed without a C compiler, or not built)"
    try:
        stamp = json.loads((_PACKAGE_DIR / STAMP).read_text("utf-8"))
    except (OSError, ValueError):
        return "no build stamp (parsing/native-stamp.json)"
    listed = [str(p.relative_to(_ROOT)) for p in found.values()]
    if stamp.get("modules") != listed or stamp.get("sources") != sources_digest(listed):
        return "sources edited since the build (`make native` rebuilds)"
    return None


class _SourceFinder:
    """Finds the compiled modules' plain sources (ahead of the extension modules)."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        source = self.sources.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


_state: dict[str, str | None] = {}


def install() -> None:
    """Choose the build once per process (``parsing/__init__.py`` calls it first)."""
    if "reason" in _state:
        return
    reason = _state["reason"] = pure_reason()
    if reason is None:
        return
    sys.meta_path.insert(0, _SourceFinder(modules()))
    if "edited" in reason:
        log.warning("parsing: running the plain-Python parser: %s", reason)


def build() -> str:
    """``compiled`` or ``pure (<reason>)``: what this process runs."""
    install()
    reason = _state["reason"]
    return "compiled (mypyc)" if reason is None else f"pure Python ({reason})"
