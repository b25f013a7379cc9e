"""Build hook: compile the parser's hot modules (``parsing/native.txt``) to C with mypyc.

Everything else about the package is declared in ``pyproject.toml``. The compiled modules are
optional: without a C compiler (or with ``XXGK_PURE_PARSER=1`` at build time) the package
installs as plain Python and runs the same sources. The build records a digest of the compiled
sources (``parsing/native-stamp.json``) so that ``parsing/native.py`` can tell, at import, whether
the compiled modules still match them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import setup

ROOT = Path(__file__).resolve().parent
_BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


def _native() -> ModuleType:
    """``parsing/native.py`` loaded by path (standard library only): the build environment
    cannot import the ``parsing`` package, whose dependencies it does not have."""
    spec = importlib.util.spec_from_file_location("_xxgk_native", ROOT / "parsing" / "native.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ext_modules() -> list[Any]:
    """The compiled modules to build, with the build stamp written (none for a metadata-only
    call, with ``XXGK_PURE_PARSER`` set, or without mypyc)."""
    if not _BUILDS & set(sys.argv[1:]):  # metadata only (egg_info, dist_info): nothing to compile
        return []
    native = _native()
    stamp = ROOT / "parsing" / native.STAMP
    stamp.unlink(missing_ok=True)
    if os.environ.get(native.PURE_ENV):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:  # a build without the declared build requirements: plain Python
        print("setup.py: mypyc not available, installing the parser as plain Python")
        return []
    paths = [str(p.relative_to(ROOT)) for p in native.modules().values()]
    # mypy's own checks are `make lint`'s job. Here: no config file and no installed packages
    # (third-party types are Any), so the same C comes out whatever the build environment holds
    options = ["--config-file=", "--no-site-packages", "--ignore-missing-imports"]
    modules = mypycify([*options, *paths], group_name="parsing.native", opt_level="3")
    for module in modules:
        module.optional = True  # no C compiler: plain Python, not a failed install
    stamp.write_text(json.dumps({"sources": native.sources_digest(paths), "modules": paths}))
    return list(modules)


if __name__ == "__main__":  # as setuptools runs it
    setup(ext_modules=ext_modules())
