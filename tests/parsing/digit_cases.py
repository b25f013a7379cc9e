"""Shared helpers for the digit-conservation tests: report fixtures with one cell replaced."""

from __future__ import annotations

import json
import random
import re
import tomllib
from pathlib import Path
from typing import Any

from parsing.inputs import RawDocument
from parsing.models import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "reports"
DIGITS = FIXTURES / "digits"


def load_cases() -> list[dict[str, Any]]:
    """The cases of ``tests/fixtures/digits/cases.toml``, each with its cell HTML."""
    cases = tomllib.loads((DIGITS / "cases.toml").read_text(encoding="utf-8"))["case"]
    for case in cases:
        case["html"] = (DIGITS / case["file"]).read_text(encoding="utf-8").strip()
    return cases


def raw_report(base: str, html: str | None = None) -> RawDocument:
    """The report fixture ``base`` as a ``RawDocument`` (``html`` replaces its page)."""
    d = REPORTS / base
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    content = html.encode("utf-8") if html is not None else (d / "input.html").read_bytes()
    return RawDocument(
        content=content,
        media_type=meta.get("media_type"),
        charset=meta.get("charset") if html is None else "utf-8",
        url=meta.get("url"),
        site=meta.get("site", "local"),
        publisher=meta.get("publisher"),
        region_code=meta.get("region_code"),
    )


def substitute(page: str, anchor: str, cell: str, html: str) -> str:
    """``page`` with the first ``>cell<`` after ``anchor`` replaced by ``>html<``."""
    start = page.index(anchor)
    at = page.index(f">{cell}<", start)
    return page[:at] + f">{html}<" + page[at + len(cell) + 2 :]


def published(report: Report, table: str, row: str, column: str) -> tuple[Any, str | None]:
    """The value published for (table, row, column) and its ``source_text``."""
    if table == "applications":
        app = report.application(row)
        assert app is not None, row
        i = list(app.model_fields).index(column) - 2
        texts = app.source_text or []
        return getattr(app, column), texts[i] if i < len(texts) else None
    for r in getattr(report, table):
        key = (r.item, r.metric) if table == "active_disclosure" else (r.proceeding, r.outcome)
        if key == (row, column):
            return r.value, r.source_text
    raise AssertionError(f"{table} {row} {column} not published")


SPAM_WORDS = (
    "澳门金沙游戏",
    "威尼斯人娱乐",
    "澳門金沙遊戲",
    "亚博体育官网",
    "太阳城集团",
    "九游会",
)
SPAM_DIGITS = ("", "", "888", "365", "8", "2023")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NUMBER_CELL = re.compile(r">\s*((?:[增减])?[0-9][0-9,]*)\s*<")
GLUE_BASES = (
    "01_trs_2019_tpl_2020",
    "02_trs_2021_tpl_2022",
    "06_reworded_labels_2019",
    "07_reworded_labels_2021",
    "16_word_export_2021",
    "21_tpl2019_layout_in_2022",
)


def glue_spam(rng: random.Random, page: str, cells: int = 2) -> str:
    """``page`` with random spam (with or without digits, full-width, split across tags, after a
    ``<br>``) glued before, after or inside random numbers of its tables (benchmarks; the
    property test draws the same shapes with hypothesis)."""
    lo, hi = page.index("<table"), page.rindex("</table>")
    found = list(NUMBER_CELL.finditer(page, lo, hi))
    for m in sorted(rng.sample(found, min(cells, len(found))), key=lambda m: -m.start()):
        number = m.group(1).translate(FULL_WIDTH) if rng.random() < 0.3 else m.group(1)
        word, digits = rng.choice(SPAM_WORDS), rng.choice(SPAM_DIGITS)
        phrase = word + digits if rng.random() < 0.5 else digits + word
        if rng.random() < 0.3:
            phrase = phrase.translate(FULL_WIDTH)
        cut = rng.randint(1, max(1, len(phrase) - 1))
        phrase = rng.choice(
            [phrase, f"{phrase[:cut]}<span>{phrase[cut:]}</span>", f"<br/>{phrase}"]
        )
        where = rng.choice(["before", "after", "inside"])
        if where == "inside" and len(number) >= 2:
            k = rng.randint(1, len(number) - 1)
            text = number[:k] + phrase + number[k:]
        elif where == "before":
            text = phrase + number
        else:
            text = number + phrase
        page = page[: m.start(1)] + text + page[m.end(1) :]
    return page


def all_values(report: Report) -> dict[tuple[str, ...], object]:
    """Every published value of ``report`` keyed by table, row and column."""
    out: dict[tuple[str, ...], object] = {}
    for a in report.active_disclosure:
        out[("active", a.item, a.metric)] = a.value
    for app in report.applications:
        for i, v in enumerate(app.values()):
            out[("applications", app.row_code, str(i))] = v
    for r in report.review_litigation:
        out[("review", r.proceeding, r.outcome)] = r.value
    return out


def fixture_pages() -> dict[str, RawDocument]:
    """Every HTML and text file under ``tests/fixtures`` as a document (report fixtures with
    their ``meta.json``; a loopback URL naming the file where none is given), keyed by its path
    from the repository root."""
    root = FIXTURES.parents[1]
    out: dict[str, RawDocument] = {}
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix.lower() not in (".html", ".htm", ".txt") or not path.is_file():
            continue
        meta_path = path.parent / "meta.json"
        meta = {}
        if path.name.startswith("input.") and meta_path.exists():
            meta = json.loads(meta_path.read_text("utf-8"))
        if "url" not in meta:
            meta["url"] = f"http://127.0.0.1/{path.relative_to(FIXTURES)}"  # url-ok: data
        out[str(path.relative_to(root))] = RawDocument(content=path.read_bytes(), **meta)
    return out


def equality_inputs(glued: int, seed: int) -> dict[str, RawDocument]:
    """:func:`fixture_pages` plus ``glued`` report pages with spam glued into cells (seeded)."""
    out = fixture_pages()
    rng = random.Random(seed + 3)
    pages = {b: (REPORTS / b / "input.html").read_text("utf-8") for b in GLUE_BASES}
    for k in range(glued):
        base = rng.choice(GLUE_BASES)
        out[f"glued:{k}:{base}"] = raw_report(base, glue_spam(rng, pages[base]))
    return out


def parse_outputs(glued: int, seed: int) -> dict[str, object]:
    """Every :func:`equality_inputs` document's parse result as JSON-ready data (the report's
    ``model_dump``, or the ``ParseError`` kind and message)."""
    from parsing import ParseError, parse_document

    result: dict[str, object] = {}
    for name, raw in equality_inputs(glued, seed).items():
        try:
            result[name] = parse_document(raw).model_dump(mode="json")
        except ParseError as exc:
            result[name] = {"error": exc.kind, "message": exc.message}
    return result
