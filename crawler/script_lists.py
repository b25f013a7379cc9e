"""Lists loaded by script: find the JSON / JSONP / POST-form endpoint of a column page and page it.

A column page that is an empty shell fills its list from an endpoint called by an inline script:
``$.ajax({url, type, data: {pageNo: 1, …}})``, ``$.get``/``$.post``/``$.getJSON(url, data)``,
``fetch("…?page=" + p)`` or ``xhr.open("GET", "…")``. ``find_endpoints`` reads those calls
(string literals and ``var`` constants only; no JavaScript is executed) and ``api_page`` reads
one answer: the items (title, url, date) and the declared total. The spider pages until a page
is empty or the declared total is reached. Sites whose script is too clever declare the same
thing in the registry (``list_api``). Pure functions over text: no Scrapy types.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from crawler.listing import ListedLink, find_date

PAGE_PARAMS = ("page", "pageno", "pageindex", "curpage", "pagenum", "currentpage", "page_no")
SIZE_PARAMS = ("pagesize", "size", "rows", "limit", "perpage", "page_size", "pagecount_per")
URL_KEYS = ("url", "link", "href", "docurl", "linkurl", "docpuburl", "puburl", "fileurl")
TITLE_KEYS = ("title", "doctitle", "name", "subject", "标题")
DATE_KEYS = ("pubdate", "date", "publishdate", "pubtime", "docreltime", "time", "created")
TOTAL_PAGE_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "page_count", "total_page")
TOTAL_RECORD_KEYS = ("total", "totalcount", "totalrecord", "recordcount", "totalnum", "count")
_CALL = re.compile(
    r"(?P<fn>\$\.ajax|jQuery\.ajax|\$\.(?:get|post|getJSON)|\bfetch|\.open)\s*\(", re.I
)
_STR = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)"""
_VAR = re.compile(r"""\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(""" + _STR + r"""|\d+)""")
_JSONP = re.compile(r"^\s*[A-Za-z_$][\w$.]*\s*\((.*)\)\s*;?\s*$", re.S)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)


@dataclass(frozen=True)
class ApiSpec:
    """One list endpoint: where to ask, how to page, where the items are."""

    url: str  # absolute, without the paging parameter (GET parameters go in ``params``)
    method: str = "GET"
    params: dict[str, str] = field(default_factory=dict)
    page_param: str | None = None  # None: the endpoint returns everything at once
    page: int = 1  # the page this request asks for
    first_page: int = 1  # the endpoint's first page (0 or 1)
    items: str | None = None  # dotted path to the item list ("data.list"); None: search
    title_field: str | None = None
    url_field: str | None = None
    date_field: str | None = None
    total_field: str | None = None  # dotted path of the declared total
    total_is_records: bool = False  # the total counts records, not pages
    page_size: int | None = None
    source: str = "script"  # "script" (found in an inline script) or "registry"

    def request(self) -> tuple[str, str, str | None]:
        """``(url, method, body)`` of the request for ``self.page``."""
        params = dict(self.params)
        if self.page_param and "{page}" not in self.url:
            params[self.page_param] = str(self.page)
        url = self.url.replace("{page}", str(self.page))
        if self.method == "POST":
            return url, "POST", urlencode(params)
        if not params:
            return url, "GET", None
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for k, v in query if k not in params] + list(params.items())
        return urlunsplit(parts._replace(query=urlencode(query))), "GET", None

    def next(self) -> ApiSpec:
        """The same endpoint, one page further."""
        return replace(self, page=self.page + 1)


@dataclass
class ApiPage:
    """What one endpoint answer holds."""

    links: list[ListedLink]
    total_pages: int | None  # declared total, in pages (None: not declared)
    ok: bool = True  # False: not JSON/JSONP at all


# ---- finding endpoints in inline scripts -------------------------------------------------------
def _unquote(literal: str) -> str:
    return literal[1:-1]


def _balanced(text: str, start: int, open_ch: str = "(", close_ch: str = ")") -> str:
    """The text between ``text[start] == open_ch`` and its matching close (strings skipped)."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        i += 1
    return text[start + 1 :]


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and strings."""
    parts, depth, quote, cur = [], 0, "", []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
            cur.append(ch)
        elif ch in "([{":
            depth += 1
            cur.append(ch)
        elif ch in ")]}":
            depth -= 1
            cur.append(ch)
        elif ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _object(text: str) -> dict[str, str]:
    """``{key: value, …}`` → raw value expressions by key (keys quoted or bare)."""
    body = text.strip()
    if body.startswith("{"):
        body = _balanced(body, 0, "{", "}")
    out: dict[str, str] = {}
    for part in _split_top(body):
        m = re.match(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z_$][\w$]*))\s*:\s*(.*)$""", part, re.S)
        if m:
            out[m.group(1) or m.group(2) or m.group(3)] = m.group(4).strip()
    return out


def _constants(script: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in _VAR.findall(script):
        out.setdefault(name, _unquote(value) if value[:1] in "\"'`" else value)
    return out


def _value(expr: str, consts: dict[str, str]) -> str | None:
    """A literal or a known constant; None for anything computed."""
    expr = expr.strip()
    if re.fullmatch(_STR, expr):
        return _unquote(expr)
    if re.fullmatch(r"-?\d+(\.\d+)?", expr):
        return expr
    if expr in consts:
        return consts[expr]
    return None


def _url_expr(expr: str, consts: dict[str, str]) -> tuple[str, str | None] | None:
    """A URL expression (``"/api?pageNo=" + page + "&x=1"``) → (template, page param)."""
    pieces = _split_top(expr, sep="+")
    out, page_param = [], None
    for piece in pieces:
        value = _value(piece, consts)
        if value is not None:
            out.append(value)
            continue
        before = "".join(out)
        m = re.search(r"[?&]([\w]+)=$", before)
        if m and m.group(1).lower() in PAGE_PARAMS:
            page_param = m.group(1)
            out.append("{page}")
        elif m:  # another computed parameter: keep the URL, drop the value
            out.append("")
        else:
            return None
    url = "".join(out)
    if not url or url.startswith(("javascript:", "#")):
        return None
    template = re.search(r"\$\{\s*(\w+)\s*\}", url)  # `…?page=${p}`
    if template:
        m = re.search(r"[?&](\w+)=\$\{", url)
        page_param = page_param or (m.group(1) if m else None)
        url = re.sub(r"\$\{\s*\w+\s*\}", "{page}", url)
    return url, page_param


def _looks_like_api(url: str, data_type: str | None) -> bool:
    path = urlsplit(url).path.lower()
    if path.endswith((".css", ".js", ".png", ".jpg", ".gif", ".svg", ".ico", ".woff")):
        return False
    if data_type and data_type.lower() in ("json", "jsonp"):
        return True
    hints = ("json", "api", "list", "query", "search", "data", "page", "getdoc", "proxy", ".do")
    return any(h in url.lower() for h in hints)


def _spec_from(
    base_url: str,
    url_expr: str,
    method: str,
    data: dict[str, str],
    consts: dict[str, str],
    data_type: str | None,
) -> ApiSpec | None:
    found = _url_expr(url_expr, consts)
    if found is None:
        return None
    url, page_param = found
    url = url.replace("callback=?", "callback=jsonpcb")  # jQuery's JSONP placeholder
    if not _looks_like_api(url, data_type) and not data:
        return None
    params: dict[str, str] = {}
    page = 1
    for key, expr in data.items():
        if key.lower() in PAGE_PARAMS:
            page_param = key
            value = _value(expr, consts)
            page = int(value) if value and value.isdigit() else 1
            continue
        value = _value(expr, consts)
        if value is not None:
            params[key] = value
    absolute = urljoin(base_url, url.replace("{page}", "__PAGE__")).replace("__PAGE__", "{page}")
    parts = urlsplit(absolute)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in query:  # a literal page parameter in the URL: page it
        if page_param is None and key.lower() in PAGE_PARAMS and value.isdigit():
            page_param, page = key, int(value)
    if page_param and "{page}" not in absolute:
        query = [(k, v) for k, v in query if k != page_param]
        absolute = urlunsplit(parts._replace(query=urlencode(query)))
    size = next((v for k, v in params.items() if k.lower() in SIZE_PARAMS and v.isdigit()), None)
    return ApiSpec(
        url=absolute,
        method="POST" if method.upper() == "POST" else "GET",
        params=params,
        page_param=page_param,
        page=page,
        first_page=page,
        page_size=int(size) if size else None,
    )


def _calls(script: str) -> Iterator[tuple[str, list[str]]]:
    for m in _CALL.finditer(script):
        args = _split_top(_balanced(script, m.end() - 1))
        yield m.group("fn"), args


def find_endpoints(html: str, base_url: str) -> list[ApiSpec]:
    """List endpoints called by the page's inline scripts (first page of each), deduplicated."""
    specs: list[ApiSpec] = []
    scripts = [s for s in _SCRIPT.findall(html) if s.strip()]
    consts: dict[str, str] = {}
    for script in scripts:
        consts.update(_constants(script))
    for script in scripts:
        for fn, args in _calls(script):
            if not args:
                continue
            low = fn.lower()
            spec: ApiSpec | None = None
            if low.endswith("ajax") and args[0].startswith("{"):
                opts = _object(args[0])
                method = _value(opts.get("type") or opts.get("method") or '"GET"', consts) or "GET"
                data_expr = opts.get("data", "")
                data = _object(data_expr) if data_expr.startswith("{") else {}
                dtype = _value(opts.get("dataType", '""'), consts)
                if "url" in opts:
                    spec = _spec_from(base_url, opts["url"], method, data, consts, dtype)
            elif low in ("$.get", "$.post", "$.getjson"):
                method = "POST" if low == "$.post" else "GET"
                data = _object(args[1]) if len(args) > 1 and args[1].startswith("{") else {}
                dtype = "json" if low == "$.getjson" else None
                spec = _spec_from(base_url, args[0], method, data, consts, dtype)
            elif low == "fetch":
                opts = _object(args[1]) if len(args) > 1 and args[1].startswith("{") else {}
                method = _value(opts.get("method", '"GET"'), consts) or "GET"
                data = {}
                body = opts.get("body", "")
                if body.startswith(("new URLSearchParams(", "JSON.stringify(")):
                    inner = body[body.index("(") :]
                    data = _object(_balanced(inner, 0))
                spec = _spec_from(base_url, args[0], method, data, consts, None)
            elif low == ".open" and len(args) >= 2:
                method = _value(args[0], consts) or "GET"
                data = {}
                send = re.search(r"\.send\s*\(\s*(" + _STR + r")", script)
                if method.upper() == "POST" and send:
                    data = {k: json.dumps(v) for k, v in parse_qsl(_unquote(send.group(1)))}
                spec = _spec_from(base_url, args[1], method, data, consts, None)
            if spec is not None and spec not in specs:
                specs.append(spec)
    return specs


# ---- reading an endpoint's answer -------------------------------------------------------------
def load_json(text: str) -> object | None:
    """JSON or JSONP (``cb({...});``) → the data, or None."""
    stripped = text.strip().lstrip("\ufeff")
    m = _JSONP.match(stripped) if stripped[:1] not in "[{" else None
    if m:
        stripped = m.group(1)
    try:
        return json.loads(stripped)  # type: ignore[no-any-return]
    except ValueError:
        return None


def _path(data: object, path: str) -> object:
    node = data
    for key in path.split("."):
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _pick(obj: dict[str, object], field_name: str | None, keys: tuple[str, ...]) -> object:
    if field_name:
        value = _path(obj, field_name)
        return value if value not in (None, "") else None
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, str | int) and value != "":
            return value
    return None


def _walk(node: object) -> Iterator[dict[str, object]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def api_page(text: str, base_url: str, spec: ApiSpec) -> ApiPage:
    """Items and declared total (in pages) of one endpoint answer."""
    data = load_json(text)
    if data is None:
        return ApiPage([], None, ok=False)
    if spec.items:
        found = _path(data, spec.items)
        objects = [o for o in found if isinstance(o, dict)] if isinstance(found, list) else []
    else:
        objects = list(_walk(data))
    links: list[ListedLink] = []
    for obj in objects:
        url = _pick(obj, spec.url_field, URL_KEYS)
        title = _pick(obj, spec.title_field, TITLE_KEYS)
        if isinstance(url, str) and isinstance(title, str):
            date = _pick(obj, spec.date_field, DATE_KEYS)
            text_title = re.sub(r"<[^>]+>|\s+", " ", title).strip()
            links.append(ListedLink(urljoin(base_url, url), text_title, find_date(str(date or ""))))
    return ApiPage(links, _total_pages(data, spec, len(links)))


def _total_pages(data: object, spec: ApiSpec, n_items: int) -> int | None:
    if spec.total_field:
        value = _int(_path(data, spec.total_field))
        if value is None:
            return None
        if spec.total_is_records:
            size = spec.page_size or n_items or 1
            return max(1, math.ceil(value / size)) if value else 0
        return value
    for obj in _walk(data):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for key in TOTAL_PAGE_KEYS:
            pages = _int(lowered.get(key))
            if pages is not None:
                return pages
        for key in TOTAL_RECORD_KEYS:
            records = _int(lowered.get(key))
            if records is not None:
                declared = _int(next((v for k, v in lowered.items() if k in SIZE_PARAMS), None))
                size = spec.page_size or declared or n_items
                if not size:
                    return 0 if records == 0 else None
                return math.ceil(records / size)
    return None


def wants_next(spec: ApiSpec, page: ApiPage) -> bool:
    """Page on while the answer had items and the declared total (if any) is not reached."""
    if not spec.page_param or not page.ok or not page.links:
        return False
    if page.total_pages is None:
        return True
    return spec.page - spec.first_page + 1 < page.total_pages
