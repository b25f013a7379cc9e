"""Shortcuts of the metadata and pipeline stages (session 22, hx5) give what the full paths give."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from parsing import ParseError, RawDocument, metadata, parse_document, pipeline, regions, urls

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
        "http://www.heyang.gov.cn/zwgk/index.html",
        "https://www.heyang.gov.cn",
        "http://a-.b.gov.cn/x/default.htm",
        "http://xn--fiqs8s.gov.cn/a/",
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
