"""``cross_year.item_count``: 2019-template item counts carried from one year to the next."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

import warehouse
from parsing import RawDocument, Report, parse_document
from parsing.models import ActiveDisclosure
from parsing.validate import item_counts

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"


def _reports() -> tuple[Report, Report]:
    raw = RawDocument(
        content=SAMPLE.read_bytes(),
        filename="s.txt",
        publisher="合阳县人民政府",
        url="http://127.0.0.1/heyang/2020.html",
    )
    cur = parse_document(raw)
    # last year's report whose counts + changes give exactly this year's 上一年项目数量
    now = {a.item: a.value for a in cur.active_disclosure if a.metric == "prev_count"}
    rows = []
    for a in cur.active_disclosure:
        if a.metric == "prev_count":
            rows.append(a.model_copy(update={"value": (now[a.item] or 0) - 1}))
        elif a.metric == "change" and a.item in now:
            rows.append(a.model_copy(update={"value": 1.0}))
        else:
            rows.append(a)
    prev = cur.model_copy(
        update={"year": 2019, "report_id": "prev-2019", "active_disclosure": rows}
    )
    return prev, cur


def _issues(root: Path) -> list[dict]:
    table = warehouse.read_table("validation_issues", root)
    return table.filter(pc.equal(table["rule"], "cross_year.item_count")).to_pylist()


def test_rule_on_two_reports():
    prev, cur = _reports()
    assert item_counts(prev, cur) is None
    off = [
        a.model_copy(update={"value": 200.0})
        if a.item == "行政许可" and a.metric == "change"
        else a
        for a in prev.active_disclosure
    ]
    issue = item_counts(prev.model_copy(update={"active_disclosure": off}), cur)
    assert issue is not None
    assert issue.severity == "warning"
    assert "行政许可 (465 → 266)" in issue.message


def test_warehouse_writes_and_clears_item_count_issues(tmp_path):
    prev, cur = _reports()
    root = tmp_path / "wh"
    warehouse.publish([prev, cur], root)
    assert _issues(root) == []
    wrong = [
        ActiveDisclosure(**(a.model_dump() | {"value": 9.0}))
        if a.item == "行政强制" and a.metric == "change"
        else a
        for a in prev.active_disclosure
    ]
    warehouse.publish([prev.model_copy(update={"active_disclosure": wrong})], root)
    issues = _issues(root)
    assert [(i["report_id"], i["year"]) for i in issues] == [(cur.report_id, 2020)]
    assert "行政强制" in issues[0]["message"]
    warehouse.publish([prev], root)  # fixed upstream: the warning goes away
    assert _issues(root) == []
