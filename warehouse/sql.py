"""DuckDB over the warehouse: one view per table, plus ``report_figures`` (one row per report).

Local warehouses are read lazily with ``read_parquet`` globs (Hive ``year`` as SMALLINT,
``union_by_name`` so older files without newer columns still read; a column no file has yet
is a typed NULL). Other filesystems (``s3://…``) are read through :func:`warehouse.read_table`
and registered as Arrow tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs

from warehouse.publishers import SCHEMA as PUBLISHERS_SCHEMA
from warehouse.publishers import TABLE as PUBLISHERS
from warehouse.publishers import read_publishers
from warehouse.read import read_table
from warehouse.schemas import PARTITION_FIELD, SCHEMAS, TABLES
from warehouse.storage import open_store

WIDE = "report_figures"
VIEWS: tuple[str, ...] = (*TABLES, PUBLISHERS, WIDE)
"""Every view ``connect`` defines."""

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.list_(pa.string()): "VARCHAR[]",
}

# One row per report: its key figures, for spreadsheet users. Column → SQL over the views.
_APP = "CAST(sum(CASE WHEN a.row_code {cond} THEN a.total END) AS BIGINT)"
_RL = "CAST(sum(CASE WHEN l.proceeding = '{p}' AND l.outcome = 'total' THEN l.value END) AS BIGINT)"
_AD = "sum(CASE WHEN d.item IN ({items}) AND d.metric IN ({metrics}) THEN d.value END)"
WIDE_FIGURES: dict[str, tuple[str, str]] = {
    "new_requests": (_APP.format(cond="= '1'"), "表三 row 1 本年新收申请 (total column)"),
    "carried_over": (_APP.format(cond="= '2'"), "表三 row 2 上年结转 (total)"),
    "granted": (_APP.format(cond="= '3.1'"), "表三 3.1 予以公开 (total)"),
    "partly_granted": (_APP.format(cond="= '3.2'"), "表三 3.2 部分公开 (total)"),
    "withheld": (_APP.format(cond="LIKE '3.3.%'"), "表三 3.3 不予公开, sum of 3.3.1–3.3.8"),
    "unable_to_provide": (_APP.format(cond="LIKE '3.4.%'"), "表三 3.4 无法提供, sum of 3.4.x"),
    "not_processed": (_APP.format(cond="LIKE '3.5.%'"), "表三 3.5 不予处理, sum of 3.5.x"),
    "other_handling": (
        _APP.format(cond="IN ('3.6', '3.6.1', '3.6.2', '3.6.3')"),
        "表三 3.6 其他处理 (2019: one row; 2021: sum of 3.6.1–3.6.3)",
    ),
    "results_total": (_APP.format(cond="= '3.7'"), "表三 3.7 总计 (total)"),
    "carried_forward": (_APP.format(cond="= '4'"), "表三 row 4 结转下年度继续办理 (total)"),
    "review_total": (_RL.format(p="review"), "表四 行政复议 总计"),
    "litigation_direct_total": (_RL.format(p="litigation_direct"), "表四 未经复议直接起诉 总计"),
    "litigation_after_review_total": (
        _RL.format(p="litigation_after_review"),
        "表四 复议后起诉 总计",
    ),
    "regulations_made": (
        _AD.format(items="'规章'", metrics="'made', 'new_made'"),
        "表二 规章: 本年制发件数 (2021) / 本年新制作数量 (2019)",
    ),
    "regulations_in_force": (
        _AD.format(items="'规章'", metrics="'in_force', 'total_published'"),
        "表二 规章: 现行有效件数 (2021) / 对外公开总数量 (2019)",
    ),
    "normative_docs_made": (
        _AD.format(items="'规范性文件', '行政规范性文件'", metrics="'made', 'new_made'"),
        "表二 (行政)规范性文件: 本年制发件数 / 本年新制作数量",
    ),
    "normative_docs_in_force": (
        _AD.format(items="'规范性文件', '行政规范性文件'", metrics="'in_force', 'total_published'"),
        "表二 (行政)规范性文件: 现行有效件数 / 对外公开总数量",
    ),
    "licensing_decisions": (
        _AD.format(items="'行政许可'", metrics="'decisions'"),
        "表二 行政许可 处理决定数量",
    ),
    "punishment_decisions": (
        _AD.format(items="'行政处罚'", metrics="'decisions'"),
        "表二 行政处罚 处理决定数量",
    ),
    "enforcement_decisions": (
        _AD.format(items="'行政强制'", metrics="'decisions'"),
        "表二 行政强制 处理决定数量",
    ),
}
WIDE_REPORT_COLUMNS = (
    "report_id",
    PARTITION_FIELD,
    "publisher",
    "publisher_key",
    "region_code",
    "site",
    "title",
    "template",
    "format",
    "published_date",
    "validation_status",
    "is_current",
    "source_url",
)


def _typed_select(con: duckdb.DuckDBPyConnection, raw: str, target: pa.Schema) -> str:
    """``SELECT`` of the target columns from view ``raw``; missing columns as typed NULLs."""
    have = {row[0] for row in con.execute(f'DESCRIBE "{raw}"').fetchall()}
    parts = []
    for f in target:
        typ = _DUCK_TYPES.get(f.type, "VARCHAR")
        if f.name in have:
            parts.append(f'CAST("{f.name}" AS {typ}) AS "{f.name}"')
        else:
            parts.append(f'CAST(NULL AS {typ}) AS "{f.name}"')
    return f'SELECT {", ".join(parts)} FROM "{raw}"'


def _has_files(store_root: Path, table: str) -> bool:
    return any(store_root.joinpath(table).glob(f"{PARTITION_FIELD}=*/*.parquet"))


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def connect(
    root: str | os.PathLike[str], *, filesystem: pafs.FileSystem | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view of every table (see :data:`VIEWS`)."""
    con = duckdb.connect()
    store = open_store(root, filesystem)
    local = isinstance(store.fs, pafs.LocalFileSystem)
    base = Path(store.root)
    for table in TABLES:
        raw = f"_raw_{table}"
        if local and _has_files(base, table):
            glob = _sql_path(base / table / f"{PARTITION_FIELD}=*" / "*.parquet")
            con.execute(
                f"CREATE VIEW \"{raw}\" AS SELECT * FROM read_parquet('{glob}', "
                "hive_partitioning = true, hive_types = {'year': SMALLINT}, union_by_name = true)"
            )
        else:
            data = read_table(table, root, filesystem=filesystem) if not local else None
            con.register(raw, data if data is not None else SCHEMAS[table].empty_table())
        con.execute(f'CREATE VIEW "{table}" AS {_typed_select(con, raw, SCHEMAS[table])}')
    con.register("_raw_publishers", read_publishers(root, filesystem=filesystem))
    con.execute(
        f'CREATE VIEW "{PUBLISHERS}" AS ' + _typed_select(con, "_raw_publishers", PUBLISHERS_SCHEMA)
    )
    con.execute(f'CREATE VIEW "{WIDE}" AS {wide_sql()}')
    return con


def wide_sql() -> str:
    """The ``report_figures`` query over the views."""
    report_cols = ", ".join(f'r."{c}"' for c in WIDE_REPORT_COLUMNS)
    groups = (("a", "applications"), ("l", "review_litigation"), ("d", "active_disclosure"))
    selects, joins = [], []
    for alias, table in groups:
        names = [n for n, (expr, _) in WIDE_FIGURES.items() if f"{alias}." in expr]
        cols = ", ".join(f'{WIDE_FIGURES[n][0]} AS "{n}"' for n in names)
        joins.append(
            f"LEFT JOIN (SELECT {alias}.report_id, {cols} FROM {table} {alias} "
            f"GROUP BY {alias}.report_id) f_{alias} ON f_{alias}.report_id = r.report_id"
        )
        selects += [f'f_{alias}."{n}"' for n in names]
    return f"SELECT {report_cols}, {', '.join(selects)} FROM reports r " + " ".join(joins)
