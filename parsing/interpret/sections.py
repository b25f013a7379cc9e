"""The six report sections: find their headings and collect their free text."""

from __future__ import annotations

import re

from parsing.blocks import DocumentBlocks, Paragraph
from parsing.normalize import match_key

SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "overall": ("总体情况", "概述", "基本情况", "总体"),
    "active": ("主动公开",),
    "applications": ("依申请", "收到和处理", "申请情况", "处理政府信息公开申请"),
    "review": ("复议", "诉讼"),
    "problems": ("问题", "不足", "改进"),
    "other": ("其他需要报告", "其他事项", "其他需报告", "其它需要报告"),
}
_ORDINALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_NAMES = ("overall", "active", "applications", "review", "problems", "other")
_HEADING = re.compile(r"^([一二三四五六])[、.．,，]")
_FOOTER = re.compile(
    r"(版权所有|主办单位|承办单位|网站标识码|ICP备|公网安备|打印本页|关闭窗口|【字体|"
    r"分享到|相关链接|扫一扫|技术支持|网站地图|联系我们)"
)


def heading_of(text: str) -> str | None:
    """The section name a paragraph heads, or None (requires ordinal + section keyword)."""
    first = text.lstrip()[:1]
    if first and (first < "\x80" or "\u4e00" <= first <= "\u9fff") and first not in _ORDINALS:
        # ASCII and CJK ideographs are their own NFKC form and no whitespace: the key starts
        # with this character, which is no ordinal (most paragraphs: no key to build)
        return None
    key = match_key(text)
    if len(key) > 40:
        return None
    m = _HEADING.match(key)
    if not m:
        return None
    name = _NAMES[_ORDINALS[m.group(1)] - 1]
    if any(k in key for k in SECTION_KEYS[name]):
        return name
    # A heading with the right ordinal but reworded: accept it for sections 1 and 6 only if
    # it clearly names the other section's keywords.
    for other, keys in SECTION_KEYS.items():
        if any(k in key for k in keys) and other in ("problems", "other"):
            return other
    return None


def split_sections(doc: DocumentBlocks) -> tuple[dict[str, str], dict[int, str]]:
    """Return (section name → text) and (block index → section name) for every block."""
    current: str | None = None
    texts: dict[str, list[str]] = {}
    owner: dict[int, str] = {}
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            name = heading_of(block.text)
            if name is not None:
                current = name
                texts.setdefault(name, [])
                owner[i] = name
                continue
            if current is not None:
                if current == "other" and _FOOTER.search(block.text):
                    current = "__footer__"
                    continue
                texts.setdefault(current, []).append(block.text)
        if current is not None:
            owner[i] = current
    sections = {k: "\n".join(v).strip() for k, v in texts.items() if k != "__footer__"}
    return sections, owner
