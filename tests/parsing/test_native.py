"""The compiled parser (mypyc, ``setup.py``) and the plain sources give the same reports, and a
compiled build that no longer matches its sources is never run (``parsing/native.py``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parsing import native
from tests.parsing.digit_cases import parse_outputs

ROOT = Path(__file__).resolve().parents[2]
COMPILED = native.pure_reason() is None

# Runs the parser from a copy of the package: the editable install's finder, which would map
# ``parsing`` back to the checkout, is taken off sys.meta_path first.
_PROBE = """
import json, sys
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in type(f).__module__]
sys.path.insert(0, sys.argv[1])
import parsing, parsing.pipeline, parsing.spam.dom
print(json.dumps({"build": parsing.native.build(), "pipeline": parsing.pipeline.__file__,
                  "dom": parsing.spam.dom.__file__}))
"""


def _probe(root: Path, **env: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=root,
    ).stdout
    result: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return result


def test_ci_runs_the_compiled_build() -> None:
    """CI installs from scratch with a C compiler: the build must have compiled (an optional
    extension that failed would otherwise leave the suite testing plain Python only)."""
    if not os.environ.get("CI"):
        pytest.skip(f"not CI; this checkout runs {native.build()}")
    assert native.pure_reason() is None, native.build()
    import parsing.pipeline

    assert not parsing.pipeline.__file__.endswith(".py")


@pytest.mark.skipif(not COMPILED, reason=f"this checkout runs {native.build()}")
def test_compiled_and_plain_builds_give_the_same_reports() -> None:
    here = json.loads(json.dumps(parse_outputs(60, 11), ensure_ascii=False, sort_keys=True))
    script = (
        "import json, sys; from tests.parsing.digit_cases import parse_outputs;"
        "from parsing import native; assert native.pure_reason(), native.build();"
        "print(json.dumps(parse_outputs(60, 11), ensure_ascii=False, sort_keys=True))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, native.PURE_ENV: "1"},
        cwd=ROOT,
    ).stdout
    plain = json.loads(out.strip().splitlines()[-1])
    assert len(here) > 150
    assert sorted(k for k in here.keys() | plain.keys() if here.get(k) != plain.get(k)) == []


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the ``parsing`` package (sources, compiled modules, build stamp)."""
    shutil.copytree(ROOT / "parsing", tmp_path / "parsing", ignore=shutil.ignore_patterns("*.pyc"))
    return tmp_path


@pytest.mark.skipif(not COMPILED, reason=f"this checkout runs {native.build()}")
def test_a_matching_build_runs_compiled(package_copy: Path) -> None:
    got = _probe(package_copy)
    assert got["build"] == "compiled (mypyc)"
    assert not got["pipeline"].endswith(".py")
    assert not got["dom"].endswith(".py")


@pytest.mark.skipif(not COMPILED, reason=f"this checkout runs {native.build()}")
def test_an_edited_source_runs_every_module_as_plain_python(package_copy: Path) -> None:
    # a comment is enough: the compiled code no longer is what the source says
    edited = package_copy / "parsing" / "numbers.py"
    edited.write_text(edited.read_text("utf-8") + "\n# edited\n", "utf-8")
    got = _probe(package_copy)
    assert got["build"].startswith("pure Python (sources edited since the build")
    # all of them, not only the edited one: compiled modules call each other in C
    assert got["pipeline"].endswith("pipeline.py")
    assert got["dom"].endswith("dom.py")


@pytest.mark.skipif(not COMPILED, reason=f"this checkout runs {native.build()}")
def test_a_missing_stamp_or_compiled_module_runs_plain_python(package_copy: Path) -> None:
    (package_copy / "parsing" / "native-stamp.json").unlink()
    assert _probe(package_copy)["build"].startswith("pure Python (no build stamp")
    shutil.copy(ROOT / "parsing" / "native-stamp.json", package_copy / "parsing")
    for so in (package_copy / "parsing" / "spam").glob("dom.*.so"):
        so.unlink()
    got = _probe(package_copy)
    assert got["build"].startswith("pure Python (no compiled build")
    assert got["pipeline"].endswith("pipeline.py")


def test_the_environment_variable_forces_plain_python(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "parsing", tmp_path / "parsing", ignore=shutil.ignore_patterns("*.pyc"))
    got = _probe(tmp_path, **{native.PURE_ENV: "1"})
    assert got["build"] == f"pure Python ({native.PURE_ENV} is set)"
    assert got["pipeline"].endswith("pipeline.py")
    assert got["dom"].endswith("dom.py")
