"""Every reading recipe of docs/DATASETS.md and the README runs against a real warehouse and
gives ``year`` as an integer; no reader needs a flag to skip side files (there are none inside
the table directories)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from parsing.models import Report
from warehouse import TABLES, publish, read_table

REPO = Path(__file__).resolve().parents[2]
DOCS = {"DATASETS": REPO / "docs" / "DATASETS.md", "README": REPO / "README.md"}
BLOCK = re.compile(r"^```(python|sql)\n(.*?)^```", re.M | re.S)
HAS_SPARK = importlib.util.find_spec("pyspark") is not None


def _recipes() -> list[Any]:
    out = []
    for doc, path in DOCS.items():
        text = path.read_text(encoding="utf-8")
        if doc == "DATASETS":
            text = text[text.index("## Reading the tables") :]
        for i, m in enumerate(BLOCK.finditer(text)):
            lang, code = m.group(1), m.group(2)
            if "warehouse" not in code and "{W}" not in code:
                continue
            marks = []
            if "pyspark" in code and not HAS_SPARK:
                marks.append(pytest.mark.skip(reason="pyspark is not installed (see README)"))
            out.append(pytest.param(lang, code, id=f"{doc}-{i}-{lang}", marks=marks))
    return out


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from warehouse.synthetic import generate_reports

    root = tmp_path_factory.mktemp("recipes") / "data" / "warehouse"
    reports: list[Report] = list(generate_reports(4, range(2019, 2023)))
    publish(reports[:8], root)  # two publishes: several files per leaf
    publish(reports[8:], root)
    return root


def _year_is_integer(value: Any) -> str | None:
    """The type name of ``year`` in a reader's result when it is an integer, else None."""
    if isinstance(value, pa.Table):
        typ = value.schema.field("year").type
        return str(typ) if pa.types.is_integer(typ) else None
    if isinstance(value, pd.DataFrame):
        dtype = value["year"].dtype
        return str(dtype) if pd.api.types.is_integer_dtype(dtype) else None
    if isinstance(value, pl.LazyFrame | pl.DataFrame):
        schema = value.collect_schema() if isinstance(value, pl.LazyFrame) else value.schema
        return str(schema["year"]) if schema["year"].is_integer() else None
    if type(value).__name__ == "DataFrame" and hasattr(value, "schema"):  # Spark
        field = value.schema["year"]
        return field.dataType.typeName() if "int" in field.dataType.typeName() else None
    raise TypeError(type(value))


def _readers(namespace: dict[str, Any]) -> dict[str, Any]:
    kinds = (pa.Table, pd.DataFrame, pl.LazyFrame, pl.DataFrame)
    out = {k: v for k, v in namespace.items() if isinstance(v, kinds) and not k.startswith("_")}
    out |= {
        k: v
        for k, v in namespace.items()
        if type(v).__name__ == "DataFrame" and type(v).__module__.startswith("pyspark")
    }
    return out


@pytest.mark.parametrize(("lang", "code"), _recipes())
def test_recipe(warehouse_dir: Path, lang: str, code: str) -> None:
    wh = str(warehouse_dir)
    code = code.replace("<data-dir>/warehouse", wh)
    code = code.replace('"data/warehouse', f'"{wh}').replace("'data/warehouse", f"'{wh}")
    if lang == "sql":
        rel = duckdb.sql(code)
        assert rel is not None
        types = dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))
        assert types["year"] in ("SMALLINT", "INTEGER", "BIGINT"), types
        assert rel.fetchall()
        return
    namespace: dict[str, Any] = {"W": wh}
    exec(compile(code, "<recipe>", "exec"), namespace)  # noqa: S102 - the documented recipe
    results = _readers(namespace)
    assert results, "the recipe produced no table"
    for name, value in results.items():
        if name == "summary":
            continue
        assert _year_is_integer(value), (name, type(value))
        rows = value.count() if hasattr(value, "rdd") else None
        if isinstance(value, pl.LazyFrame):
            rows = value.collect().height
        elif isinstance(value, pa.Table | pd.DataFrame | pl.DataFrame):
            rows = len(value)
        assert rows, name


def test_recipes_cover_every_reader() -> None:
    text = "\n".join(code for _, code in (p.values for p in _recipes()))
    for needle in ("read_parquet(", "pd.read_parquet", "pl.scan_parquet", "ds.dataset", "spark"):
        assert needle in text, needle


@pytest.mark.parametrize("name", TABLES)
def test_every_table_directory_reads_with_no_flag(warehouse_dir: Path, name: str) -> None:
    """The traps of 0.1: a side file inside the table directory broke directory readers."""
    files = [p for p in (warehouse_dir / name).rglob("*") if p.is_file()]
    assert files
    assert all(p.suffix == ".parquet" and p.name.startswith("part-") for p in files), files
    n = read_table(name, warehouse_dir).num_rows
    assert pl.scan_parquet(warehouse_dir / name).collect().height == n
    assert pl.scan_parquet(warehouse_dir / name).collect_schema()["year"].is_integer()
    assert len(pd.read_parquet(warehouse_dir / name)) == n
    glob = f"{warehouse_dir}/{name}/**/*.parquet"
    got = duckdb.sql(f"SELECT count(*), any_value(year) FROM read_parquet('{glob}')").fetchall()
    assert got[0][0] == n
