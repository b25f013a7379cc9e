"""Every table reads back as one dataset with the contract types in pyarrow, DuckDB, pandas and
polars, using the recipes of docs/DATASETS.md — also with a crashed writer's temp file around."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from parsing.models import Report
from warehouse import SCHEMAS, TABLES, publish, read_table

YEAR = ds.partitioning(pa.schema([("year", pa.int16())]), flavor="hive")
DUCK = {
    pa.string(): "VARCHAR",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
    pa.list_(pa.string()): "VARCHAR[]",  # reports.page_urls, applications.source_text
    pa.list_(pa.int32()): "INTEGER[]",  # applications.source_col
}
POLARS = {
    pa.string(): pl.String,
    pa.int16(): pl.Int16,
    pa.int32(): pl.Int32,
    pa.int64(): pl.Int64,
    pa.float64(): pl.Float64,
    pa.bool_(): pl.Boolean,
    pa.date32(): pl.Date,
    pa.timestamp("us", tz="UTC"): pl.Datetime("us", "UTC"),
    pa.list_(pa.string()): pl.List(pl.String),  # reports.page_urls, applications.source_text
    pa.list_(pa.int32()): pl.List(pl.Int32),  # applications.source_col
}


@pytest.fixture
def published(wh: Path, reports: list[Report]) -> Path:
    publish(reports, wh)
    # a crashed writer's leftover must not disturb any reader
    (wh / "applications" / "year=2020" / ".part-0.parquet.tmp-dead").write_bytes(b"PAR1junk")
    return wh


def _types(schema: pa.Schema) -> dict[str, pa.DataType]:
    return {f.name: f.type for f in schema}


@pytest.mark.parametrize("name", TABLES)
def test_pyarrow_dataset(published: Path, name: str) -> None:
    table = ds.dataset(published / name, format="parquet", partitioning=YEAR).to_table()
    assert _types(table.schema) == _types(SCHEMAS[name])
    assert table.num_rows == read_table(name, published).num_rows
    plain = ds.dataset(published / name, partitioning="hive").to_table()  # inferred year
    assert plain.num_rows == table.num_rows


@pytest.mark.parametrize("name", TABLES)
def test_duckdb(published: Path, name: str) -> None:
    glob = f"{published}/{name}/*/*.parquet"
    rel = duck(
        f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
        "hive_types = {'year': SMALLINT})"
    )
    got = dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))
    assert got == {f.name: DUCK[f.type] for f in SCHEMAS[name]}
    count = duck(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)")
    assert count.fetchall()[0][0] == read_table(name, published).num_rows


@pytest.mark.parametrize("name", TABLES)
def test_pandas(published: Path, name: str) -> None:
    df = pd.read_parquet(published / name, partitioning=YEAR, dtype_backend="pyarrow")
    got = {c: df[c].dtype.pyarrow_dtype for c in df.columns}
    assert got == _types(SCHEMAS[name])
    assert len(pd.read_parquet(published / name)) == len(df)  # the zero-argument read works


@pytest.mark.parametrize("name", TABLES)
def test_polars(published: Path, name: str) -> None:
    lf = pl.scan_parquet(
        f"{published}/{name}/**/*.parquet", hive_partitioning=True, hive_schema={"year": pl.Int16}
    )
    schema = lf.collect_schema()
    assert dict(schema) == {f.name: POLARS[f.type] for f in SCHEMAS[name]}
    assert lf.collect().height == read_table(name, published).num_rows


def test_values_survive_every_reader(published: Path) -> None:
    apps = read_table("applications", published)
    empty_cells = apps["natural_person"].null_count
    df = pl.scan_parquet(f"{published}/applications/**/*.parquet", hive_partitioning=True).collect()
    assert df["natural_person"].null_count() == empty_cells
    total = duck(
        f"SELECT sum(total) FROM read_parquet('{published}/applications/*/*.parquet', "
        "hive_partitioning = true) WHERE row_code = '1'"
    ).fetchall()[0][0]
    assert total == sum(
        v
        for v, c in zip(apps["total"].to_pylist(), apps["row_code"].to_pylist(), strict=True)
        if c == "1"
    )
    rep = pd.read_parquet(published / "reports", partitioning=YEAR)
    assert str(rep["fetched_at"].dtype) == "datetime64[us, UTC]"
    assert rep["publisher"].str.contains("县").all()


def duck(query: str) -> duckdb.DuckDBPyRelation:
    rel = duckdb.sql(query)
    assert rel is not None
    return rel
