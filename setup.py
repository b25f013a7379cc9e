"""Build hook: compile the parser's hot modules (``parsing/native.txt``) to C with mypyc.

Everything else about the package is declared in ``pyproject.toml``. The compiled modules are
optional: without a C compiler (or with ``XXGK_PURE_PARSER=1`` at build time) the package
installs as plain Python and runs the same sources. The build records a digest of the compiled
sources (``parsing/native-stamp.json``) so that ``parsing/native.py`` can tell, at import, whether
the compiled modules still match them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

ROOT = Path(__file__).resolve().parent
LIST = ROOT / "parsing" / "native.txt"
STAMP = ROOT / "parsing" / "native-stamp.json"


def native_sources() -> list[str]:
    """The module paths listed in ``parsing/native.txt``."""
    lines = LIST.read_text("utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


def digest(paths: list[str]) -> str:
    """sha256 over the sources, in list order (``parsing/native.py`` computes the same)."""
    h = hashlib.sha256()
    for path in paths:
        data = (ROOT / path).read_bytes()
        h.update(f"{path}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


_BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


def ext_modules() -> list[Any]:
    if not _BUILDS & set(sys.argv[1:]):  # metadata only (egg_info, dist_info): nothing to compile
        return []
    if os.environ.get("XXGK_PURE_PARSER"):
        STAMP.unlink(missing_ok=True)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:  # a build without the declared build requirements: plain Python
        print("setup.py: mypyc not available, installing the parser as plain Python")
        STAMP.unlink(missing_ok=True)
        return []

    paths = native_sources()
    # mypy's own checks are `make lint`'s job. Here: no config file and no installed packages
    # (third-party types are Any), so the same C comes out whatever the build environment holds
    options = ["--config-file=", "--no-site-packages", "--ignore-missing-imports"]
    modules = mypycify([*options, *paths], group_name="parsing.native", opt_level="3")
    for module in modules:
        module.optional = True  # no C compiler: plain Python, not a failed install
    STAMP.write_text(json.dumps({"sources": digest(paths), "modules": paths}) + "\n", "utf-8")
    return list(modules)


if __name__ == "__main__":  # as setuptools runs it (tests import the functions above)
    setup(ext_modules=ext_modules())
