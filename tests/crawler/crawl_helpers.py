"""A real threaded HTTP server on 127.0.0.1 serving the fixture government sites, and helpers.

Imported by conftest.py (fixtures) and the crawl tests (helpers)."""

from __future__ import annotations

import email.utils
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
SITES = REPO / "tests" / "fixtures" / "sites"
PYTHON = sys.executable
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "XXGK_RETRY_BACKOFF_BASE": 0,
    "DOWNLOAD_TIMEOUT": 10,
    "DOWNLOAD_MAXSIZE": 1_000_000,
}
ROBOTS = "User-agent: *\nDisallow: /private/\n"
CTYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".wps": "application/kswps",
    ".xls": "application/vnd.ms-excel",
    ".json": "application/json; charset=utf-8",
}
MTIME = email.utils.formatdate(1_700_000_000, usegmt=True)


@dataclass
class Hit:
    method: str
    path: str
    status: int
    at: float


@dataclass
class FixtureServer:
    """State shared with the handler: request log, per-path counters, dynamic routes."""

    robots: str = ROBOTS
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    routes: dict[
        str, Callable[[BaseHTTPRequestHandler, FixtureServer], tuple[int, dict[str, str], bytes]]
    ] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self, status: int | None = None, since: int = 0) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits[since:] if status is None or h.status == status]


def _static(path: str) -> tuple[int, dict[str, str], bytes]:
    rel = path.lstrip("/")
    if rel.endswith("/") or rel == "":
        rel += "index.html"
    file = (SITES / rel).resolve()
    if SITES.resolve() not in file.parents or not file.is_file():
        return 404, {"Content-Type": "text/html"}, b"<html><body>404 Not Found</body></html>"
    body = file.read_bytes()
    ctype = CTYPES.get(file.suffix, "application/octet-stream")
    if rel.startswith("gbk/") and file.suffix == ".html":
        ctype = "text/html"  # charset only in <meta>, as many GBK sites do
    etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"'
    return 200, {"Content-Type": ctype, "ETag": etag, "Last-Modified": MTIME}, body


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # clients hang up (size limits)
        pass


def _make_handler(state: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _serve(self) -> None:
            path = urlsplit(self.path).path
            with state.lock:
                state.counts[path] = state.counts.get(path, 0) + 1
            if path == "/robots.txt":
                status, headers, body = 200, {"Content-Type": "text/plain"}, state.robots.encode()
            elif path in state.routes:
                status, headers, body = state.routes[path](self, state)
            else:
                status, headers, body = _static(path)
                inm = self.headers.get("If-None-Match")
                if status == 200 and inm and inm == headers.get("ETag"):
                    status, body = 304, b""
            with state.lock:
                state.hits.append(Hit(self.command, self.path, status, time.monotonic()))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = _serve
        do_POST = _serve
        do_HEAD = _serve

    return Handler


# ---- dynamic routes -------------------------------------------------------------------------
def route_redirect(to: str):
    def handler(req, state):
        return 301, {"Location": to, "Content-Type": "text/html"}, b"moved"

    return handler


def route_fail_once(path: str):
    def handler(req, state):
        if state.counts[path] == 1:
            return 500, {"Content-Type": "text/html"}, b"<html>500 Internal Server Error</html>"
        status, headers, body = _static(path)
        return (
            status,
            {"Content-Type": headers.get("Content-Type", "text/html")},
            body,
        )  # no validators

    return handler


def route_big(req, state):
    return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"0" * 2_000_000


def route_hanweb_proxy(req, state):
    length = int(req.headers.get("Content-Length") or 0)
    form = parse_qs(req.rfile.read(length).decode())
    query = parse_qs(urlsplit(req.path).query)
    if req.command != "POST" or form.get("columnid") != ["1234"] or form.get("unitid") != ["4567"]:
        return 400, {"Content-Type": "text/plain"}, b"bad request"
    records = json.loads((SITES / "hanweb/records.json").read_text(encoding="utf-8"))
    start, end = int(query["startrecord"][0]), int(query["endrecord"][0])
    chunk = records[start - 1 : end]
    xml = "<?xml version='1.0' encoding='UTF-8'?><datastore><nextgroup><![CDATA[]]></nextgroup>"
    xml += f"<totalrecord>{len(records)}</totalrecord><recordset>"
    xml += (
        "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in chunk) + "</recordset></datastore>"
    )
    return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode()


def route_hanweb_download(req, state):
    name = parse_qs(urlsplit(req.path).query).get("filename", [""])[0]
    status, headers, body = _static(f"/hanweb/module/download/{Path(name).name}")
    headers["Content-Disposition"] = f"attachment; filename={name}"
    return status, headers, body


def route_json_list(req, state):
    page = parse_qs(urlsplit(req.path).query).get("pageNo", ["1"])[0]
    return _static(f"/json/api/list_{int(page)}.json")


def route_offsite(req, state):
    return 302, {"Location": "http://www.example.com/landing.html"}, b""


def gen_site_routes(n_docs: int, delay: float) -> dict:
    """A generated site: /gen/list.html with n report links, each served slowly, no validators."""

    def listing(req, state):
        items = "".join(
            f'<li><a href="/gen/r/{i}.html">合阳县第{i}镇{2000 + i % 24}年政府信息公开工作年度报告</a></li>'
            for i in range(n_docs)
        )
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            f"<html><body><ul>{items}</ul></body></html>".encode(),
        )

    def doc(req, state):
        time.sleep(delay)
        i = urlsplit(req.path).path.rsplit("/", 1)[1].split(".")[0]
        body = f"<html><body><div id='zoom'><p>report {i}</p><table><tr><td>{i}</td></tr></table></div></body></html>"
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    routes = {"/gen/list.html": listing}
    for i in range(n_docs):
        routes[f"/gen/r/{i}.html"] = doc
    return routes


DEFAULT_ROUTES = {
    "/trs/old/report2020.html": route_redirect("/trs/zwgk/xxgknb/202102/t20210201_1004.html"),
    "/trs/zwgk/xxgknb/202001/t20200115_1006.html": route_fail_once(
        "/trs/zwgk/xxgknb/202001/t20200115_1006.html"
    ),
    "/trs/go/1007": route_offsite,
    "/trs/big/2018.pdf": route_big,
    "/module/web/jpage/dataproxy.jsp": route_hanweb_proxy,
    "/module/download/downfile.jsp": route_hanweb_download,
    "/json/api/list": route_json_list,
}
# the TRS 2019 report lives only behind the fail-once route
_FAIL_ONCE_FILE = "/trs/zwgk/xxgknb/202001/t20200115_1006.html"


@pytest.fixture(scope="session")
def make_server() -> Iterator[Callable[..., FixtureServer]]:
    servers: list[ThreadingHTTPServer] = []

    def start(robots: str = ROBOTS, routes: dict | None = None) -> FixtureServer:
        state = FixtureServer(robots=robots)
        state.routes.update(DEFAULT_ROUTES if routes is None else routes)
        httpd = QuietServer(("127.0.0.1", 0), _make_handler(state))
        state.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(make_server) -> FixtureServer:
    return make_server()


def write_sites(path: Path, base: str, extra: str = "") -> Path:
    """A registry with the fixture sites pointing at the local server."""
    text = f"""
[[site]]
name = "trs-county"
publisher = "合阳县人民政府"
region_code = "610524"
start_urls = ["{base}/trs/zwgk/xxgknb/index.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "hanweb-city"
publisher = "渭南市人民政府"
region_code = "610500"
start_urls = ["{base}/hanweb/col/col1234/index.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "gbk-town"
publisher = "合阳县洽川镇人民政府"
start_urls = ["{base}/gbk/xxgk/nb/list.html"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "json-dept"
publisher = "合阳县审计局"
start_urls = ["{base}/json/api/list?pageNo=1"]
allowed_domains = ["127.0.0.1"]

[[site]]
name = "gen"
publisher = "合阳县人民政府"
start_urls = ["{base}/gen/list.html"]
allowed_domains = ["127.0.0.1"]
{extra}"""
    path.write_text(text, encoding="utf-8")
    return path


def crawl_cmd(
    site: str, sites_file: Path, data_dir: Path, *extra: str, settings: dict | None = None
) -> list[str]:
    cmd = [
        PYTHON,
        "-m",
        "crawler",
        "crawl",
        "--site",
        site,
        "--sites-file",
        str(sites_file),
        "--data-dir",
        str(data_dir),
        *extra,
    ]
    for k, v in {**TEST_SETTINGS, **(settings or {})}.items():
        cmd += ["--setting", f"{k}={json.dumps(v)}"]
    return cmd


def run_crawl_cli(
    site: str, sites_file: Path, data_dir: Path, *extra: str, settings: dict | None = None
) -> dict:
    proc = subprocess.run(
        crawl_cmd(site, sites_file, data_dir, *extra, settings=settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])
