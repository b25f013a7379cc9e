"""Just enough CSS for visibility: inline declarations, simple ``<style>`` rules, colours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from lxml import etree

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_AT_BLOCK = re.compile(
    r"@(?:media|supports|font-face|keyframes|-webkit-keyframes)[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}"
)
_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")  # the grammar ``_rules`` reads (linearly)
_SELECTOR_CUT = re.compile(r"[{}@]")
_COMPOUND = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*|\*)?((?:[.#][\w\-]+)*)$")
_PART = re.compile(r"([.#])([\w\-]+)")
_NAMED = {
    "white": "#ffffff",
    "black": "#000000",
    "red": "#ff0000",
    "blue": "#0000ff",
    "green": "#008000",
    "gray": "#808080",
    "grey": "#808080",
    "silver": "#c0c0c0",
    "yellow": "#ffff00",
}


def parse_declarations(text: str) -> dict[str, str]:
    """``a:b; c:d`` → {a: b, c: d} (lower-case, ``!important`` dropped)."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if ":" not in part:
            continue
        k, v = part.split(":", 1)
        out[k.strip().lower()] = v.replace("!important", "").strip().lower()
    return out


def selector_to_xpath(selector: str) -> str | None:
    """XPath for a simple selector (tags, classes, ids, descendant and child); else None."""
    steps: list[str] = []
    axis = "//"
    for tok in selector.replace(">", " > ").split():
        if tok == ">":
            axis = "/"
            continue
        m = _COMPOUND.match(tok)
        if not m or not (m.group(1) or m.group(2)):
            return None
        cond = ""
        for kind, name in _PART.findall(m.group(2) or ""):
            if kind == ".":
                cond += f"[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
            else:
                cond += f"[@id='{name}']"
        tag = (m.group(1) or "*").lower()
        steps.append(f"{axis}{tag}{cond}")
        axis = "//"
    return "".join(steps) if steps else None


def can_hide(prop: str, value: str) -> bool:
    """True when the declaration ``prop: value`` could, alone or with others, hide an element.

    Values that cannot (``display:block``, ``font-size:12pt``, ``left:10px``) behave exactly like
    an absent declaration in every visibility rule, so they can be ignored.
    """
    if prop == "display":
        return value == "none"
    if prop == "visibility":
        return value in ("hidden", "collapse")
    if prop == "opacity":
        return value.strip() in ("0", "0.0", ".0")
    if prop == "overflow":
        return value == "hidden"
    if prop == "position":
        return value in ("absolute", "fixed")
    if prop == "clip":
        return "rect(0" in value.replace(" ", "")
    if prop == "clip-path":
        return "inset(100%" in value
    if prop == "color":
        return norm_color(value) is not None
    limit = _LENGTH_LIMITS.get(prop)
    if limit is not None:
        n = px(value)
        return n is not None and (n <= -500 if limit < 0 else n <= limit)
    return False


_LENGTH_LIMITS = {"font-size": 1, "height": 2, "width": 2, "left": -1, "top": -1, "text-indent": -1}


@lru_cache(maxsize=512)
def _compiled(xp: str) -> etree.XPath | None:
    try:
        return etree.XPath(xp)
    except etree.XPathError:
        return None


def _rules(css: str) -> Iterator[tuple[str, str]]:
    """``(selector, declarations)`` of each ``selector { declarations }``, in linear time.

    Same matches as ``_RULE.finditer`` but without its quadratic backtracking on a long text
    with no brace (a cut-off ``<style>`` holding the page: 97 s on 56 KB, a fuzz finding).
    """
    for chunk in css.split("}")[:-1]:
        opening = chunk.rfind("{")
        if opening < 0:
            continue
        selector = _SELECTOR_CUT.split(chunk[:opening])[-1]
        if selector:
            yield selector, chunk[opening + 1 :]


@lru_cache(maxsize=256)
def _parsed_rules(css_text: str) -> tuple[tuple[tuple[str, ...], dict[str, str]], ...]:
    """``(xpaths, declarations)`` of the simple rules of one ``<style>`` text."""
    css = _AT_BLOCK.sub("", _COMMENT.sub("", css_text))
    out: list[tuple[tuple[str, ...], dict[str, str]]] = []
    for selector, body in _rules(css):
        decls = parse_declarations(body)
        if not decls:
            continue
        found = (selector_to_xpath(sel.strip()) for sel in selector.split(","))
        xps = tuple(xp for xp in found if xp is not None)
        if xps:
            out.append((xps, decls))
    return tuple(out)


def style_rules(root: etree._Element) -> list[tuple[list[etree._Element], dict[str, str]]]:
    """Simple ``<style>`` rules of the page as (matched elements, declarations).

    Only declarations that matter for visibility are kept: a property is kept (in every rule, so
    that later rules still override earlier ones) when some rule of the page gives it a value that
    ``can_hide``; rules left without declarations are not matched at all (most pages: no XPath).
    """
    rules = [r for st in root.iter("style") for r in _parsed_rules(st.text or "")]
    relevant = {k for _, decls in rules for k, v in decls.items() if can_hide(k, v)}
    out: list[tuple[list[etree._Element], dict[str, str]]] = []
    if not relevant:
        return out
    for xps, decls in rules:
        kept = {k: v for k, v in decls.items() if k in relevant}
        if not kept:
            continue
        for xp in xps:
            compiled = _compiled(xp)
            if compiled is None:
                continue
            try:
                found = compiled(root)
            except etree.XPathError:
                continue
            if isinstance(found, list):
                els = [e for e in found if isinstance(e, etree._Element)]
                if els:
                    out.append((els, kept))
    return out


def norm_color(value: str | None) -> str | None:
    """Normalise a CSS/HTML colour to ``#rrggbb`` (or ``transparent``); None if unknown."""
    if not value:
        return None
    v = value.strip().lower()
    v = v.replace(" ", "") if v.startswith("rgb") else (v.split()[0] if v else "")
    if v in ("transparent", "rgba(0,0,0,0)"):
        return "transparent"
    if v in _NAMED:
        return _NAMED[v]
    m = re.fullmatch(r"#?([0-9a-f]{3}|[0-9a-f]{6})", v)
    if m:
        h = m.group(1)
        return "#" + ("".join(c * 2 for c in h) if len(h) == 3 else h)
    m = re.fullmatch(r"rgba?\((\d+),(\d+),(\d+)(?:,([\d.]+))?\)", v.replace(" ", ""))
    if m:
        if m.group(4) is not None and float(m.group(4)) == 0:
            return "transparent"
        return "#" + "".join(f"{min(int(m.group(i)), 255):02x}" for i in (1, 2, 3))
    return None


def px(value: str | None) -> float | None:
    """A length in px (``-9999px``, ``0``, ``-99em`` counted ×16); None if not a length."""
    if not value:
        return None
    m = re.match(r"^\s*(-?\d+(?:\.\d+)?)\s*(px|em|rem|pt|%)?", value)
    if not m:
        return None
    n = float(m.group(1))
    return n * 16 if m.group(2) in ("em", "rem") else n
