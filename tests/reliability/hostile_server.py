"""A hostile government site on 127.0.0.1: resets, stalls, redirect loops, bombs, traps.

Every route is a function ``(handler, state) -> None`` that writes its own response, so a route
can misbehave at the socket level (half a body, a TCP reset, a stall). ``HostileServer`` records
every request path, so tests can assert what the crawler did *not* fetch.
"""

from __future__ import annotations

import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from flows.demo_content import DemoReport, report_page

Route = Callable[[BaseHTTPRequestHandler, "HostileServer"], None]
MAXSIZE = 10 * 1024 * 1024  # the DOWNLOAD_MAXSIZE the reliability tests run with
ROBOTS = "User-agent: *\nDisallow: /closed/\nDisallow: /h/private/\n"


@dataclass
class HostileServer:
    """Shared state: request log and the route table."""

    routes: dict[str, Route] = field(default_factory=dict)
    prefixes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, prefix: str) -> list[str]:
        """Requested paths (with query) starting with ``prefix``."""
        with self.lock:
            return [p for p in self.requests if p.startswith(prefix)]


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    ctype: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """A well-formed response."""
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def _page(title: str, body: str, charset: str = "utf-8") -> bytes:
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode("utf-8" if charset == "utf-8" else "gb18030")


def report_bytes(publisher: str, year: int, encoding: str = "utf-8") -> bytes:
    """A complete, valid report page (2019 template up to 2020, 2021 template after)."""
    rep = DemoReport(publisher, year, "2019" if year < 2021 else "2021", [3, 1, 0, 0, 0, 0])
    page = report_page(rep, site_title="敌对县人民政府", date=f"{year + 1}-02-10")
    if encoding != "utf-8":
        page = page.replace('charset="utf-8"', 'charset="gb2312"')
    return page.encode(encoding)


# ---- misbehaving routes -------------------------------------------------------------------
def reset(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """Half a response, then a TCP RST (SO_LINGER 0)."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9000\r\n\r\n")
    h.wfile.write(b"<html><body><p>" + "政府信息公开".encode() * 50)
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def stall(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """Headers and 1 KB of a 50 KB body, then silence until the server stops."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n")
    h.wfile.write(b"<html><body>" + b" " * 1000)
    h.wfile.flush()
    state.stop.wait(60)
    h.close_connection = True


def redirect_to(target: str, status: int = 302) -> Route:
    def route(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
        location = target.replace("{base}", state.base).replace("{port}", str(state.port))
        send(h, status, b"moved", headers={"Location": location})

    return route


def endless_redirect(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """/h/endless/N.html → /h/endless/N+1.html, forever."""
    n = int(urlsplit(h.path).path.rsplit("/", 1)[1].split(".")[0])
    send(h, 301, b"", headers={"Location": f"/h/endless/{n + 1}.html"})


def big(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """12 MB with a Content-Length."""
    send(h, 200, b"<html><body>" + b"x" * (12 * 1024 * 1024), ctype="text/html")


def big_chunked(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """12 MB, no Content-Length (close-delimited): the size is known only while streaming."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
    chunk = b"y" * 65536
    try:
        for _ in range(12 * 16):
            h.wfile.write(chunk)
    except OSError:
        pass  # the client gave up at its limit: what we want
    h.close_connection = True


@cache
def bomb_body() -> bytes:
    """512 MB of zeros, gzipped to about 500 KB."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    parts = [comp.compress(zeros) for _ in range(512)]
    parts.append(comp.flush())
    return b"".join(parts)


def gzip_bomb(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    send(h, 200, bomb_body(), ctype="text/html", headers={"Content-Encoding": "gzip"})


def infinite_pages(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """index_N.html exists for every N and links 下一页 to N+1 (and claims 99999 pages)."""
    name = urlsplit(h.path).path.rsplit("/", 1)[1]
    n = int(name[len("index_") : -len(".html")])
    body = (
        f"<ul><li><a href='/h/news/{n}.html'>第{n}页新闻</a></li></ul>"
        f"<a href='index_{n + 1}.html'>下一页</a>"
        f'<script>createPageHTML(99999, {n}, "index", "html");</script>'
    )
    send(h, 200, _page("政府信息公开年报", body))


def calendar(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """A calendar widget: every month links to the previous and next month, for ever."""
    month = int(parse_qs(urlsplit(h.path).query).get("m", ["0"])[0])
    body = (
        f"<div class='calendar'><a href='/h/cal?m={month - 1}'>上月年报</a>"
        f"<a href='/h/cal?m={month + 1}'>下月年报</a></div>"
    )
    send(h, 200, _page("年报日历", body))


def serve_bytes(body: bytes, ctype: str) -> Route:
    def route(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
        send(h, 200, body, ctype=ctype)

    return route


def not_found(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    send(h, 404, b"<html><body>404</body></html>")


# ---- the hostile site -----------------------------------------------------------------------
HOSTILE_LINKS = {
    # path: (link title, expected crawl error kind or None when the document must be archived)
    "/h/good.html": ("敌对县人民政府2020年政府信息公开工作年度报告", None),
    "/h/wrongtype.html": ("敌对县人民政府2021年政府信息公开工作年度报告", None),
    "/h/liar.html": ("敌对县人民政府2019年政府信息公开工作年度报告", None),
    "/h/reset.html": ("敌对县教育局2020年政府信息公开工作年度报告", "download_error"),
    "/h/stall.html": ("敌对县卫健局2020年政府信息公开工作年度报告", "timeout"),
    "/h/loop.html": ("敌对县交通局2020年政府信息公开工作年度报告", "redirect_loop"),
    "/h/endless/1.html": ("敌对县水利局2020年政府信息公开工作年度报告", "too_many_redirects"),
    "/h/offsite.html": ("敌对县审计局2020年政府信息公开工作年度报告", "offsite_redirect"),
    "/h/big.html": ("敌对县财政局2020年政府信息公开工作年度报告", "too_large"),
    "/h/bigchunked.html": ("敌对县民政局2020年政府信息公开工作年度报告", "too_large"),
    "/h/bomb.html": ("敌对县公安局2020年政府信息公开工作年度报告", "too_large"),
    "/h/private/r.html": ("敌对县司法局2020年政府信息公开工作年度报告", "robots_forbidden"),
}


def hostile_index(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    items = "".join(
        f"<li><a href='{path}'>{title}</a><span>2021-02-10</span></li>"
        for path, (title, _) in HOSTILE_LINKS.items()
    )
    body = (
        f"<ul class='list'>{items}</ul><a href='/h/cal?m=0'>年报日历</a>"
        "<a href='/h/index_1.html'>下一页</a>"
    )
    send(h, 200, _page("政府信息公开年报", body))


def hostile_routes() -> tuple[dict[str, Route], dict[str, Route]]:
    """(exact routes, prefix routes) of the hostile site and the robots-closed column."""
    exact: dict[str, Route] = {
        "/h/index.html": hostile_index,
        "/h/good.html": serve_bytes(
            report_bytes("敌对县人民政府", 2020), "text/html; charset=utf-8"
        ),
        "/h/wrongtype.html": serve_bytes(
            report_bytes("敌对县人民政府", 2021), "application/octet-stream"
        ),
        "/h/liar.html": serve_bytes(
            report_bytes("敌对县人民政府", 2019, "gb18030"), "text/html; charset=utf-8"
        ),
        "/h/reset.html": reset,
        "/h/stall.html": stall,
        "/h/loop.html": redirect_to("/h/loop2.html"),
        "/h/loop2.html": redirect_to("{base}/h/loop.html", 301),
        "/h/offsite.html": redirect_to("http://localhost:{port}/h/evil.html"),
        "/h/evil.html": serve_bytes(b"<html>evil</html>", "text/html"),
        "/h/big.html": big,
        "/h/bigchunked.html": big_chunked,
        "/h/bomb.html": gzip_bomb,
        "/h/cal": calendar,
        "/closed/index.html": hostile_index,
    }
    prefixes: dict[str, Route] = {"/h/endless/": endless_redirect, "/h/index_": infinite_pages}
    return exact, prefixes


# ---- the deep site: a 30-page list, an attachment chain, a long URL, a 150 MB body -------------
DEEP_PAGES = 30
DEEP_REPORT_PAGE = 25
HUGE_BYTES = 150 * 1024 * 1024
LONG_ATTACHMENT = "/d/files/" + quote("深渊县人民政府办公室关于政府信息公开工作年度报告的附件" * 9)
TOO_LONG_ATTACHMENT = "/d/files/" + quote("深渊县人民政府信息公开年报附件名称" * 120) + ".pdf"
LONG_ATTACHMENT = LONG_ATTACHMENT[:2600] + ".pdf"  # over 2,083 characters: fetched anyway


def deep_list(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """/d/list_N.html: plain 下一页 paging; the report is linked only from page 25."""
    name = urlsplit(h.path).path.rsplit("/", 1)[1]
    n = 1 if name == "list.html" else int(name[len("list_") : -len(".html")])
    items = f"<li><a href='/d/news_{n}.html'>第{n}批政策解读</a></li>"
    if n == DEEP_REPORT_PAGE:
        items += (
            "<li><a href='/d/report.html'>深渊县人民政府2020年政府信息公开工作年度报告</a></li>"
        )
        items += "<li><a href='/d/chain.html'>深渊县教育局2020年政府信息公开工作年度报告</a></li>"
        items += "<li><a href='/d/huge.html'>深渊县财政局2020年政府信息公开工作年度报告</a></li>"
    nxt = f"<a href='/d/list_{n + 1}.html'>下一页</a>" if n < DEEP_PAGES else ""
    send(h, 200, _page("政府信息公开年报", f"<ul>{items}</ul>{nxt}"))


def chain_page(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """A report page whose "PDF" attachment is HTML linking further attachments, and so on."""
    path = urlsplit(h.path).path
    n = 0 if path == "/d/chain.html" else int(path.rsplit("_", 1)[1].split(".")[0])
    links = (
        f"<a href='/d/att_{n + 1}.pdf'>附件{n + 1}</a>"
        f"<a href='{LONG_ATTACHMENT}'>附件（长文件名）</a><a href='{TOO_LONG_ATTACHMENT}'>附件X</a>"
    )
    send(
        h, 200, _page("深渊县教育局2020年政府信息公开工作年度报告", f"<div id='zoom'>{links}</div>")
    )


def huge(h: BaseHTTPRequestHandler, state: HostileServer) -> None:
    """150 MB close-delimited, written in chunks (the server never holds it)."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
    chunk = b"<p>" + b"z" * 65530 + b"</p>"
    try:
        for _ in range(HUGE_BYTES // len(chunk)):
            h.wfile.write(chunk)
    except OSError:
        pass
    h.close_connection = True


def deep_routes() -> tuple[dict[str, Route], dict[str, Route]]:
    """(exact, prefix) routes of the deep site."""
    exact: dict[str, Route] = {
        "/d/list.html": deep_list,
        "/d/report.html": serve_bytes(
            report_bytes("深渊县人民政府", 2020), "text/html; charset=utf-8"
        ),
        "/d/chain.html": chain_page,
        "/d/huge.html": huge,
        LONG_ATTACHMENT: serve_bytes(b"%PDF-1.4 long name", "application/pdf"),
    }
    return exact, {"/d/list_": deep_list, "/d/att_": chain_page}


def _handler(state: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            with state.lock:
                state.requests.append(self.path)
            path = urlsplit(self.path).path
            if path == "/robots.txt":
                send(self, 200, ROBOTS.encode(), ctype="text/plain")
                return
            route = state.routes.get(path) or next(
                (r for p, r in state.prefixes.items() if path.startswith(p)), not_found
            )
            route(self, state)

        do_HEAD = do_GET

    return Handler


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on stalls and size limits: expected


@contextmanager
def serve_hostile(
    routes: dict[str, Route] | None = None, prefixes: dict[str, Route] | None = None
) -> Iterator[HostileServer]:
    """Serve the hostile site (or the given routes) on 127.0.0.1; yields the state."""
    exact, pre = hostile_routes() if routes is None else (routes, prefixes or {})
    state = HostileServer(routes=exact, prefixes=pre)
    httpd = _Quiet(("127.0.0.1", 0), _handler(state))
    state.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()


def hostile_sites_toml(base: str, max_pages: int = 30) -> str:
    """Registry: the hostile column and a column closed by robots.txt."""
    return f"""
[[site]]
name = "hostile"
publisher = "敌对县人民政府"
region_code = "610599"
start_urls = ["{base}/h/index.html"]
allowed_domains = ["127.0.0.1"]
[site.overrides]
max_pages = {max_pages}

[[site]]
name = "deep"
publisher = "深渊县人民政府"
start_urls = ["{base}/d/list.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "closed"
publisher = "封闭县人民政府"
start_urls = ["{base}/closed/index.html"]
allowed_domains = ["127.0.0.1"]
"""
