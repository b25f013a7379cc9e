"""The compiled reads of validation, completeness and the table 三 reader give what the plain
model reads give: ``application_values`` is ``ApplicationRow.values``, ``has_none`` is
``None in``, the completeness counts are those of the value lists, and the table 三 counts are
those of the number grammar cell by cell (on seeded random rows)."""

from __future__ import annotations

import random

from parsing.blocks import Cell, DocumentBlocks, Table
from parsing.completeness import completeness
from parsing.interpret.tables import (
    _BLANK,
    _NUMBER,
    TableReadout,
    _ascii_digits,
    _cell_kind,
    read_tables,
)
from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ActiveDisclosure,
    ApplicationRow,
    ReviewLitigation,
)
from parsing.numbers import parse_cell_number
from parsing.validate import application_values, has_none

_PICK: list[int | None] = [None, 0, 1, 7, -2, 10**12]


def _random_application(rng: random.Random, k: int) -> ApplicationRow:
    cols: list[int | None] | None = [
        None if rng.random() < 0.15 else c for c in range(2, 2 + rng.choice([0, 3, 6, 7, 7, 8]))
    ]
    if rng.random() < 0.1:
        cols = None
    counts = {c: rng.choice(_PICK) for c in APPLICANT_COLUMNS if rng.random() < 0.9}
    return ApplicationRow(row_code=str(k), row_label="x", source_col=cols, **counts)


def test_application_values_are_the_model_values() -> None:
    rng = random.Random(61)
    for k in range(3000):
        row = _random_application(rng, k)
        assert application_values(row) == row.values()
        assert type(application_values(row)) is list


def test_has_none_is_none_in() -> None:
    rng = random.Random(62)
    for _ in range(5000):
        values = [rng.choice(_PICK) for _ in range(rng.randint(0, 9))]
        n = rng.randint(0, len(values))
        assert has_none(values, n) == (None in values[:n]), (values, n)


def _reference_counts(tables: TableReadout) -> dict[str, tuple[int, int]]:
    """(found, null) per table from the value lists, as ``completeness`` counted before."""
    active = [a.value for a in tables.active_disclosure if a.source_row is not None]
    review = [r.value for r in tables.review_litigation if r.source_row is not None]
    apps: list[int | None] = []
    for row in tables.applications:
        cols = row.source_col
        if not cols:
            continue
        if None in cols:
            apps += [v for c, v in zip(cols, row.values(), strict=False) if c is not None]
        else:
            apps += row.values()[: len(cols)]
    return {
        "active_disclosure": (len(active), active.count(None)),
        "applications": (len(apps), apps.count(None)),
        "review_litigation": (len(review), review.count(None)),
    }


def test_completeness_counts_are_those_of_the_value_lists() -> None:
    rng = random.Random(63)
    for _ in range(2000):
        tables = TableReadout(
            applications=[_random_application(rng, k) for k in range(rng.randint(0, 6))],
            active_disclosure=[
                ActiveDisclosure(
                    article="20.1",
                    item="规章",
                    metric="made",
                    value=rng.choice([None, 0.0, 2.5, -1.0]),
                    source_row=rng.choice([None, 0, 3]),
                )
                for _ in range(rng.randint(0, 8))
            ],
            review_litigation=[
                ReviewLitigation(
                    proceeding=p,
                    outcome=o,
                    value=rng.choice(_PICK),
                    source_row=rng.choice([None, 1, 4]),
                )
                for p in PROCEEDINGS
                for o in OUTCOMES
                if rng.random() < 0.7
            ],
        )
        got = completeness(tables, rng.choice(["2019", "2021", "legacy"]))
        for table, (found, null) in _reference_counts(tables).items():
            assert (got[f"{table}_cells_found"], got[f"{table}_cells_null"]) == (found, null)


_CELLS = ["0", "12", "", " ", "—", "无", "1,038", "l0", "三", "2.5", "增3", "-1", "１２", "5 6"]
_LABELS = ["本年新收政府信息公开申请数量", "（一）予以公开", "部分公开", "（三）不予公开", "总计"]


def test_application_counts_follow_the_grammar_cell_by_cell() -> None:
    """Each table 三 count is the cell's integer when the cell is a count or empty, else null
    with the cell recorded as bad (random rows with bad, empty and fractional cells)."""
    rng = random.Random(64)
    for _ in range(1500):
        label = rng.choice(_LABELS)
        texts = [rng.choice(_CELLS) if rng.random() < 0.5 else "7" for _ in range(7)]
        texts[0] = rng.choice(["1", "0", "3"])  # a number first: the row splits after the label
        doc = DocumentBlocks(
            blocks=[Table([[Cell(label)] + [Cell(t) for t in texts]])], format="html"
        )
        out = read_tables(doc)
        if not out.applications:
            continue
        (row,) = out.applications
        expected: list[int | None] = []
        bad: list[str] = []
        for i, text in enumerate(texts):
            n = parse_cell_number(text)
            if n.is_count:
                expected.append(n.as_int)
            else:
                expected.append(None)
                if not n.ok or n.value is not None:
                    bad.append(f"applications:{row.row_code}:{i}")
        assert row.values() == expected, texts
        assert out.bad_cells == bad, texts


def test_ascii_digit_cells_are_numbers_without_a_look() -> None:
    """``_ascii_digits`` implies ``_NUMBER`` (and empty implies ``_BLANK``); digits beyond 24,
    non-ASCII digits and any other character go to ``_cell_kind``."""
    rng = random.Random(65)
    pool = "0123456789" * 3 + "１２٣²,. -a增无"
    texts = ["", "0", "9" * 24, "9" * 25, "１２", "²", "0 ", " 0", "007"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    for text in texts:
        fast = _ascii_digits(text)
        assert fast == (0 < len(text) <= 24 and all("0" <= c <= "9" for c in text)), text
        if fast:
            assert _cell_kind.__wrapped__(text) == _NUMBER, text
    assert _cell_kind.__wrapped__("") == _BLANK


def test_review_header_word_in_any_label_is_in_the_joined_labels() -> None:
    rng = random.Random(66)
    pieces = ["复", "议", "复议", "行政", "\n", "诉讼", ""]
    for _ in range(5000):
        labels = ["".join(rng.choice(pieces) for _ in range(3)) for _ in range(rng.randint(0, 4))]
        assert any("复议" in x for x in labels) == ("复议" in "\n".join(labels))
