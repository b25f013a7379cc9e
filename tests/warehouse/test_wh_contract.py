"""The models, the Arrow schemas and docs/DATASETS.md agree; the files carry the version."""

from __future__ import annotations

import json
import re
import types
import typing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from parsing import models
from parsing.models import Report
from warehouse import SCHEMA_VERSION, SCHEMAS, TABLES, file_schema, publish, schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATASETS.md"
DOC_TYPES = {
    "string": pa.string(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"),
}
CHILD_MODELS: dict[str, type[BaseModel]] = {
    "active_disclosure": models.ActiveDisclosure,
    "applications": models.ApplicationRow,
    "review_litigation": models.ReviewLitigation,
    "validation_issues": models.ValidationIssue,
    "spam_removals": models.SpamRemoval,
    "legacy_figures": models.LegacyFigure,
}


def _doc_type(text: str) -> tuple[pa.DataType, bool]:
    parts = [p.strip() for p in text.split(",")]
    nullable = "null" in parts or any(p.startswith("null") for p in parts)
    base = parts[0]
    if base.startswith("timestamp"):
        base = "timestamp[us, UTC]"
    if "|" in base:  # enumerations such as (error|warning) are strings
        base = "string"
    return DOC_TYPES[base], nullable


def parse_doc() -> dict[str, dict[str, tuple[pa.DataType, bool]]]:
    """Column → (type, nullable) per table, from the markdown tables and column lists."""
    text = DOC.read_text(encoding="utf-8")
    out: dict[str, dict[str, tuple[pa.DataType, bool]]] = {}
    sections = re.split(r"^### ", text, flags=re.M)[1:]
    for sec in sections:
        name = sec.split()[0]
        if name not in TABLES:
            continue
        cols: dict[str, tuple[pa.DataType, bool]] = {}
        rows = re.findall(r"^\| ([a-z_0-9 /]+?) \| ([^|]+?) \|", sec, flags=re.M)
        if rows and name == "reports":
            for names, typ in rows:
                if names.strip() == "column":
                    continue
                for col in names.split(" / "):
                    cols[col.strip()] = _doc_type(typ)
        else:
            listing = re.search(r"^`(report_id,.*?)`", sec, flags=re.M | re.S)
            assert listing, name
            body = listing.group(1)
            default_count = "counts int64" in sec.split("`")[2] if name == "applications" else False
            for m in re.finditer(r"([a-z_0-9]+)(?: \(([^)]*)\))?", body):
                col, typ = m.group(1), m.group(2)
                if col in ("report_id",):
                    cols[col] = (pa.string(), False)
                elif col == "year":
                    cols[col] = (pa.int16(), False)
                elif typ:
                    cols[col] = _doc_type(typ)
                elif default_count and col not in ("row_code", "row_label"):
                    cols[col] = (pa.int64(), True)
                else:
                    cols[col] = (pa.string(), False)
        out[name] = cols
    return out


def _optional(annotation: object) -> bool:
    return type(None) in typing.get_args(annotation) or isinstance(annotation, types.NoneType)


def test_doc_lists_every_table_and_types_match_arrow() -> None:
    doc = parse_doc()
    assert set(doc) == set(TABLES)
    for name, cols in doc.items():
        arrow = SCHEMAS[name]
        for col, (typ, doc_nullable) in cols.items():
            assert col in arrow.names, f"{name}.{col} documented but not in the Arrow schema"
            field = arrow.field(col)
            assert field.type == typ, f"{name}.{col}: doc {typ} vs arrow {field.type}"
            if doc_nullable:
                assert field.nullable, f"{name}.{col} is documented nullable"
        # every Arrow column is documented (contract columns, or listed as extra columns)
        undocumented = set(arrow.names) - set(cols)
        text = DOC.read_text(encoding="utf-8")
        for col in undocumented:
            assert f"| {name} | {col} |" in text, f"{name}.{col} missing from docs"


def test_arrow_matches_models() -> None:
    report_fields = dict(models.Report.model_fields)
    for field in SCHEMAS["reports"]:
        assert field.name in report_fields, field.name
        assert field.nullable == _optional(report_fields[field.name].annotation), field.name
    for name, model in CHILD_MODELS.items():
        cols = [f for f in SCHEMAS[name] if f.name not in ("report_id", "year")]
        assert [f.name for f in cols] == list(model.model_fields), name
        for f in cols:
            assert f.nullable == _optional(model.model_fields[f.name].annotation), (name, f.name)
        assert name in report_fields  # Report holds the child list under the table name


def test_partition_column_is_not_stored_in_files() -> None:
    for name in TABLES:
        assert "year" in schema(name).names
        assert "year" not in file_schema(name).names
        assert schema(name).field("year").type == pa.int16()


def test_written_files_carry_schema_version(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    for name in TABLES:
        doc = json.loads((wh / "_schemas" / f"{name}.json").read_text(encoding="utf-8"))
        assert doc["schema_version"] == SCHEMA_VERSION
        assert [c["name"] for c in doc["columns"]] == SCHEMAS[name].names
        for part in (wh / name).glob("year=*/*.parquet"):
            meta = pq.read_schema(part).metadata
            assert meta[b"xxgk.schema_version"] == str(SCHEMA_VERSION).encode()
            assert meta[b"xxgk.table"] == name.encode()
    manifest = json.loads((wh / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == SCHEMA_VERSION
    listed = set(manifest["files"])
    on_disk = {str(p.relative_to(wh)) for p in wh.glob("*/year=*/*.parquet")}
    assert listed == on_disk
    (leaf,) = (wh / "applications" / "year=2020").glob("part-*.parquet")
    entry = manifest["files"][str(leaf.relative_to(wh))]
    assert entry["rows"] == pq.read_metadata(leaf).num_rows


def test_doc_schemas_match_the_files_written(wh: Path, reports: list[Report]) -> None:
    """The schema in docs/DATASETS.md is the one readers find in the files (not only in code)."""
    publish(reports, wh)
    doc = parse_doc()
    for name in TABLES:
        files = sorted((wh / name).glob("year=*/*.parquet"))
        assert files, name
        written = pq.read_schema(files[0])
        assert "year" not in written.names  # Hive: the partition lives in the path only
        got = {f.name: (f.type, f.nullable) for f in written}
        got["year"] = (pa.int16(), False)
        for col, (typ, nullable) in doc[name].items():
            assert col in got, f"{name}.{col} documented but not written"
            assert got[col][0] == typ, (name, col, got[col][0], typ)
            if nullable:
                assert got[col][1], f"{name}.{col} documented nullable, written not null"
        text = DOC.read_text(encoding="utf-8")
        for col in set(got) - set(doc[name]):
            assert f"| {name} | {col} |" in text, f"{name}.{col} written but not documented"


def test_doc_schema_version_matches_the_files(wh: Path, reports: list[Report]) -> None:
    publish(reports[:2], wh)
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"Schema version: \*\*(\d+)\*\*", text)
    assert m, "docs/DATASETS.md states no schema version"
    assert int(m.group(1)) == SCHEMA_VERSION
    for path in wh.glob("*/year=*/*.parquet"):
        assert pq.read_schema(path).metadata[b"xxgk.schema_version"] == m.group(1).encode()


def test_every_column_has_a_description_in_the_files(wh: Path, reports: list[Report]) -> None:
    from warehouse.dictionary import DESCRIPTION_KEY, description

    publish(reports, wh)
    for name in TABLES:
        for col in SCHEMAS[name].names:
            assert description(name, col), f"{name}.{col}: add it to warehouse/dictionary.py"
        path = next((wh / name).glob("year=*/*.parquet"))
        for field in pq.read_schema(path):
            meta = field.metadata or {}
            assert meta.get(DESCRIPTION_KEY, b"").decode() == description(name, field.name)
        side = json.loads((wh / "_schemas" / f"{name}.json").read_text(encoding="utf-8"))
        for col in side["columns"]:
            assert col["description"] == description(name, col["name"])


def test_files_declare_their_sort_order(wh: Path, reports: list[Report]) -> None:
    publish(reports, wh)
    for name in TABLES:
        for path in (wh / name).glob("year=*/*.parquet"):
            meta = pq.ParquetFile(path).metadata
            for i in range(meta.num_row_groups):
                (sort,) = meta.row_group(i).sorting_columns
                assert meta.schema.column(sort.column_index).name == "report_id"
                assert not sort.descending
            ids = pq.read_table(path, columns=["report_id"])["report_id"].to_pylist()
            assert ids == sorted(ids)
