"""Shortcuts of the HTML extraction (session 22, hx5) give what the full paths give."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from lxml import etree

from parsing.extract import html as html_mod
from parsing.extract.html import parse_tree
from parsing.spam import dom
from parsing.spam.dom import clean_page, first_text
from tests.parsing.spam.test_page_walk import _PIECES, _dump, _paths, _reference


def _compare(html_or_tree: str | etree._Element) -> None:
    """``clean_page`` against the separate walks, and its ``title`` against ``first_text``
    before cleaning, on two copies of one page."""
    if isinstance(html_or_tree, str):
        one, two = parse_tree(html_or_tree), parse_tree(html_or_tree)
    else:
        text = etree.tostring(html_or_tree, encoding="unicode")
        one, two = etree.fromstring(text), etree.fromstring(text)
    title = first_text(two, "title")
    res, page = clean_page(one)
    got = (
        (res.removals, sorted(res.flags), res.dropped),
        _paths(one, (page.metas, page.h1s, page.blocks)),
        _dump(one),
    )
    assert got == _reference(two)
    assert page.title == title


def test_first_title_and_body_of_the_page_walk() -> None:
    rng = random.Random(31)
    heads = ["", "<title>t</title>", "<title></title>", "<title>a</title><title>b</title>"]
    for _ in range(300):
        body = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6)))
        html = f"<html><head>{rng.choice(heads)}</head><body bgcolor='#000'>{body}</body></html>"
        _compare(html)


def test_first_body_or_title_inside_a_dropped_element() -> None:
    """Trees code can build: a ``<body>`` or ``<title>`` inside an inert element (dropped
    before the walk reads the body), a title holding an element, a body at the root."""
    rng = random.Random(32)
    for _ in range(300):
        root = parse_tree(
            "<html><head><title>t</title></head><body>"
            + "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 5)))
            + "</body></html>"
        )
        head, body = root[0], root[1]
        for _ in range(rng.randint(1, 3)):
            wrapper = etree.Element(rng.choice(["noscript", "template", "div", "script"]))
            inner = etree.SubElement(wrapper, rng.choice(["body", "title", "p"]))
            inner.text = rng.choice(["", "x", "澳门赌场 网址 www.pj1234.com"])
            if rng.random() < 0.5:
                inner.set("bgcolor", rng.choice(["#ffffff", "#000000"]))
                etree.SubElement(inner, "font", color="#ffffff").text = "白字"
            wrapper.tail = rng.choice([None, "tail"])
            parent = rng.choice([root, head, body])
            parent.insert(rng.randint(0, len(parent)), wrapper)
        if rng.random() < 0.3:
            title = head.find("title")
            if title is not None:
                etree.SubElement(title, "script").tail = "after"
        if rng.random() < 0.1:
            root = body
        _compare(root)


def test_has_below_is_find() -> None:
    rng = random.Random(33)
    tags = ["div", "p", "table", "span", "td"]
    for _ in range(300):
        html = "".join(
            rng.choice([f"<{t}>", f"</{t}>", "x", "<!-- c -->", "<br>"])
            for t in rng.choices(tags, k=rng.randint(0, 12))
        )
        root = parse_tree(f"<html><body>{html}</body></html>")
        for el in root.iter():
            for wanted in (("table",), ("div", "p")):
                want = any(el.find(".//" + t) is not None for t in wanted)
                assert html_mod._has_below(el, *wanted) == want


def test_offsite_without_generator() -> None:
    rng = random.Random(34)
    pieces = ["http:", "//", "/", "a.gov.cn", "x.com", "\t", "\r", "\n", " ", "[", "?q", "#f"]
    for _ in range(5000):
        href = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
        assert dom._offsite(href) == _offsite_reference(href), repr(href)


def _offsite_reference(href: str | None) -> bool:
    """``dom._offsite`` as it tested for tabs and line breaks before."""
    if not href:
        return False
    if "//" not in href and not any(c in href for c in "\t\r\n"):
        return False
    try:
        host = (urlsplit(href.strip()).hostname or "").lower()
    except ValueError:
        return False
    return bool(host) and not (host.endswith(".gov.cn") or host == "gov.cn")
