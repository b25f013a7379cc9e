"""``clean_page`` finds in one walk what the DOM layer and the extractor read: it must clean
exactly as the separate walks did and list exactly the elements a walk after cleaning finds."""

from __future__ import annotations

import random
from pathlib import Path

from lxml import etree

from parsing.extract.html import parse_tree
from parsing.spam.dom import _Cleaner, clean_page, first_descendant
from parsing.spam.visibility import style_bg, style_may_hide

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_PIECES = [
    "<p>text 12</p>",
    "<div class='TRS_Editor'><p>正文</p></div>",
    "<h1>标题</h1>",
    "<meta name='PubDate' content='2021-01-25'>",
    "<a href='http://spam.example.com/'>澳门赌场 网址 www.pj1234.com</a>",  # url-ok
    "<a href='/local.html'>本站</a>",
    "<font color='#ffffff'>白字</font>",
    "<script>document.write('x')</script>",
    "<!-- <a href='x'>c</a> -->",
    "<noscript><a href='http://x.example.com/'>澳门赌场 网址 www.pj1234.com</a></noscript>",  # url-ok
    "<noscript><meta name='a' content='b'><h1>n</h1></noscript>",
    "<style>.h{display:none}</style>",
    "<div class='h'><h1>藏</h1><div>hidden div</div></div>",
    "<div style='display:none'><meta name='x' content='y'><div>隐藏</div></div>",
    "<div hidden><h1>h</h1></div>",
    "<article><p>文章</p></article>",
    "<iframe width=0 src='x'></iframe>",
    "<marquee height=1>滚动</marquee>",
    "<table><tr><td>1</td><td style='display:none'>2</td></tr></table>",
]


def _reference(root: etree._Element) -> tuple[object, object, object]:
    """The layer as separate walks (before ``clean_page``), then the walks of the extractor."""
    cleaner = _Cleaner(root)
    cleaner.signals()
    cleaner.drop_inert()
    body = first_descendant(root, "body")
    start = body if body is not None else root
    bg = cleaner.body_bg
    if body is not None:
        bg = bg or style_bg(body.get("style") or "")
    cleaner.walk(start, bg)
    res = cleaner.res
    lists = (list(root.iter("meta")), list(root.iter("h1")), list(root.iter("div", "article")))
    return (res.removals, sorted(res.flags), res.dropped), _paths(root, lists), _dump(root)


def _paths(root: etree._Element, lists: tuple[list[etree._Element], ...]) -> object:
    tree = root.getroottree()
    return [[tree.getpath(el) for el in els] for els in lists]


def _dump(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


def _check(html: str) -> None:
    res, page = clean_page(one := parse_tree(html))
    got = (
        (res.removals, sorted(res.flags), res.dropped),
        _paths(one, (page.metas, page.h1s, page.blocks)),
        _dump(one),
    )
    assert got == _reference(parse_tree(html)), html


def test_clean_page_equals_the_separate_walks_on_random_pages() -> None:
    rng = random.Random(21)
    for _ in range(300):
        body = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8)))
        head = "".join(rng.choice(_PIECES[3:11]) for _ in range(rng.randint(0, 2)))
        after = rng.choice(["", "", "<p>after body</p>", "<!-- tail -->"])
        html = f"<html><head><title>t</title>{head}</head><body>{body}</body>{after}</html>"
        _check(html if rng.random() < 0.9 else body)


def test_clean_page_equals_the_separate_walks_when_content_follows_the_body() -> None:
    """Trees no parser gives but code can: elements after ``<body>``, or no ``<body>``."""
    rng = random.Random(22)
    for _ in range(200):
        root = parse_tree(
            "<html><head><title>t</title></head><body>"
            + "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 5)))
            + "</body></html>"
        )
        body = root.find("body")
        assert body is not None
        for _ in range(rng.randint(0, 3)):
            piece = parse_tree(rng.choice(_PIECES))
            inner = piece.find("body")
            for el in list(inner if inner is not None else piece):
                root.append(el)  # a sibling after <body>
        if rng.random() < 0.2:
            body.tag = "section"  # no <body> at all
        html = etree.tostring(root, encoding="unicode")
        one, two = etree.fromstring(html), etree.fromstring(html)
        res, page = clean_page(one)
        got = (
            (res.removals, sorted(res.flags), res.dropped),
            _paths(one, (page.metas, page.h1s, page.blocks)),
            _dump(one),
        )
        assert got == _reference(two), html


def test_clean_page_equals_the_separate_walks_on_fixture_pages() -> None:
    pages = sorted(_FIXTURES.rglob("*.htm*"))
    assert len(pages) > 50
    for path in pages:
        _check(path.read_bytes().decode("utf-8", errors="replace"))


_OLD_STYLES = etree.XPath(
    "set:distinct(descendant::*/@style)",
    namespaces={"set": "http://exslt.org/sets"},  # url-ok: an XML namespace name
    smart_strings=False,
)
_OLD_ANY_HIDDEN = etree.XPath("boolean(descendant::*/@hidden)")


def _old_candidates(cleaner: _Cleaner, start: etree._Element) -> list[etree._Element]:
    """``_Cleaner.candidates`` with its two XPath evaluations (styles, then ``hidden``)."""
    rules = cleaner.rule_keys
    found = _OLD_STYLES(start)
    styles = found if isinstance(found, list) else []
    suspicious = {s for s in styles if style_may_hide(str(s))}
    if not rules and not suspicious and not _OLD_ANY_HIDDEN(start):
        return [el for el in start.iter("font", "marquee", "a") if el is not start]
    return [
        el
        for el in start.iterdescendants()
        if isinstance(el.tag, str)
        and (
            el.tag in ("font", "marquee", "a")
            or el.get("style") in suspicious
            or el.get("hidden") is not None
            or id(el) in rules
        )
    ]


def test_candidates_equal_the_two_evaluations() -> None:
    rng = random.Random(23)
    styles = ["", "color:red", "display:none", "hidden", "width:0", "font-size:12px"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(0, 8)):
            tag = rng.choice(["div", "span", "a", "font", "p"])
            attrs = ""
            if rng.random() < 0.5:
                attrs += f' style="{rng.choice(styles)}"'
            if rng.random() < 0.15:
                attrs += f' hidden="{rng.choice(styles)}"' if rng.random() < 0.5 else " hidden"
            parts.append(f"<{tag}{attrs}>x</{tag}>")
        style = "<style>.c{display:none}</style>" if rng.random() < 0.2 else ""
        root = parse_tree(f"<html><head>{style}</head><body>{''.join(parts)}</body></html>")
        cleaner = _Cleaner(root)
        body = first_descendant(root, "body")
        assert body is not None
        assert cleaner.candidates(body) == _old_candidates(cleaner, body), parts
