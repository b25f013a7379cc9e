"""Reading tables 二, 三 and 四 from table rows, whatever the layout.

Every table row is read as *label cells* followed by *value cells*. Rows are classified by their
labels (row codes of table 三, items of table 二) rather than by table boundaries, so tables
split over pages, flattened to text or drawn as ``<div>`` grids read the same way. Flattened
tables lose spanning group labels, so the current group (``（三）不予公开`` …) is carried over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Final, NamedTuple

from parsing.blocks import Cell, DocumentBlocks, Table
from parsing.labels import (
    AMOUNT_METRICS,
    DEFAULT_METRICS,
    LABEL_OF,
    METRICS_2019,
    METRICS_2021,
    application_code,
    disclosure_item,
    metric_of,
    proceeding_of,
)
from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ActiveDisclosure,
    ApplicationRow,
    ReviewLitigation,
)
from parsing.normalize import match_key
from parsing.numbers import (
    EMPTY,
    WORD_IDEOGRAPH,
    CellNumber,
    parse_cell_number,
    unit_from_header,
)

SOURCE_KINDS = {
    "html": "html_table",
    "pdf": "pdf_table",
    "docx": "docx_table",
    "doc": "docx_table",
    "text": "text_table",
    "image": "ocr_table",
}


class Source(NamedTuple):
    """Where one value cell sits: the grid (``table`` counts grids, ``block`` is its block
    index), its page, the row and column in the span-expanded grid and the text as printed."""

    block: int
    table: int
    page: int | None
    row: int
    col: int
    text: str
    ambiguous: bool = False


_new_source = partial(tuple.__new__, Source)  # a Source from a full tuple (no argument parsing)


@dataclass
class TableReadout:
    """What the table reader found, plus the template each table points to."""

    active_disclosure: list[ActiveDisclosure] = field(default_factory=list)
    applications: list[ApplicationRow] = field(default_factory=list)
    review_litigation: list[ReviewLitigation] = field(default_factory=list)
    template_active: str | None = None
    template_applications: str | None = None
    warnings: list[str] = field(default_factory=list)
    bad_cells: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    # value cells emptied by the spam pass (digit conservation): (where in the template, raw text)
    ambiguous: list[tuple[str, Source]] = field(default_factory=list)
    kind: str = "html_table"


class _Row(NamedTuple):
    """One table row split into label texts and value texts.

    A value's place is read only when a reader needs it (``positions``, ``source``):
    ``own`` lists the grid columns of the values when they are not simply every cell from
    ``start`` on (pad cells, span copies, a spam-edited or ambiguous cell in the row).
    """

    labels: list[str]
    values: list[str]
    filled: int  # how many of ``values`` are not blank (counted once, read by each table)
    cells: list[Cell]
    r: int
    start: int
    own: list[int] | None
    flags: list[bool] | None  # per grid column: emptied as ambiguous (None: no cell is)
    where: tuple[int, int, int | None]

    def source(self, j: int) -> Source:
        """Where value ``j`` sits (the cell a span copy repeats), with its printed text."""
        i = self.own[j] if self.own is not None else self.start + j
        cell = self.cells[i]
        o_row, o_col = cell.origin or (self.r, i)
        raw = cell.raw
        flag = self.flags is not None and self.flags[i]
        block, table, page = self.where
        return _new_source(
            (block, table, page, o_row, o_col, cell.text if raw is None else raw, flag)
        )

    def positions(
        self, limit: int | None = None
    ) -> tuple[list[int], list[int], list[str], list[bool] | None]:
        """Source rows, columns, printed texts and ambiguous flags of the values (the first
        ``limit`` when given)."""
        if self.own is None:  # own cells from ``start``: no copy, no spam edit, no flag
            texts = self.values if limit is None else self.values[:limit]
            n = len(texts)
            return [self.r] * n, list(range(self.start, self.start + n)), texts, None
        rows: list[int] = []
        cols: list[int] = []
        raws: list[str] = []
        cells, r = self.cells, self.r
        own = self.own if limit is None else self.own[:limit]
        for i in own:
            cell = cells[i]
            origin = cell.origin
            if origin is None:
                rows.append(r)
                cols.append(i)
            else:
                rows.append(origin[0])
                cols.append(origin[1])
            raw = cell.raw
            raws.append(cell.text if raw is None else raw)
        flags = None if self.flags is None else [self.flags[i] for i in own]
        return rows, cols, raws, flags


_new_row = partial(tuple.__new__, _Row)

# The row models from one dict of field values: ``Model.model_validate`` without its wrapper
# (the same validation: a model from keywords merges them into such a dict first).
_new_application: Callable[[dict[str, object]], ApplicationRow] = (
    ApplicationRow.__pydantic_validator__.validate_python
)
_new_active: Callable[[dict[str, object]], ActiveDisclosure] = (
    ActiveDisclosure.__pydantic_validator__.validate_python
)
_new_review: Callable[[dict[str, object]], ReviewLitigation] = (
    ReviewLitigation.__pydantic_validator__.validate_python
)


def _split_row(
    row: list[Cell],
    r: int,
    where: tuple[int, int, int | None] = (0, 0, None),
    ambiguous: frozenset[str] = frozenset(),
) -> _Row:
    """Labels = non-number cells up to the last one; values = the own cells after it.

    Label copies (spans) are kept once, since a rowspan copy carries the group label; value
    copies made by a colspan in the same row are dropped so a number counts once.
    """
    flagged: list[bool] | None = None  # None: no cell of the row is ambiguous
    texts = [c.text for c in row]
    n = len(texts)
    limit = n  # the first flagged cell (no label after it)
    if ambiguous:  # a cell the spam pass left ambiguous (digits next to removed text): empty
        block = where[0]
        flagged = [
            f"table:{block}:r{(c.origin or (r, i))[0]}c{(c.origin or (r, i))[1]}" in ambiguous
            for i, c in enumerate(row)
        ]
        if any(flagged):
            texts = ["" if f else t for t, f in zip(texts, flagged, strict=True)]
            limit = flagged.index(True)
        else:
            flagged = None
    # Labels come first in every template row; once the first number (or flagged cell) is
    # seen, a later non-number cell is a bad value ("l0", "三"), not a label, so columns
    # never shift. Cells are classified up to that point only: after it, only their blankness
    # counts (``filled``), and a blank text is what ``_cell_kind`` calls ``_BLANK``.
    last = -1  # the last label before the first number
    i = 0
    while i < limit:
        text = texts[i]
        # (an ASCII-digit cell is a number and an empty one blank: no cache lookup for them)
        kind = _NUMBER if _ascii_digits(text) else _BLANK if not text else _cell_kind(text)
        if kind == _NUMBER:
            break
        if kind == _LABEL:
            last = i
        i += 1
    start = last + 1  # after the last label (0: no label)
    labels: list[str] = []
    for j in range(start):
        text = texts[j]
        if text and (not labels or labels[-1] != text):
            labels.append(text)
    plain = flagged is None
    if plain:
        for j in range(start, n):
            cell = row[j]
            if cell.pad or cell.origin is not None or cell.raw is not None:
                plain = False  # a pad cell, a span copy or a cell the spam pass edited
                break
    if plain:
        values = texts[start:]  # every cell its own, as printed: the common row
        filled = 0
        for text in values:
            if text and not text.isspace():  # (``not text.strip()``: blank)
                filled += 1
        return _new_row((labels, values, filled, row, r, start, None, None, where))
    values = []
    own: list[int] = []
    filled = 0
    for i in range(start, len(row)):
        cell = row[i]
        if cell.pad:
            continue
        origin = cell.origin
        if origin is not None and origin[0] == r:
            continue  # a colspan copy in its own row: the number counts once
        text = texts[i]
        values.append(text)
        own.append(i)
        if text and not text.isspace():
            filled += 1
    return _new_row((labels, values, filled, row, r, start, own, flagged, where))


def _ascii_digits(text: str) -> bool:
    """1 to 24 ASCII digits: what ``_cell_kind`` calls ``_NUMBER`` without a look (the
    first case of ``parse_cell_number``)."""
    n = len(text)
    if n == 0 or n > 24:
        return False
    for i in range(n):
        c = ord(text[i])
        if c < 48 or c > 57:  # not 0-9
            return False
    return True


_WORD_IDEOGRAPH = WORD_IDEOGRAPH.search
_TWO_CJK = re.compile(r"[\u4e00-\u9fff][^\u4e00-\u9fff]*[\u4e00-\u9fff]")


# (``Final``: the compiled reader compares with constants, not module attributes)
_OTHER: Final = "o"
_LABEL: Final = "l"
_NUMBER: Final = "n"
_BLANK: Final = "b"


@lru_cache(maxsize=16384)  # labels and numbers repeat in every report: classify each text once
def _cell_kind(text: str) -> str:
    """``_NUMBER`` (a non-blank number), ``_LABEL`` (words: two CJK characters at least, not
    a number), ``_BLANK`` (empty or whitespace) or ``_OTHER`` (a broken value: ``l0``/``1O``)."""
    if not text.strip():
        return _BLANK
    if not _WORD_IDEOGRAPH(text) and parse_cell_number(text).ok:  # (a label is no number)
        return _NUMBER
    return _LABEL if _TWO_CJK.search(text) else _OTHER


def _iter_rows(
    doc: DocumentBlocks, ambiguous: frozenset[str], skip: Collection[int] = ()
) -> list[_Row]:
    rows: list[_Row] = []
    grids = 0
    for b, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            where = (b, grids, block.page)
            for r, row in enumerate([] if b in skip else block.rows):
                rows.append(_split_row(row, r, where, ambiguous))
            grids += 1
    return rows


def _nums(values: list[str]) -> list[CellNumber]:
    return list(map(parse_cell_number, values))


def _as_count(n: CellNumber, where: str, out: TableReadout) -> int | None:
    if not n.ok:
        out.bad_cells.append(where)
        return None
    if n.value is None:
        return None
    if n.as_int is None:
        out.bad_cells.append(where)
        return None
    return n.as_int


def read_tables(
    doc: DocumentBlocks, ambiguous: Sequence[str] = (), skip: Collection[int] = ()
) -> TableReadout:
    """Read the three tables out of every table row of ``doc``.

    ``ambiguous`` are the ``table:i:rRcC`` cells the spam pass emptied (digit conservation);
    the values read from them are null and listed in ``TableReadout.ambiguous``.
    """
    out = TableReadout(kind=SOURCE_KINDS.get(doc.format, "text_table"))
    rows = _iter_rows(doc, frozenset(ambiguous), skip)  # ``skip``: block indices not to read
    _read_applications(rows, out)
    _read_active(rows, out)
    _read_review(rows, out)
    return out


def _subtotal_column(rows: list[_Row]) -> int | None:
    """Index among the value cells of a 小计/合计 column under 法人或其他组织, if any.

    Some reports print the legal-entity subtotal next to the five entity columns; taking values
    by position would then put the subtotal into 总计.
    """
    for row in rows:
        if row.filled or not row.labels:
            continue
        keys = list(map(match_key, row.labels))
        if ("小计" in keys or "合计" in keys) and any("商业企业" in k for k in keys):
            entity = [k for k in keys if k not in ("自然人", "总计")]
            start = next(i for i, k in enumerate(entity) if "商业企业" in k)
            sub = next(i for i, k in enumerate(entity) if k in ("小计", "合计"))
            return 1 + (sub - start)  # after 自然人
    return None


def _read_applications(rows: list[_Row], out: TableReadout) -> None:
    group: str | None = None
    seen: dict[str, ApplicationRow] = {}
    subtotal: int | None = None
    looked = False  # the subtotal column is looked for when a row has 8 values or more
    kind = out.kind
    for row in rows:
        labels = row.labels
        if not labels:
            continue
        code, group = application_code(labels, group)
        filled = row.filled
        if code is None:
            if filled and not _known_label(labels[-1]):
                out.unmatched.append(labels[-1])
            continue
        values = row.values
        if len(values) < 3:
            continue
        if not filled and code == "3.7" and group is None:
            continue  # the 总计 header above the data, not an empty data row
        if code in seen and not filled:
            continue  # an empty row (a header cell such as 总计 of a later table) adds nothing
        cut = None
        if len(values) >= 8:
            if not looked:
                subtotal, looked = _subtotal_column(rows), True
            cut = subtotal
        if cut is None and row.own is None:  # the common row: own cells from ``start``
            k = min(len(values), 7)
            rows_, cols, raws, flags = [row.r], list(range(row.start, row.start + k)), values, None
        else:
            rows_, cols, raws, flags = row.positions()
            if cut is not None:  # the printed legal-entity subtotal is not a template column
                values = values[:cut] + values[cut + 1 :]
                rows_ = rows_[:cut] + rows_[cut + 1 :]
                cols = cols[:cut] + cols[cut + 1 :]
                raws = raws[:cut] + raws[cut + 1 :]
                if flags is not None:
                    flags = flags[:cut] + flags[cut + 1 :]
        cells = [parse_cell_number(v) for v in values[:7]]
        if code in seen:
            kept = seen[code].values()
            if all(v is None for v in kept):
                del seen[code]  # an empty earlier row yields to a filled one
            else:
                if [n.as_int if n.ok else None for n in cells] != kept[: len(cells)]:
                    out.warnings.append(f"table 三 row {code} printed twice with other numbers")
                continue  # the same table printed twice: read once
        counts: list[int | None] = []
        for n in cells:  # (compiled: the fields of a compiled class are read directly)
            if not n.is_count:
                break
            counts.append(n.as_int)
        if len(counts) < len(cells):  # a cell no count: recorded as bad, read as null
            counts = [
                n.as_int if n.is_count else _as_count(n, f"applications:{code}:{i}", out)
                for i, n in enumerate(cells)
            ]
        if len(values) < 7:
            out.warnings.append(f"table 三 row {code} has {len(values)} of 7 columns")
            counts += [None] * (7 - len(counts))
        if flags is not None and True in flags[:7]:
            block, table, page = row.where
            for j, col in enumerate(APPLICANT_COLUMNS[: len(cols)]):
                if flags[j]:
                    src = Source(block, table, page, rows_[j], cols[j], raws[j], True)
                    out.ambiguous.append((f"表三 row {code} column {col}", src))
        pad: list[None] = [None] * (7 - len(cols[:7]))
        # (one literal: the dict is made at its size, not grown key by key; ``values`` holds
        # three cells at least, so the row's provenance is always set; a renamed column fails
        # validation here: the row models forbid unknown keys)
        fields: dict[str, object] = {
            "row_code": code,
            "row_label": LABEL_OF.get(code, labels[-1]),
            "natural_person": counts[0],
            "commercial_enterprise": counts[1],
            "research_institution": counts[2],
            "social_welfare_org": counts[3],
            "legal_service_org": counts[4],
            "other_org": counts[5],
            "total": counts[6],
            "source_kind": kind,
            "source_page": row.where[2],
            "source_table": row.where[1],
            "source_row": rows_[0],
            "source_col": cols[:7] + pad,
            "source_text": raws[:7] + pad,
        }
        seen[code] = _new_application(fields)
    out.applications = [seen[c] for c in sorted(seen, key=_code_rank)]  # (keys: the row codes)
    if any(c.startswith("3.6.") for c in seen):
        out.template_applications = "2021"
    elif "3.6" in seen:
        out.template_applications = "2019"


@lru_cache(maxsize=16384)  # template labels repeat in every report
def _known_label(last: str) -> bool:
    """A label of table 二 or 四 (or a column header): not an unmatched table 三 row."""
    return bool(
        disclosure_item(last) or proceeding_of(last) or metric_of(last) or "信息内容" in last
    )


_CODE_ORDER = (
    ["1", "2", "3.1", "3.2"]
    + [f"3.3.{i}" for i in range(1, 9)]
    + [f"3.4.{i}" for i in range(1, 4)]
    + [f"3.5.{i}" for i in range(1, 6)]
    + ["3.6", "3.6.1", "3.6.2", "3.6.3", "3.7", "4"]
)


_CODE_RANK = {c: i for i, c in enumerate(_CODE_ORDER)}


def _code_rank(code: str) -> int:
    return _CODE_RANK.get(code, 99)


_Item = tuple[str, str, list[CellNumber], list[str | None] | None, list[str | None], _Row]


def _read_active(rows: list[_Row], out: TableReadout) -> None:
    header: list[str | None] | None = None
    header_units: list[str | None] = []
    found: list[_Item] = []  # (article, item, numbers, header metrics, header units, row)
    hints: set[str] = set()
    for row in rows:
        labels = row.labels
        if labels and not row.filled:
            metrics = [metric_of(x) for x in labels[1:]]
            if any(metrics):
                header = metrics
                header_units = [unit_from_header(x) for x in labels[1:]]
                hints.update(m for m in metrics if m)
                continue
        if len(labels) != 1 or not row.values:
            continue
        hit = disclosure_item(labels[0])
        if hit is None:
            continue
        article, item = hit
        if item in ("其他对外管理服务事项", "政府集中采购"):
            hints.add("new_made")  # items only the 2019 template has
        if item == "行政规范性文件":
            hints.add("made")
        found.append((article, item, _nums(row.values), header, header_units, row))
    if not found:
        return
    template = "2021" if hints & METRICS_2021 else "2019"
    if not hints & (METRICS_2021 | METRICS_2019):
        template = "2019"
    out.template_active = template
    kind = out.kind
    seen: dict[tuple[str, str], list[CellNumber]] = {}
    for article, item, values, header_metrics, units, row in found:
        if (article, item) in seen:
            if seen[(article, item)] != values:
                out.warnings.append(f"table 二 row {item} printed twice with other numbers")
            continue
        seen[(article, item)] = values
        if item in ("规范性文件", "行政规范性文件"):
            item = "行政规范性文件" if template == "2021" else "规范性文件"
        defaults = DEFAULT_METRICS[template].get(article, ())
        if header_metrics and _fits(header_metrics, defaults):
            metrics = list(header_metrics)
        else:
            metrics, units = list(defaults), []
        rows_, cols, raws, flags = row.positions(len(metrics))
        block, table, page = row.where
        for i, metric in enumerate(metrics):
            if metric is None:
                continue
            n = values[i] if i < len(values) else EMPTY
            if flags is not None and i < len(flags) and flags[i]:
                src = Source(block, table, page, rows_[i], cols[i], raws[i], True)
                out.ambiguous.append((f"表二 {item} column {metric}", src))
            if not n.ok:
                out.bad_cells.append(f"active_disclosure:{item}:{metric}")
            unit = n.unit if n.ok else None
            if unit is None and metric in AMOUNT_METRICS and i < len(units):
                unit = units[i]
            # the cell's provenance (none for a column the row lacks); one literal each
            fields: dict[str, object]
            if i < len(cols):
                fields = {
                    "article": article,
                    "item": item,
                    "metric": metric,
                    "value": n.value if n.ok else None,
                    "unit": unit,
                    "source_kind": kind,
                    "source_page": page,
                    "source_table": table,
                    "source_row": rows_[i],
                    "source_col": cols[i],
                    "source_text": raws[i],
                }
            else:
                fields = {
                    "article": article,
                    "item": item,
                    "metric": metric,
                    "value": n.value if n.ok else None,
                    "unit": unit,
                    "source_col": None,
                    "source_text": None,
                }
            out.active_disclosure.append(_new_active(fields))


def _blank_review_row(row: _Row, header_seen: bool) -> bool:
    """The value row of a table 四 printed with blank or dash cells, under its header."""
    if not header_seen or row.labels:
        return False
    cells = _nums(row.values[:15])
    return all(n.ok and n.value is None for n in cells)


def _fits(metrics: list[str | None], defaults: tuple[str, ...]) -> bool:
    return bool(defaults) and set(m for m in metrics if m) <= set(defaults)


def _read_review(rows: list[_Row], out: TableReadout) -> None:
    header_seen = False
    for row in rows:
        filled = row.filled
        if not header_seen:  # (as in the labels joined by line breaks: no match spans two)
            for label in row.labels:
                if "复议" in label:
                    header_seen = True
                    break
        if len(row.values) >= 15 and filled < 8 and _blank_review_row(row, header_seen):
            filled = 15  # a Word table 四 left blank: found, every value null (issue 12)
        if filled < 8 or len(row.values) < 15:
            continue
        if not row.labels or all(proceeding_of(x) or "复议" in x for x in row.labels):
            nums = _nums(row.values[:15])  # by position: a bad cell is recorded, never skipped
            vals = [
                n.as_int
                if n.ok and n.value is not None and n.value == int(n.value)
                else _as_count(n, f"review_litigation:{i}", out)
                for i, n in enumerate(nums)
            ]
            if all(v is None for v in vals):
                out.warnings.append("table 四 printed with every cell blank: all values null")
            at = row.positions(15)
            for p, proc in enumerate(PROCEEDINGS):
                for o, outcome in enumerate(OUTCOMES):
                    out.review_litigation.append(
                        _review(out, proc, outcome, vals[p * 5 + o], row, at, p * 5 + o)
                    )
            return
    # Row-per-proceeding layout: three labelled rows of five numbers.
    groups: dict[str, list[int | None]] = {}
    sources: dict[str, _Row] = {}
    for row in rows:
        if row.labels and len(row.values) >= 5:
            found = proceeding_of(row.labels[-1])
            if found and found not in groups:
                groups[found] = [
                    _as_count(n, f"review_litigation:{found}", out) for n in _nums(row.values[:5])
                ]
                sources[found] = row
    if len(groups) == 3:
        for proc in PROCEEDINGS:
            at = sources[proc].positions(5)
            for o, outcome in enumerate(OUTCOMES):
                out.review_litigation.append(
                    _review(out, proc, outcome, groups[proc][o], sources[proc], at, o)
                )


def _review(
    out: TableReadout,
    proc: str,
    outcome: str,
    value: int | None,
    row: _Row,
    at: tuple[list[int], list[int], list[str], list[bool] | None],
    j: int,
) -> ReviewLitigation:
    """One table 四 number, with the provenance of value ``j`` of ``row`` (``at``: its
    ``positions``; none when the row printed fewer values)."""
    rows_, cols, raws, flags = at
    block, table, page = row.where
    if j < len(cols) and flags is not None and flags[j]:
        src = Source(block, table, page, rows_[j], cols[j], raws[j], True)
        out.ambiguous.append((f"表四 {proc} column {outcome}", src))
    fields: dict[str, object]
    if j < len(cols):  # (one literal each, as in ``_read_active``)
        fields = {
            "proceeding": proc,
            "outcome": outcome,
            "value": value,
            "source_kind": out.kind,
            "source_page": page,
            "source_table": table,
            "source_row": rows_[j],
            "source_col": cols[j],
            "source_text": raws[j],
        }
    else:
        fields = {
            "proceeding": proc,
            "outcome": outcome,
            "value": value,
            "source_col": None,
            "source_text": None,
        }
    return _new_review(fields)
