"""Several reports of one publisher and year: all kept, exactly one current."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import warehouse
from parsing import RawDocument, parse_document

SAMPLE = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"


def _current(root: Path) -> dict[str, bool]:
    table = warehouse.read_table("reports", root)
    return dict(zip(table["report_id"].to_pylist(), table["is_current"].to_pylist(), strict=True))


def test_corrected_then_latest_version_is_current(tmp_path):
    raw = RawDocument(
        content=SAMPLE.read_bytes(),
        filename="s.txt",
        publisher="合阳县人民政府",
        url="http://127.0.0.1/heyang/2020.html",
        published_date=date(2021, 1, 20),
    )
    first = parse_document(raw)
    repost = first.model_copy(update={"report_id": "repost", "published_date": date(2021, 2, 1)})
    corrected = first.model_copy(
        update={
            "report_id": "corrected",
            "title": "合阳县2020年政府信息公开工作年度报告（更正版）",
            "published_date": date(2021, 1, 25),
        }
    )
    other = first.model_copy(
        update={
            "report_id": "other",
            "publisher": "合阳县教育局",
            "publisher_key": "610524:合阳县教育局",  # consistent with the publisher
        }
    )
    root = tmp_path / "wh"
    warehouse.publish([first, repost, other], root)
    assert _current(root) == {first.report_id: False, "repost": True, "other": True}
    warehouse.publish([corrected], root)
    assert _current(root) == {
        first.report_id: False,
        "repost": False,
        "corrected": True,
        "other": True,
    }
    again = _current(root)
    warehouse.publish([corrected], root)  # idempotent
    assert _current(root) == again
