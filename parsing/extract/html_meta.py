"""Document metadata printed by CMS pages: who published it (meta tags, 发布机构/来源 lines, the
索引号 table). Values are as printed; ``parsing.metadata`` decides which one to trust."""

from __future__ import annotations

import re

from lxml import etree

from parsing.normalize import collapse_ws

_META_NAMES = {"contentsource": "meta", "source": "meta", "publisher": "meta", "author": "meta"}
_NAME = r"([^\s|｜，,。;；:：<>【】\[\]()（）]{2,40}(?:[(（][^)）]{1,12}[)）])?)"
_ISSUER = re.compile(r"(?:发布机构|发文机关|发布单位|公开主体|发布主体)\s*[:：]\s*" + _NAME)
_SOURCE = re.compile(r"(?<![a-z])(?:信息来源|文章来源|来源)\s*[:：]\s*" + _NAME)
_ISSUER_WORDS = ("发布机构", "发文机关", "发布单位", "公开主体", "发布主体")  # ``_ISSUER``'s labels
# labels that follow the issuer on a run-together info line (来源：X发布时间：…)
_NEXT_LABEL = re.compile(
    r"(?:信息来源|来源|发布时间|发布日期|日期|时间|浏览|点击|字号|作者|索引号|分类)"
)
_INDEX_LABELS = ("发布机构", "发文机关", "发布单位", "公开主体")
# cells of a 索引号 table that name the issuer (string tests in C: pages have thousands of cells)
_LABEL_CELLS = etree.XPath(
    "//td[" + " or ".join(f"contains(., '{w}')" for w in _INDEX_LABELS) + "]"
    "|//th[" + " or ".join(f"contains(., '{w}')" for w in _INDEX_LABELS) + "]"
)


def page_metadata(
    root: etree._Element, page_text: str, metas: list[etree._Element] | None = None
) -> dict[str, str]:
    """``{"meta": …, "index_table": …, "page_source": …}``: the issuer each source names
    (``metas``: the page's ``<meta>`` elements when the caller has them already)."""
    out: dict[str, str] = {}
    for meta in root.iter("meta") if metas is None else metas:
        kind = _META_NAMES.get((meta.get("name") or "").strip().lower())
        if kind and kind not in out:
            content = collapse_ws(meta.get("content") or "")
            if content:
                out[kind] = content
    found = _LABEL_CELLS(root) if any(w in page_text for w in _INDEX_LABELS) else []
    for cell in found if isinstance(found, list) else []:
        if not isinstance(cell, etree._Element):
            continue
        label = collapse_ws("".join(str(t) for t in cell.itertext()))
        if label.rstrip(":： ") in _INDEX_LABELS:
            nxt = cell.getnext()
            value = collapse_ws("".join(str(t) for t in nxt.itertext())) if nxt is not None else ""
            if value:
                out.setdefault("index_table", value)
                break
        m = _ISSUER.match(label) if "索引号" not in label else None
        if m and "index_table" not in out:
            out["index_table"] = m.group(1)
    # the regexes only where their labels occur (each scan of the page costs more than the test)
    m = (_ISSUER.search(page_text) if any(w in page_text for w in _ISSUER_WORDS) else None) or (
        _SOURCE.search(page_text) if "来源" in page_text else None
    )
    if m:
        out["page_source"] = _NEXT_LABEL.split(m.group(1), 1)[0]
    return out
