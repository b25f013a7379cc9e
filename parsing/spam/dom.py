"""DOM layer (SPAM.md §4.2 L2): runs on the lxml tree before any text extraction.

Drops scripts, styles, comments, ``<noscript>``/``<template>``/embeds; removes hidden subtrees
(inline styles, simple ``<style>`` rules, the ``hidden`` attribute, off-screen positioning, zero
font size or box, colour equal to the background, tiny marquees) and off-site links whose anchor
text is spam. Hidden content that carries the report template (tab panes holding the tables) is
kept and flagged. Title and meta are never trusted: ``title_is_hijacked`` says whether they
are spam (the report title comes from the article heading).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from urllib.parse import urlsplit

from lxml import etree

from parsing.blocks import SpamRemovalRecord
from parsing.spam.css import norm_color, px, style_rules
from parsing.spam.detect import lexicon_spans, lexicon_tokens
from parsing.spam.latin import OWN_HOSTS
from parsing.spam.results import DomCleanResult
from parsing.spam.shadow import make_shadow
from parsing.spam.visibility import hiding_reason, reason_tag, style_bg, style_may_hide

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "applet")
_TEMPLATE_ANCHORS = (
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请",
    "行政复议、行政诉讼",
    "本年新收政府信息公开申请数量",
    "政府信息公开工作年度报告",
    "存在的主要问题",
    "其他需要报告的事项",
)
_JS_SIGNALS = {
    "js_injection": re.compile(r"document\.write|eval\s*\(|atob\s*\(|unescape\s*\(|fromcharcode"),
    "referrer_redirect": re.compile(r"document\.referrer[\s\S]{0,200}location|baidu\|sogou"),
    "js_title_reset": re.compile(r"document\.title\s*="),
    "history_hijack": re.compile(r"history\.pushstate"),
    "spider_cloaking": re.compile(r"baiduspider|sogou web spider"),
}
_CANDIDATE_TAGS = frozenset({"font", "marquee", "a"})
_INERT_TAGS = frozenset(_DROP_TAGS)
# what the layer and the extractor read, found in one walk over the page (document order)
_PAGE_TAGS = (
    *(etree.Comment, "meta", *_DROP_TAGS, "body", "title", *_CANDIDATE_TAGS, "h1", "div"),
    "article",
)
_FIRST_TAGS = frozenset({"body", "title"})  # the first of each is read (``first_descendant``)
# the distinct inline style strings (EXSLT ``set:distinct``, in C: pages repeat a few hundred times
# the same ``style=`` on their cells; building one Python string each is most of the cost) and, in
# the same evaluation, every ``hidden`` attribute (a union of attribute nodes: a ``hidden`` value
# equal to a style string is still there; ``attrname`` tells them apart)
_STYLES_HIDDEN = etree.XPath(
    "set:distinct(descendant::*/@style) | descendant::*/@hidden",
    namespaces={"set": "http://exslt.org/sets"},
)
_CELL_TAGS = frozenset({"td", "th"})
_SOFT = frozenset({"display_none", "visibility_hidden", "hidden_attr"})
_MAX_SOFT_TEXT = 200


def title_is_hijacked(title: str | None) -> bool:
    """True when a ``<title>``/meta text carries spam (gambling, porn, promotion chains)."""
    if not title:
        return False
    return _hijacked(title, OWN_HOSTS.get())


@lru_cache(maxsize=2048)
def _hijacked(title: str, _own: frozenset[str]) -> bool:
    """``title_is_hijacked`` of a non-empty text (cached: a site repeats its ``<title>`` and meta
    keywords on every page; ``_own``, the site's own hosts, is part of the key)."""
    sh = make_shadow(title)
    if any(sp.accepted for sp in lexicon_spans(sh)):
        return True
    toks = lexicon_tokens(sh)
    return any(t.kind == "S" for t in toks) or sum(t.kind in "BJ" for t in toks) >= 2


def _text(el: etree._Element) -> str:
    return " ".join("".join(str(t) for t in el.itertext()).split())


def first_descendant(root: etree._Element, tag: str) -> etree._Element | None:
    """``root.find(".//" + tag)``: the first descendant named ``tag`` in document order.

    Searched child subtree by child: lxml's ``iter`` looks ahead for a second match, so ``find``
    walks the whole page even when ``<title>`` is in ``<head>`` or ``<body>`` is a child.
    """
    for child in root:
        if child.tag == tag:
            return child
        found = next(child.iter(tag), None)
        if found is not None:
            return found
    return None


def first_text(root: etree._Element, tag: str) -> str | None:
    """``root.findtext(".//" + tag)`` (``""`` for an element without text)."""
    el = first_descendant(root, tag)
    return None if el is None else el.text or ""


def _offsite(href: str | None) -> bool:
    if not href:
        return False
    if "//" not in href and "\t" not in href and "\r" not in href and "\n" not in href:
        # (urlsplit drops tabs and line breaks)
        return False  # no authority part: a relative link has no host
    try:
        host = (urlsplit(href.strip()).hostname or "").lower()
    except ValueError:  # 'http://[oops/': not a URL anyone can follow (fuzz finding)
        return False
    return bool(host) and not (host.endswith(".gov.cn") or host == "gov.cn")


def _has_evidence(text: str) -> bool:
    sh = make_shadow(text)
    if any(sp.accepted for sp in lexicon_spans(sh)):
        return True
    return any(t.kind in "SBJ" or (t.kind == "U" and t.weight >= 4) for t in lexicon_tokens(sh))


def _attached(el: etree._Element, root: etree._Element) -> bool:
    """False when an ancestor of ``el`` was dropped (the chain no longer reaches ``root``)."""
    node: etree._Element | None = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def _in_cell(el: etree._Element, start: etree._Element) -> bool:
    """True when a proper ancestor of ``el`` below ``start`` is a table cell."""
    node = el.getparent()
    while node is not None and node is not start:
        if node.tag in _CELL_TAGS:
            return True
        node = node.getparent()
    return False


def _splits_number(el: etree._Element) -> bool:
    """True when ``el`` sits between two digits (``15<a>…</a>20``): removing it joins them."""
    parent = el.getparent()
    prev = el.getprevious()
    before = (prev.tail if prev is not None else parent.text if parent is not None else "") or ""
    before = before.rstrip() or (_text(prev) if prev is not None else "")
    after = (el.tail or "").lstrip()
    if not after:
        nxt = el.getnext()
        after = _text(nxt) if nxt is not None else ""
    return bool(before) and bool(after) and before[-1:].isdigit() and after[:1].isdigit()


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and its subtree, keeping its tail text (``lxml.html``'s ``drop_tree``)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is None:
            parent.text = (parent.text or "") + el.tail
        else:
            prev.tail = (prev.tail or "") + el.tail
    parent.remove(el)


@dataclass(slots=True)
class PageElements:
    """Elements of the cleaned page the extractor reads, in document order (found in the walk
    the DOM layer makes before cleaning; those a removal detached are left out)."""

    metas: list[etree._Element] = field(default_factory=list)
    h1s: list[etree._Element] = field(default_factory=list)
    blocks: list[etree._Element] = field(default_factory=list)  # <div> and <article>
    title: str | None = None  # ``first_text(root, "title")`` of the page before cleaning


class _Cleaner:
    def __init__(
        self, root: etree._Element, first: dict[str, etree._Element] | None = None
    ) -> None:
        """``first``: the first ``<body>`` and ``<title>`` below ``root`` (document order) by
        tag, when the caller found them (``first_descendant`` otherwise)."""
        self.root = root
        self.res = DomCleanResult()
        self.detached = False  # a dropped element had children (they left the tree with it)
        self.removed = False  # ``walk`` dropped something
        self.rules: dict[int, dict[str, str]] = {}
        self._alive: list[list[etree._Element]] = []  # keeps lxml proxies (and their ids) alive
        for els, decls in style_rules(root):
            self._alive.append(els)
            for el in els:
                self.rules.setdefault(id(el), {}).update(decls)
        self.rule_keys: dict[int, tuple[tuple[str, str], ...]] = {
            k: tuple(sorted(v.items())) for k, v in self.rules.items()
        }
        body = first_descendant(root, "body") if first is None else first.get("body")
        self.body_bg = norm_color(body.get("bgcolor")) if body is not None else None
        self.first = first

    def signals(self, found: list[etree._Element] | None = None) -> None:
        """Page signals from the title, meta and scripts (``found``: the page's ``<meta>`` and
        ``<script>`` elements in document order, when the caller has them)."""
        if self.first is None:
            title = first_text(self.root, "title")
        else:
            el = self.first.get("title")
            title = None if el is None else el.text or ""
        if title_is_hijacked(title):
            self.res.flags.add("title_hijack")
        for el in self.root.iter("meta", "script") if found is None else found:
            if el.tag == "meta":
                name = (el.get("name") or "").lower()
                if name in ("keywords", "description") and title_is_hijacked(el.get("content")):
                    self.res.flags.add("meta_hijack")
                continue
            code = ((el.text or "") + " " + (el.get("src") or "")).lower()
            for flag, rx in _JS_SIGNALS.items():
                if rx.search(code):
                    self.res.flags.add(flag)
            if _offsite(el.get("src")):
                self.res.flags.add("external_script")

    def drop_inert(self, found: list[etree._Element] | None = None) -> None:
        """Drop comments and inert elements (``found``: those of the page in document order)."""
        if found is None:
            found = list(self.root.iter(etree.Comment, *_DROP_TAGS))  # one walk, document order
        comments = [el for el in found if isinstance(el, etree._Comment)]
        for comment in comments:  # all comments first, then the inert elements (as two walks did)
            if "href" in (comment.text or "").lower():
                self.res.flags.add("comment_links")
            _drop(comment)
            self.res.dropped += 1
        inert = [e for e in found if not isinstance(e, etree._Comment)] if comments else found
        for el in inert:
            if el.getparent() is None:
                continue
            if el.tag == "noscript" and el.find(".//a") is not None:
                self.res.flags.add("noscript_links")
                text = _text(el)
                if text:
                    self.res.removals.append(SpamRemovalRecord("dom:noscript", text, "link_farm"))
            if el.tag == "iframe" and (px(el.get("width")) == 0 or px(el.get("height")) == 0):
                self.res.flags.add("tiny_iframe")
            if len(el):
                self.detached = True
            _drop(el)
            self.res.dropped += 1

    def hidden_reason(self, el: etree._Element, bg: Callable[[], str | None]) -> str | None:
        """Why ``el`` is hidden (``display_none``, ``off_screen`` …), or None when visible."""
        if el.get("hidden") is not None:
            return "hidden_attr"
        tag = el.tag
        extra: tuple[str | None, ...] = ()
        if tag == "font":
            extra = (el.get("color"),)
        elif tag == "marquee":
            extra = (el.get("height"), el.get("width"), el.get("scrollamount"))
        rule = self.rule_keys.get(id(el), ())
        reason, color = hiding_reason(reason_tag(str(tag)), el.get("style") or "", rule, extra)
        if reason is None and color is not None and color in ("transparent", bg() or "#ffffff"):
            return "colour_as_background"
        return reason

    def candidates(
        self, start: etree._Element, anchors: list[etree._Element] | None = None
    ) -> list[etree._Element]:
        """Elements below ``start`` (document order) that could be hidden or be spam anchors.

        Everything else is visible whatever its context: a style none of whose declarations
        ``can_hide`` behaves like no style at all. Distinct style strings are read first (no
        element proxies); most pages have no suspicious one and only their anchors are visited
        (``anchors``: the ``<font>``, ``<marquee>`` and ``<a>`` below ``start``, when known).
        """
        rules = self.rule_keys
        found = _STYLES_HIDDEN(start)
        styles, hidden = [], False
        for value in found if isinstance(found, list) else []:
            if getattr(value, "attrname", None) == "hidden":
                hidden = True
            else:
                styles.append(value)
        suspicious = {s for s in styles if style_may_hide(str(s))}
        if not rules and not suspicious and not hidden:
            if anchors is not None:
                return anchors
            return [el for el in start.iter(*_CANDIDATE_TAGS) if el is not start]
        out: list[etree._Element] = []
        for el in start.iterdescendants():
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if (
                tag in _CANDIDATE_TAGS
                or el.get("style") in suspicious
                or el.get("hidden") is not None
                or id(el) in rules
            ):
                out.append(el)
        return out

    def background(self, el: etree._Element, start: etree._Element, bg: str | None) -> str | None:
        """Effective background of ``el``: the nearest own non-transparent one, else ``bg``."""
        node: etree._Element | None = el
        while node is not None and node is not start:
            style = node.get("style")
            own = norm_color(node.get("bgcolor")) or (style_bg(style) if style else None)
            if own and own != "transparent":
                return own
            node = node.getparent()
        return bg

    def walk(
        self, start: etree._Element, bg: str | None, anchors: list[etree._Element] | None = None
    ) -> None:
        """Drop hidden subtrees and off-site spam anchors below ``start``, in document order."""
        removed = False
        for el in self.candidates(start, anchors):
            if removed and not _attached(el, self.root):
                continue  # inside a subtree dropped earlier
            tag = el.tag
            plain_link = (
                tag == "a"
                and not el.get("style")
                and el.get("hidden") is None
                and id(el) not in self.rule_keys
            )  # nothing can hide it (``hidden_reason`` is None): skip the test
            if not plain_link:
                reason = self.hidden_reason(el, partial(self.background, el, start, bg))
                if reason is not None and self.handle_hidden(el, reason, _in_cell(el, start)):
                    removed = True
                    continue
            if tag == "a" and _offsite(el.get("href")):
                text = _text(el)
                if _splits_number(el) and _in_cell(el, start):
                    continue  # dropping it would join two numbers: the cell pass decides
                if text and _has_evidence(text):
                    self.res.flags.add("external_spam_links")
                    self.res.removals.append(SpamRemovalRecord("dom:a", text, "link_farm"))
                    _drop(el)
                    removed = True
        self.removed = removed

    def handle_hidden(self, el: etree._Element, reason: str, in_cell: bool) -> bool:
        """Drop a hidden subtree (True) or keep it with a flag (False)."""
        text = _text(el)
        template = any(a in text for a in _TEMPLATE_ANCHORS) or el.find(".//table") is not None
        if template and (not in_cell or el.tag == "table"):
            self.res.flags.add("hidden_template_content")
            return False
        links = el.tag == "a" or el.find(".//a") is not None
        if (
            reason in _SOFT
            and not in_cell
            and len(text) > _MAX_SOFT_TEXT
            and not links
            and not _has_evidence(text)
        ):
            self.res.flags.add("hidden_content_kept")
            return False
        if text:
            detector = "link_farm" if links else "dom_hidden"
            self.res.removals.append(SpamRemovalRecord(f"dom:{el.tag}.{reason}", text, detector))
        _drop(el)
        return True


def clean_dom(root: etree._Element) -> DomCleanResult:
    """Remove scripts, styles, comments and hidden subtrees from ``root`` in place."""
    return clean_page(root)[0]


def clean_page(root: etree._Element) -> tuple[DomCleanResult, PageElements]:
    """``clean_dom``, and the page's ``<meta>``, ``<h1>``, ``<div>`` and ``<article>`` elements
    left after cleaning (document order): one walk over the page finds them and what the layer
    reads, where each was a walk of its own."""
    found = list(root.iter(*_PAGE_TAGS))  # document order
    signal: list[etree._Element] = []  # <meta> and <script>
    inert: list[etree._Element] = []  # comments and inert elements
    first: dict[str, etree._Element] = {}  # the first <body> and <title> below the root
    page = PageElements()
    for el in found:
        tag = el.tag
        if tag == "meta":
            signal.append(el)
            page.metas.append(el)
        elif tag in _INERT_TAGS or not isinstance(tag, str):
            if tag == "script":
                signal.append(el)
            inert.append(el)
        elif tag == "div" or tag == "article":
            page.blocks.append(el)
        elif tag == "h1":
            page.h1s.append(el)
        elif tag in _FIRST_TAGS and tag not in first and el is not root:
            first[str(tag)] = el
    title = first.get("title")
    page.title = None if title is None else title.text or ""  # before any removal
    cleaner = _Cleaner(root, first)
    cleaner.signals(signal)
    cleaner.drop_inert(inert)
    body = first.get("body")
    if cleaner.detached and body is not None and not _attached(body, root):
        body = first_descendant(root, "body")  # it was inside a dropped element
    start = body if body is not None else root
    bg = cleaner.body_bg
    if body is not None:
        bg = bg or style_bg(body.get("style") or "")
    cleaner.walk(start, bg, None if cleaner.detached else _anchors_below(found, start, root))
    if cleaner.detached or cleaner.removed:  # some of the elements found left the tree
        page.metas = [el for el in page.metas if _attached(el, root)]
        page.h1s = [el for el in page.h1s if _attached(el, root)]
        page.blocks = [el for el in page.blocks if _attached(el, root)]
    return cleaner.res, page


def _anchors_below(
    found: list[etree._Element], start: etree._Element, root: etree._Element
) -> list[etree._Element] | None:
    """The ``<font>``, ``<marquee>`` and ``<a>`` of ``found`` (a walk of ``root`` in document
    order) below ``start``, or None when ``start``'s subtree is not simply all that follows it:
    ``start`` and its ancestors below ``root`` must each be the last child of their parent."""
    if start is root:
        return [el for el in found if el.tag in _CANDIDATE_TAGS and el is not root]
    node = start
    while node is not root:
        if node.getnext() is not None:
            return None
        parent = node.getparent()
        if parent is None:
            return None
        node = parent
    k = next((k for k, el in enumerate(found) if el is start), -1)
    if k < 0:
        return None
    return [el for el in found[k + 1 :] if el.tag in _CANDIDATE_TAGS]
