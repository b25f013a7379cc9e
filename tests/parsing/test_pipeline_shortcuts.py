"""Shortcuts of the metadata and pipeline stages (session 22, hx5) give what the full paths give."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from parsing import (
    ParseError,
    RawDocument,
    metadata,
    normalize,
    parse_document,
    pipeline,
    regions,
    urls,
    validate,
)
from parsing.blocks import DocumentBlocks, Paragraph, Table
from parsing.completeness import completeness
from parsing.interpret import legacy
from parsing.interpret.tables import TableReadout
from parsing.models import (
    APPLICANT_COLUMNS,
    OUTCOMES,
    PROCEEDINGS,
    ApplicationRow,
    Report,
    ReviewLitigation,
    ValidationIssue,
)

_NUMERALS = "〇零一二三四五六七八九"


def _arabic_reference(text: str) -> str:
    """``arabic_years`` as one forward regex substitution (its definition)."""
    pattern = re.compile(r"[〇零一二三四五六七八九]{4}(?=\s*年)")
    return pattern.sub(lambda m: m.group().translate(metadata._CN_DIGITS), text)


def _random_text(rng: random.Random, size: int) -> str:
    pieces = [
        *_NUMERALS,
        *"年年年月日度",
        *" \u3000\u00a0\n\t\u2003",
        *"0123456789",
        "二〇二一",
        "二〇二一年",
        "一九九八 年",
        "二零二二\u3000年",
        "统计期限",
        "某某县人民政府",
        "x",
    ]
    return "".join(rng.choice(pieces) for _ in range(size))


def test_arabic_years_reversed_is_exact() -> None:
    rng = random.Random(22)
    lengths = [0, 1, 5, 30, 150, metadata._SHORT - 1, metadata._SHORT, 400, 2000]
    for _ in range(3000):
        text = _random_text(rng, rng.choice(lengths) // 3 + rng.randint(0, 3))
        assert metadata.arabic_years(text) == _arabic_reference(text), text
    # long texts (the reversed path): with and without a year, runs of five or more numerals
    filler = "某某县人民政府" * 40
    for text in (
        filler,
        filler + "二〇二一年",
        "二〇二一年" + filler,
        filler + "一二〇二一 年" + filler + "二零二二\n年二〇二三年",
        filler + "二〇二一" + filler,
        filler + "年" * 10 + _NUMERALS * 3 + "年",
    ):
        assert len(text) >= metadata._SHORT
        assert metadata.arabic_years(text) == _arabic_reference(text)


def _random_url(rng: random.Random) -> str:
    scheme = rng.choice(["http", "https", "HTTP", "ftp", "http", "https"])
    label_chars = "abcxyz0189-"
    labels = []
    for _ in range(rng.randint(1, 4)):
        size = rng.choice([1, 2, 5, 63, 64]) if rng.random() < 0.2 else rng.randint(1, 8)
        labels.append("".join(rng.choice(label_chars) for _ in range(size)))
    host = ".".join(labels)
    roll = rng.random()
    if roll < 0.15:
        host = ".".join(
            str(rng.choice([0, 1, 9, 10, 99, 127, 255, 256, 300, "01", "0x7f"])) for _ in range(4)
        )
    elif roll < 0.2:
        host = rng.choice(
            ["127.0.0.1", "0x7f.0.0.1", "127.1", "1.2.3", "a.0x1f", "a.123", "Www.X.gov.cn"]
        )
    elif roll < 0.25:
        host += rng.choice(
            [".", "..", ":80", ":8080", ":", "@", "Z", ".xn--fiqs8s", ".xn--zz", "_", "~"]
        )
    elif roll < 0.3:
        host = rng.choice([".", "-", ".a", "a..b", "-a-.b-", "a" * 64, "a" * 300, "0"])
    segments = []
    for _ in range(rng.randint(0, 5)):
        seg_chars = [*"az09._~-AZ"]
        if rng.random() < 0.15:
            seg_chars += [*"%+;=,@!$&'()*:?#[] \u4e2d\\", "%41", "%2f", "%2F", "%e4%b8%ad", "%zz"]
        segments.append("".join(rng.choice(seg_chars) for _ in range(rng.randint(0, 6))))
    segments += rng.sample(["index.html", "default.htm", "index.shtml", ".", "..", "t_1.html"], 1)
    path = "/" + "/".join(segments) if rng.random() < 0.9 else ""
    if rng.random() < 0.1:
        path += rng.choice(["?a=1", "?", "#top", "?utm_source=x&b=2", "//x"])
    url = f"{scheme}://{host}{path}"
    return (
        rng.choice(["", " ", "\t"]) + url + rng.choice(["", " ", "\n"])
        if rng.random() < 0.1
        else url
    )


def test_plain_url_shortcut_is_exact() -> None:
    rng = random.Random(23)
    plain = 0
    for _ in range(20000):
        url = _random_url(rng)
        text = url.strip()
        assert urls.canonical_url(url) == urls._canonical_full(text), url
        plain += urls._PLAIN_URL.fullmatch(text) is not None and "/." not in text
    assert plain > 2000  # the shortcut was taken often enough to be tested
    for url in (
        "http://127.0.0.1/zwgk/zfxxgknb/202101/t20210125_100231.html",
        "http://www.heyang.gov.cn/zwgk/index.html",  # url-ok: data
        "https://www.heyang.gov.cn",  # url-ok: data
        "http://a-.b.gov.cn/x/default.htm",  # url-ok: data
        "http://xn--fiqs8s.gov.cn/a/",  # url-ok: data
        "http://" + "a" * 63 + ".gov.cn/a",
        "http://" + ".".join(["abcdefghij"] * 30) + ".cn/a",
    ):
        assert urls._PLAIN_URL.fullmatch(url) is not None
        assert urls.canonical_url(url) == urls._canonical_full(url), url


def _year_page(title: str, period: str, body_years: str) -> bytes:
    paragraphs = [
        f"<p>一、总体情况</p><p>{period}本机关政府信息公开工作{body_years}。</p>",
        "<p>二、主动公开政府信息情况</p><p>主动公开文件。</p>",
        "<p>三、收到和处理政府信息公开申请情况</p><p>收到申请。</p>",
        "<p>五、存在的主要问题及改进情况</p><p>问题。</p>",
    ]
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='TRS_Editor'>{''.join(paragraphs)}</div></body></html>"
    ).encode()


def test_text_year_read_only_when_it_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    """The body's year read only when period, title and hint give none: the same reports as
    reading it always (each condition has a page where dropping it changes the year)."""
    titles = ["某某县2020年政府信息公开工作年度报告", "某某县政府信息公开工作年度报告"]
    periods = ["", "本报告统计期限自2021年1月1日起至2021年12月31日止。"]
    bodies = ["", "2019年和2019年及2018年", "二〇一七年"]
    pages = [(t, p, b) for t in titles for p in periods for b in bodies]
    for title, period, body in pages:
        for hint in (None, 2016):
            raw = RawDocument(
                content=_year_page(title, period, body),
                url="http://127.0.0.1/a/t1.html",  # url-ok: data
                year_hint=hint,
                published_date=date(2023, 1, 20),
            )
            lazy = _parsed(raw)
            with monkeypatch.context() as m:
                m.setattr(pipeline, "_text_year_read", lambda *_: True)
                full = _parsed(raw)
            assert lazy == full, (title, period, body, hint)


def _parsed(raw: RawDocument) -> object:
    try:
        return parse_document(raw).model_dump()
    except ParseError as exc:
        return (type(exc), str(exc))


def test_choose_publisher_body_function() -> None:
    rng = random.Random(24)
    names = ["合阳县人民政府", "合阳县政府", "澄城县教育局", "合阳县", None, "", "本机关"]
    texts = ["", "合阳县政府办公室", "合阳县人民政府", "澄城县教育局发布", "教育局"]
    for _ in range(500):
        found = rng.choice(names) if rng.random() < 0.3 else None
        meta = {"meta": found} if found else {}
        issuer, registry, body = rng.choice(names), rng.choice(names), rng.choice(texts)

        def later(body: str = body) -> str:
            return body

        lazy = metadata.choose_publisher(meta, issuer, registry, later)
        assert lazy == metadata.choose_publisher(meta, issuer, registry, body)


def _candidates_reference(
    name: str, pos: int, parent: regions.Division | None
) -> list[tuple[regions.Division, int]]:
    """``regions._candidates`` trying every name length at every position."""
    full, short, lengths = regions._index()
    out: list[tuple[regions.Division, int]] = []
    for table in (full, short):
        for n in lengths:
            piece = name[pos : pos + n]
            if len(piece) < n:
                continue
            for div in table.get(piece, []):
                if parent is None or regions._within(div, parent.code):
                    out.append((div, pos + n))
        if out:
            return out
    return out


def test_candidates_by_first_character_is_exact() -> None:
    rng = random.Random(25)
    table = regions.divisions()
    names = [d.name for d in table.values()]
    shorts = [s for d in table.values() if (s := regions._short(d))]
    pieces = ["人民政府", "教育局", "某某", "县", "市", "省", "新区", "", "　", "x", "中"]
    divisions = [None, *rng.sample(list(table.values()), 200)]
    for _ in range(4000):
        parts = [
            rng.choice(names) if r < 0.4 else rng.choice(shorts) if r < 0.6 else rng.choice(pieces)
            for r in (rng.random() for _ in range(rng.randint(0, 4)))
        ]
        name = "".join(parts)
        pos = rng.randint(0, len(name))
        parent = rng.choice(divisions)
        assert regions._candidates(name, pos, parent) == _candidates_reference(name, pos, parent)


def _reference_non_negative(report: Report) -> list[str]:
    """``check_non_negative``'s list of negative places, each row searched on its own."""
    bad = [
        f"applications {r.row_code}"
        for r in report.applications
        if any(v is not None and v < 0 for v in r.values())
    ]
    bad += [
        f"review_litigation {x.proceeding}/{x.outcome}"
        for x in report.review_litigation
        if x.value is not None and x.value < 0
    ]
    bad += [
        f"active_disclosure {x.item}/{x.metric}"
        for x in report.active_disclosure
        if x.value is not None and x.value < 0 and x.metric != "change"
    ]
    return bad


def _reference_applications(rows: list[ApplicationRow]) -> list[ValidationIssue]:
    """``validate.check_applications`` summing with generators that skip None."""
    issues: list[ValidationIssue] = []
    values: dict[str, list[int | None]] = {}  # each row read once; a repeated code: the last
    for r in rows:
        vals = values[r.row_code] = r.values()
        parts = vals[:6]
        if r.total is not None and None not in parts:
            s = sum(v for v in parts if v is not None)
            if s != r.total:
                issues.append(
                    validate._issue(
                        "applications.row_total",
                        f"row {r.row_code}: 总计 {r.total} ≠ sum of applicant columns {s}",
                        s,
                        r.total,
                    )
                )
    result_codes = [k for k in values if k.startswith("3.") and k != "3.7"]
    # 3.6 (2019) or 3.6.x (2021), never both counted
    if "3.6" in result_codes and any(k.startswith("3.6.") for k in result_codes):
        result_codes = [k for k in result_codes if not k.startswith("3.6.")]
    blank: list[int | None] = [None] * len(APPLICANT_COLUMNS)
    row1, row2, row37, row4 = (values.get(code, blank) for code in ("1", "2", "3.7", "4"))
    results = [values[k] for k in result_codes]
    for i, col in enumerate(APPLICANT_COLUMNS):
        a, b, c, d = row1[i], row2[i], row37[i], row4[i]
        if a is not None and b is not None and c is not None and d is not None and a + b != c + d:
            issues.append(
                validate._issue(
                    "applications.balance",
                    f"column {col}: 一 {a} + 二 {b} ≠ 三(七) {c} + 四 {d}",
                    a + b,
                    c + d,
                )
            )
        if c is None or not results:
            continue
        parts_vals = [row[i] for row in results]
        if None not in parts_vals:
            s = sum(x for x in parts_vals if x is not None)
            if s != c:
                issues.append(
                    validate._issue(
                        "applications.results_total",
                        f"column {col}: 三(七)总计 {c} ≠ sum of results {s}",
                        s,
                        c,
                    )
                )
    return issues


def _reference_review(report: Report) -> list[ValidationIssue]:
    """``validate.check_review`` summing with a generator that skips None."""
    issues: list[ValidationIssue] = []
    vals = {(x.proceeding, x.outcome): x.value for x in report.review_litigation}
    for proc in PROCEEDINGS:
        parts = [vals.get((proc, o)) for o in OUTCOMES[:4]]
        total = vals.get((proc, "total"))
        if total is None or any(p is None for p in parts):
            continue
        s = sum(p for p in parts if p is not None)
        if s != total:
            issues.append(
                validate._issue(
                    "review_litigation.total",
                    f"{proc}: 总计 {total} ≠ {validate._fmt(parts)} summed {s}",
                    s,
                    total,
                )
            )
    return issues


def test_validate_sums_and_signs_are_exact() -> None:
    rng = random.Random(26)
    codes = ["1", "2", "3.1", "3.2", "3.3.1", "3.6", "3.6.1", "3.7", "4"]
    pick = [None, 0, 1, 2, 7, -1]
    for _ in range(1500):
        apps = [
            ApplicationRow(
                row_code=code,
                row_label=code,
                **{c: rng.choice(pick) if rng.random() < 0.9 else None for c in APPLICANT_COLUMNS},
            )
            for code in rng.sample(codes, rng.randint(0, len(codes)))
        ]
        review = [
            ReviewLitigation(proceeding=p, outcome=o, value=rng.choice(pick))
            for p in PROCEEDINGS
            for o in OUTCOMES
            if rng.random() < 0.8
        ]
        report = Report(
            report_id="x",
            year=2021,
            publisher="某某县人民政府",
            template="2021",
            format="html",
            applications=apps,
            review_litigation=review,
        )
        issues = validate.check_non_negative(report)
        bad = _reference_non_negative(report)
        assert [i.actual for i in issues] == ([str(len(bad))] if bad else [])
        if bad:
            assert issues[0].message == "negative counts: " + "; ".join(bad[:10])
        assert validate.check_applications(apps) == _reference_applications(apps)
        assert validate.check_review(report) == _reference_review(report)


def _collapse_reference(text: str) -> str:
    """``collapse_ws`` without its early return."""
    joined = " ".join(text.split())
    if joined.isprintable():
        return joined
    return normalize._WS.sub(" ", text).strip()


def test_collapse_ws_printable_shortcut_is_exact() -> None:
    rng = random.Random(27)
    spaces = [c for c in map(chr, range(0x3001)) if c.isspace() or not c.isprintable()]
    spaces += ["\u200b", "\u200f", "\u2060", "\ufeff", "\u3000", "\u2028", "\u00ad"]
    pieces = [*spaces, *"ab1、。（）/-中文字", "信息公开", "  ", ""]
    for _ in range(30000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        assert normalize.collapse_ws(text) == _collapse_reference(text), repr(text)
    for code in range(0x110000):  # each character alone and inside a word
        c = chr(code)
        for text in (c, "中" + c + "文"):
            assert normalize.collapse_ws(text) == _collapse_reference(text), hex(code)


def _reference_app_counts(tables: TableReadout) -> tuple[int, int]:
    """The table 三 cells found and found null, pairing every row's columns with its values."""
    apps: list[int | None] = []
    for row in tables.applications:
        cols = row.source_col
        if cols:
            apps += [v for c, v in zip(cols, row.values(), strict=False) if c is not None]
    return len(apps), apps.count(None)


def test_completeness_full_rows_are_exact() -> None:
    rng = random.Random(28)
    for _ in range(2000):
        rows = []
        for k in range(rng.randint(0, 6)):
            size = rng.choice([0, 3, 6, 7, 7, 7, 8])
            cols: list[int | None] | None = [
                None if rng.random() < 0.1 else c for c in range(2, 2 + size)
            ]
            if rng.random() < 0.1:
                cols = None
            values = {c: rng.choice([None, 0, 3]) for c in APPLICANT_COLUMNS}
            rows.append(ApplicationRow(row_code=str(k), row_label="x", source_col=cols, **values))
        tables = TableReadout(applications=rows)
        got = completeness(tables, rng.choice(["2019", "2021", "legacy"]))
        found, null = _reference_app_counts(tables)
        assert (got["applications_cells_found"], got["applications_cells_null"]) == (found, null)


def test_legacy_table_reject_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table none of whose first four rows holds a label-head character is skipped: the same
    readout as reading every table (the character test made to pass everything)."""
    rng = random.Random(29)
    words = [
        "指标名称",
        "计量单位",
        "本年",
        "历年累计",
        "项目",
        "单位",
        "件",
        "3",
        "12",
        "",
        "统计",
    ]
    words += ["依申请公开", "二、依申请公开情况", "同意公开答复数", "2017年度", "數量", "㊠"]
    for _ in range(1500):
        blocks: list[Paragraph | Table] = []
        for _ in range(rng.randint(1, 3)):
            width = rng.randint(1, 5)
            rows = [[rng.choice(words) for _ in range(width)] for _ in range(rng.randint(1, 7))]
            blocks.append(Table.from_strings(rows))
            if rng.random() < 0.3:
                blocks.append(Paragraph("正文"))
        doc = DocumentBlocks(blocks=blocks, format="html")
        fast = legacy.read_legacy(doc)
        with monkeypatch.context() as m:
            m.setattr(legacy, "LABEL_HEAD_CHARS", re.compile(""))
            full = legacy.read_legacy(doc)
        assert fast == full
