"""How much of each template table a report's tables yielded, and the digit-conservation issues.

``completeness`` gives, per table, the template cells expected, the cells read from a source
cell (found), the found cells published as null and those nulled because spam sat inside or took
digits of their number (quarantined). A reader filters partly read reports with them.
"""

from __future__ import annotations

from parsing.interpret.tables import TableReadout
from parsing.labels import DEFAULT_METRICS
from parsing.models import ValidationIssue
from parsing.validate import counts_of

AMBIGUOUS_RULE = "spam.ambiguous_cell"
TABLES = ("active_disclosure", "applications", "review_litigation")
_MARK = {"表二": "active_disclosure", "表三": "applications", "表四": "review_litigation"}
_ITEMS = {  # items per article of table 二, per template
    "2019": {"20.1": 2, "20.5": 2, "20.6": 2, "20.8": 1, "20.9": 1},
    "2021": {"20.1": 2, "20.5": 1, "20.6": 2, "20.8": 1},
}
_APPLICATION_ROWS = {"2019": 23, "2021": 25}  # 1, 2, 3.1–3.7 (3.6 or 3.6.1–3.6.3), 4
ROWS_MISSING_RULE = "table.rows_missing"
_TEMPLATE_ITEMS = {  # the rows of table 二 per template, in printed order
    "2019": (
        "规章",
        "规范性文件",
        "行政许可",
        "其他对外管理服务事项",
        "行政处罚",
        "行政强制",
        "行政事业性收费",
        "政府集中采购",
    ),
    "2021": ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"),
}
_COMMON_CODES = (
    ["1", "2", "3.1", "3.2"]
    + [f"3.3.{i}" for i in range(1, 9)]
    + [f"3.4.{i}" for i in range(1, 4)]
    + [f"3.5.{i}" for i in range(1, 6)]
)
_TEMPLATE_CODES = {  # the rows of table 三 per template, in printed order
    "2019": (*_COMMON_CODES, "3.6", "3.7", "4"),
    "2021": (*_COMMON_CODES, "3.6.1", "3.6.2", "3.6.3", "3.7", "4"),
}


def expected_cells(template: str) -> dict[str, int | None]:
    """Value cells the national template defines per table (None for legacy reports)."""
    if template not in _ITEMS:
        return dict.fromkeys(TABLES)
    active = sum(n * len(DEFAULT_METRICS[template][a]) for a, n in _ITEMS[template].items())
    return {
        "active_disclosure": active,
        "applications": _APPLICATION_ROWS[template] * 7,
        "review_litigation": 15,
    }


def completeness(tables: TableReadout, template: str) -> dict[str, int | None]:
    """The ``<table>_cells_{expected,found,null,quarantined}`` report columns."""
    # counted in compiled loops (``x is None``: what ``list.count(None)`` finds among numbers
    # and nulls), with no list of values built
    active_found = active_null = 0
    for a in tables.active_disclosure:
        fields = a.__dict__  # (the fields in one lookup: ``parsing.validate``)
        if fields["source_row"] is not None:
            active_found += 1
            if fields["value"] is None:
                active_null += 1
    review_found = review_null = 0
    for x in tables.review_litigation:
        fields = x.__dict__
        if fields["source_row"] is not None:
            review_found += 1
            if fields["value"] is None:
                review_null += 1
    apps_found = apps_null = 0
    for row in tables.applications:
        fields = row.__dict__
        cols: list[int | None] | None = fields["source_col"]
        if not cols:
            continue
        values = counts_of(fields)  # ``row.values()``
        for j in range(min(len(cols), len(values))):  # the pairs ``zip`` makes
            if cols[j] is not None:  # a column the row printed
                apps_found += 1
                if values[j] is None:
                    apps_null += 1
    found = {
        "active_disclosure": active_found,
        "applications": apps_found,
        "review_litigation": review_found,
    }
    null = {
        "active_disclosure": active_null,
        "applications": apps_null,
        "review_litigation": review_null,
    }
    quarantined = dict.fromkeys(TABLES, 0)
    for where, _src in tables.ambiguous:
        quarantined[_MARK[where[:2]]] += 1
    expected = expected_cells(template)
    out: dict[str, int | None] = {}
    for t in TABLES:
        out[f"{t}_cells_expected"] = expected[t]
        out[f"{t}_cells_found"] = found[t]
        out[f"{t}_cells_null"] = null[t]
        out[f"{t}_cells_quarantined"] = quarantined[t]
    return out


def ambiguous_cell_issues(tables: TableReadout) -> list[ValidationIssue]:
    """One ``spam.ambiguous_cell`` error per value cell emptied by digit conservation."""
    return [
        ValidationIssue(
            rule=AMBIGUOUS_RULE,
            severity="error",
            message=(
                f"{where} (grid {src.table}, row {src.row}, col {src.col}"
                + (f", page {src.page}" if src.page else "")
                + "): spam inside or next to the number leaves more than one candidate; "
                "published as null"
            ),
            expected="exactly one number printed in the cell",
            actual=src.text,
        )
        for where, src in tables.ambiguous
    ]


def missing_row_issues(tables: TableReadout, template: str) -> list[ValidationIssue]:
    """One ``table.rows_missing`` warning per template table that was found (some of its rows
    were read) but lacks template rows: a row the extractor could not read is never silently
    absent. A table with no row at all is ``report.tables_missing`` instead."""
    if template not in _TEMPLATE_ITEMS:
        return []
    issues: list[ValidationIssue] = []
    items = {a.item for a in tables.active_disclosure}
    codes = {r.row_code for r in tables.applications}
    for name, found, expected in (
        ("table 二 (active_disclosure)", items, _TEMPLATE_ITEMS[template]),
        ("table 三 (applications)", codes, _TEMPLATE_CODES[template]),
    ):
        missing = [x for x in expected if x not in found]
        if found and missing:
            issues.append(
                ValidationIssue(
                    rule=ROWS_MISSING_RULE,
                    severity="warning",
                    message=f"{name}: template rows not read: " + ", ".join(missing),
                    expected=f"{len(expected)} rows of the {template} template",
                    actual=str(len(expected) - len(missing)),
                )
            )
    return issues
