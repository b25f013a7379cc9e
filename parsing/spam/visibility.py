"""Why an element is hidden, from its tag, inline style, ``<style>`` rules and background.

Pure functions, cached on strings: real pages repeat a handful of style strings (Word and CMS
exports put the same ``style=`` on hundreds of cells), so each distinct string is parsed once.
"""

from __future__ import annotations

from functools import lru_cache

from parsing.spam.css import can_hide, norm_color, parse_declarations, px

Decls = tuple[tuple[str, str], ...]
ATTR_TAGS = frozenset({"font", "marquee"})  # tags that hide through their own attributes
_ZERO_SIZE_TAGS = ("div", "span", "p", "a")
_REASON_TAGS = frozenset({*_ZERO_SIZE_TAGS, *ATTR_TAGS})


@lru_cache(maxsize=4096)
def style_bg(style: str) -> str | None:
    """Background colour set by an inline style, normalised (None when unset/unknown)."""
    decls = parse_declarations(style)
    return norm_color(decls.get("background-color") or decls.get("background"))


@lru_cache(maxsize=4096)
def style_may_hide(style: str) -> bool:
    """True when some declaration of ``style`` could hide an element (see ``css.can_hide``)."""
    return any(can_hide(k, v) for k, v in parse_declarations(style).items())


def reason_tag(tag: str) -> str:
    """The tag as far as hiding rules care (others collapse to ``""`` for the cache)."""
    return tag if tag in _REASON_TAGS else ""


@lru_cache(maxsize=8192)
def hiding_reason(
    tag: str, style: str, rule: Decls, extra: tuple[str | None, ...]
) -> tuple[str | None, str | None]:
    """``(reason, colour)``: the hiding reason (``display_none`` …) apart from colour, and the
    normalised text colour, to compare with the effective background (``colour_as_background``).

    ``tag`` comes from ``reason_tag``; ``rule`` are the merged ``<style>`` declarations of the
    element, overridden by the inline ``style``; ``extra`` is ``(color,)`` for ``<font>`` and
    ``(height, width, scrollamount)`` for ``<marquee>``.
    """
    decls = dict(rule)
    decls.update(parse_declarations(style))
    if decls.get("display") == "none":
        return "display_none", None
    if decls.get("visibility") in ("hidden", "collapse"):
        return "visibility_hidden", None
    if decls.get("opacity", "").strip() in ("0", "0.0", ".0"):
        return "opacity_0", None
    fs = px(decls.get("font-size"))
    if fs is not None and fs <= 1:
        return "font_size_0", None
    if (px(decls.get("height")) == 0 or px(decls.get("width")) == 0) and (
        decls.get("overflow") == "hidden" or tag in _ZERO_SIZE_TAGS
    ):
        return "zero_size", None
    if decls.get("position") in ("absolute", "fixed") and any(
        (v := px(decls.get(k))) is not None and v <= -500 for k in ("left", "top")
    ):
        return "off_screen", None
    indent = px(decls.get("text-indent"))
    if indent is not None and indent <= -500:
        return "text_indent", None
    if "rect(0" in decls.get("clip", "").replace(" ", "") or "inset(100%" in decls.get(
        "clip-path", ""
    ):
        return "clip", None
    if tag == "marquee":
        m_h, m_w, m_amount = extra
        h, w = px(m_h or decls.get("height")), px(m_w or decls.get("width"))
        amount = px(m_amount)
        if (h is not None and h <= 2) or (w is not None and w <= 2) or (amount or 0) >= 100:
            return "tiny_marquee", None
    font_color = extra[0] if tag == "font" and extra else None
    return None, norm_color(font_color) or norm_color(decls.get("color"))
