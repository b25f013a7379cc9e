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
from urllib.parse import urlsplit

from lxml import etree, html

from parsing.blocks import SpamRemovalRecord
from parsing.spam.css import norm_color, parse_declarations, px, style_rules
from parsing.spam.detect import lexicon_spans, lexicon_tokens
from parsing.spam.results import DomCleanResult
from parsing.spam.shadow import make_shadow

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
_SOFT = frozenset({"display_none", "visibility_hidden", "hidden_attr"})
_MAX_SOFT_TEXT = 200


def title_is_hijacked(title: str | None) -> bool:
    """True when a ``<title>``/meta text carries spam (gambling, porn, promotion chains)."""
    if not title:
        return False
    sh = make_shadow(title)
    if any(sp.accepted for sp in lexicon_spans(sh)):
        return True
    toks = lexicon_tokens(sh)
    return any(t.kind == "S" for t in toks) or sum(t.kind in "BJ" for t in toks) >= 2


def _text(el: etree._Element) -> str:
    return " ".join("".join(str(t) for t in el.itertext()).split())


def _offsite(href: str | None) -> bool:
    if not href:
        return False
    host = (urlsplit(href.strip()).hostname or "").lower()
    return bool(host) and not (host.endswith(".gov.cn") or host == "gov.cn")


def _has_evidence(text: str) -> bool:
    sh = make_shadow(text)
    if any(sp.accepted for sp in lexicon_spans(sh)):
        return True
    return any(t.kind in "SBJ" or (t.kind == "U" and t.weight >= 4) for t in lexicon_tokens(sh))


def _drop(el: etree._Element) -> None:
    if isinstance(el, html.HtmlElement):
        el.drop_tree()
        return
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


class _Cleaner:
    def __init__(self, root: html.HtmlElement) -> None:
        self.root = root
        self.res = DomCleanResult()
        self.rules: dict[int, dict[str, str]] = {}
        self._alive: list[list[etree._Element]] = []  # keeps lxml proxies (and their ids) alive
        for els, decls in style_rules(root):
            self._alive.append(els)
            for el in els:
                self.rules.setdefault(id(el), {}).update(decls)
        body = root.find(".//body")
        self.body_bg = norm_color(body.get("bgcolor")) if body is not None else None

    def signals(self) -> None:
        title = self.root.findtext(".//title")
        if title_is_hijacked(title):
            self.res.flags.add("title_hijack")
        for meta in self.root.iter("meta"):
            name = (meta.get("name") or "").lower()
            if name in ("keywords", "description") and title_is_hijacked(meta.get("content")):
                self.res.flags.add("meta_hijack")
        for sc in self.root.iter("script"):
            code = ((sc.text or "") + " " + (sc.get("src") or "")).lower()
            for flag, rx in _JS_SIGNALS.items():
                if rx.search(code):
                    self.res.flags.add(flag)
            if _offsite(sc.get("src")):
                self.res.flags.add("external_script")

    def drop_inert(self) -> None:
        for el in list(self.root.iter(etree.Comment)):
            if "href" in (el.text or "").lower():
                self.res.flags.add("comment_links")
            _drop(el)
            self.res.dropped += 1
        for el in list(self.root.iter(*_DROP_TAGS)):
            if el.getparent() is None:
                continue
            if el.tag == "noscript" and el.find(".//a") is not None:
                self.res.flags.add("noscript_links")
                text = _text(el)
                if text:
                    self.res.removals.append(SpamRemovalRecord("dom:noscript", text, "link_farm"))
            if el.tag == "iframe" and (px(el.get("width")) == 0 or px(el.get("height")) == 0):
                self.res.flags.add("tiny_iframe")
            _drop(el)
            self.res.dropped += 1

    def hidden_reason(self, el: etree._Element, bg: str | None) -> str | None:
        decls = dict(self.rules.get(id(el), {}))
        decls.update(parse_declarations(el.get("style") or ""))
        if el.get("hidden") is not None:
            return "hidden_attr"
        if decls.get("display") == "none":
            return "display_none"
        if decls.get("visibility") in ("hidden", "collapse"):
            return "visibility_hidden"
        if decls.get("opacity", "").strip() in ("0", "0.0", ".0"):
            return "opacity_0"
        fs = px(decls.get("font-size"))
        if fs is not None and fs <= 1:
            return "font_size_0"
        if (px(decls.get("height")) == 0 or px(decls.get("width")) == 0) and (
            decls.get("overflow") == "hidden" or el.tag in ("div", "span", "p", "a")
        ):
            return "zero_size"
        if decls.get("position") in ("absolute", "fixed") and any(
            (v := px(decls.get(k))) is not None and v <= -500 for k in ("left", "top")
        ):
            return "off_screen"
        indent = px(decls.get("text-indent"))
        if indent is not None and indent <= -500:
            return "text_indent"
        if "rect(0" in decls.get("clip", "").replace(" ", "") or "inset(100%" in decls.get(
            "clip-path", ""
        ):
            return "clip"
        if el.tag == "marquee":
            h, w = (
                px(el.get("height") or decls.get("height")),
                px(el.get("width") or decls.get("width")),
            )
            amount = px(el.get("scrollamount"))
            if (h is not None and h <= 2) or (w is not None and w <= 2) or (amount or 0) >= 100:
                return "tiny_marquee"
        color = norm_color(el.get("color") if el.tag == "font" else None) or norm_color(
            decls.get("color")
        )
        if color is not None and (color == "transparent" or color == (bg or "#ffffff")):
            return "colour_as_background"
        return None

    def walk(self, el: etree._Element, bg: str | None, in_cell: bool) -> None:
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            cbg = bg
            own_bg = norm_color(child.get("bgcolor")) or norm_color(
                parse_declarations(child.get("style") or "").get("background-color")
                or parse_declarations(child.get("style") or "").get("background")
            )
            if own_bg and own_bg != "transparent":
                cbg = own_bg
            reason = self.hidden_reason(child, cbg)
            if reason is not None and self.handle_hidden(child, reason, in_cell):
                continue
            if child.tag == "a" and _offsite(child.get("href")):
                text = _text(child)
                if text and _has_evidence(text):
                    self.res.flags.add("external_spam_links")
                    self.res.removals.append(SpamRemovalRecord("dom:a", text, "link_farm"))
                    _drop(child)
                    continue
            self.walk(child, cbg, in_cell or child.tag in ("td", "th"))

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


def clean_dom(root: html.HtmlElement) -> DomCleanResult:
    """Remove scripts, styles, comments and hidden subtrees from ``root`` in place."""
    cleaner = _Cleaner(root)
    cleaner.signals()
    cleaner.drop_inert()
    body = root.find(".//body")
    start = body if body is not None else root
    bg = cleaner.body_bg
    if body is not None:
        bg = bg or norm_color(
            parse_declarations(body.get("style") or "").get("background-color")
            or parse_declarations(body.get("style") or "").get("background")
        )
    cleaner.walk(start, bg, in_cell=False)
    return cleaner.res
