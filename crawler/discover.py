"""Site discovery: from a government portal's home page to ready ``[[site]]`` registry entries.

``discover(home_url, fetch)`` walks at most ``max_pages`` pages: the home page, the 政府信息公开 /
信息公开 / 政务公开 section pages it links (a 政府信息公开平台 on another host included), and the
年报 columns found there (政府信息公开年报, 年度报告, and the 部门年报 / 乡镇（街道）年报 /
县市区年报 sub-columns on a column page). Each column is checked: it must list at least one
report, as HTML links, a Hanweb ``<datastore>``, or a script-loaded JSON list. The result
names the publisher (``SiteName`` meta or the page title), the region code (the first six digits
of the 网站标识码 ``SiteIDCode``), the verified columns as start URLs, and the allowed domains.
Columns that list nothing are kept in ``rejected`` with the reason, never silently dropped.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawler.listing import ListedLink, html_links, parse_listing
from crawler.recognize import is_noise_title, is_report_title, year_from_title
from crawler.script_lists import api_page, find_endpoints
from crawler.urls import canonical_url, is_attachment_url

_COLUMN_RE = re.compile(r"(年报|年度报告)")
_SUB_WORDS = ("部门", "乡镇", "街道", "县市区", "区县", "县区", "镇", "单位")
_SECTION_WORDS = (("政府信息公开", 3), ("信息公开", 2), ("政务公开", 1))
_NOT_SECTION = ("指南", "制度", "申请", "目录", "规定", "年报", "年度报告", "意见箱", "重点领域")
_PUBLISHER_END = ("人民政府", "政府", "委员会", "管委会", "局", "办公室", "办事处")
_TITLE_NOISE = ("门户网站", "政府信息公开平台", "信息公开平台", "网站", "官网", "首页")


@dataclass(frozen=True)
class Page:
    """A fetched page: the final URL (after redirects) and its decoded text."""

    url: str
    text: str


Fetch = Callable[[str], Page | None]


@dataclass
class Column:
    """A 年报 column candidate and what its check found."""

    url: str
    title: str
    kind: str  # "main" (from a section page) or "sub" (部门/乡镇… below a column)
    reports: int = 0  # report links listed on its first page (or first endpoint page)
    source: str = "html"  # html, hanweb, trs, json, script
    note: str = ""


@dataclass
class Discovery:
    """What discovery found on one portal."""

    home: str
    name: str
    publisher: str | None
    region_code: str | None
    columns: list[Column] = field(default_factory=list)  # verified: they list reports
    rejected: list[Column] = field(default_factory=list)  # candidates that list nothing
    sections: list[str] = field(default_factory=list)  # 信息公开 pages visited
    problems: list[str] = field(default_factory=list)
    pages_fetched: int = 0

    @property
    def start_urls(self) -> list[str]:
        """Main columns first, then sub-columns."""
        main = [c.url for c in self.columns if c.kind == "main"]
        return main + [c.url for c in self.columns if c.kind != "main"]

    @property
    def allowed_domains(self) -> list[str]:
        """Hosts of the home page and of every column, without ``www.``."""
        hosts: list[str] = []
        for url in [self.home, *self.start_urls]:
            host = (urlsplit(url).hostname or "").lower()
            host = host[4:] if host.startswith("www.") else host
            if host and host not in hosts:
                hosts.append(host)
        return hosts

    def site_entry(self) -> dict[str, object]:
        """The ``[[site]]`` table (as a dict, registry field order)."""
        entry: dict[str, object] = {"name": self.name, "publisher": self.publisher or self.name}
        if self.region_code:
            entry["region_code"] = self.region_code
        entry["start_urls"] = self.start_urls
        entry["allowed_domains"] = self.allowed_domains
        return entry


# ---- page reading -------------------------------------------------------------------------------
def _text(link: ListedLink) -> str:
    return re.sub(r"\s+", "", link.text)


def is_column_link(link: ListedLink) -> bool:
    """A link to a 年报 column (no year in its title, not a document, not 解读/图解…)."""
    text = _text(link)
    return (
        bool(_COLUMN_RE.search(text))
        and len(text) <= 24
        and year_from_title(text) is None
        and not is_noise_title(text)
        and not is_attachment_url(link.url)
        and urlsplit(link.url).scheme in ("http", "https")
    )


def section_score(link: ListedLink) -> int:
    """How likely a link leads to the 政府信息公开 section (0: not at all)."""
    text = _text(link)
    if len(text) > 16 or any(w in text for w in _NOT_SECTION) or is_attachment_url(link.url):
        return 0
    return next((score for word, score in _SECTION_WORDS if word in text), 0)


def publisher_of(html: str) -> str | None:
    """``SiteName`` meta, else the title part that names a government body."""
    sel = Selector(text=html)
    name = (sel.css('meta[name="SiteName"]::attr(content)').get() or "").strip()
    if not name:
        title = (sel.css("title::text").get() or "").strip()
        parts = [p for p in re.split(r"[_|—\-–\s]+", title) if p]
        name = next((p for p in parts if p.endswith(_PUBLISHER_END)), parts[-1] if parts else "")
    for noise in _TITLE_NOISE:
        if name.endswith(noise) and len(name) > len(noise):
            name = name[: -len(noise)]
    return name or None


def region_code_of(html: str) -> str | None:
    """First six digits of the 网站标识码 (``SiteIDCode`` meta or the footer text)."""
    sel = Selector(text=html)
    code = (sel.css('meta[name="SiteIDCode"]::attr(content)').get() or "").strip()
    if not code:
        m = re.search(r"网站标识码[:：\s]*(\d{10})", html)
        code = m.group(1) if m else ""
    if re.fullmatch(r"\d{10}", code) and not code.startswith("00"):
        return code[:6]
    return None


def site_name(home_url: str, html: str) -> str:
    """A registry name: the label before ``gov.cn`` (``www.heyang.gov.cn`` → ``heyang``)."""
    domain = Selector(text=html).css('meta[name="SiteDomain"]::attr(content)').get() or ""
    host = (urlsplit(home_url).hostname or "").lower()
    for candidate in (domain.strip().lower(), host):
        labels = candidate.split(".")
        if len(labels) >= 3 and labels[-2:] == ["gov", "cn"]:
            return re.sub(r"[^a-z0-9_-]", "-", labels[-3])[:64]
    path = urlsplit(home_url).path.strip("/").split("/")[0]
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host}-{path}".lower()).strip("-")
    return (slug or "site")[:64]


def _list_reports(page: Page, fetch: Fetch) -> tuple[int, str, list[ListedLink]]:
    """(reports listed, list style, all links) of a column's first page."""
    listing = parse_listing(page.text, page.url)
    reports = sum(is_report_title(link.text) for link in listing.links)
    if reports or listing.style != "html":
        return reports, listing.style, listing.links
    for spec in find_endpoints(page.text, page.url)[:2]:  # a list loaded by script
        url, method, body = spec.request()
        answer = fetch(url) if method == "GET" else None
        if answer is None:
            continue
        api = api_page(answer.text, answer.url, spec)
        found = sum(is_report_title(link.text) for link in api.links)
        if found:
            return found, "script", listing.links
    return 0, listing.style, listing.links


# ---- the walk -----------------------------------------------------------------------------------
def discover(home_url: str, fetch: Fetch, *, max_pages: int = 30) -> Discovery:
    """Find and check the 年报 columns of one portal; never raises for a bad page."""
    budget = [max_pages]

    def get(url: str) -> Page | None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        return fetch(url)

    home = get(home_url)
    if home is None:
        found = Discovery(home_url, site_name(home_url, ""), None, None)
        found.problems.append(f"home page {home_url} could not be fetched")
        return found
    result = Discovery(
        home=home.url,
        name=site_name(home.url, home.text),
        publisher=publisher_of(home.text),
        region_code=region_code_of(home.text),
    )
    candidates: dict[str, Column] = {}
    seen_pages = {canonical_url(home.url)}
    queue: list[tuple[int, int, str]] = []  # (-score, depth, url)

    def scan(page: Page, depth: int) -> None:
        for link in html_links(Selector(text=page.text), page.url):
            key = canonical_url(link.url)
            if is_column_link(link):
                if key not in candidates and key not in seen_pages:
                    candidates[key] = Column(link.url, _text(link), "main")
            elif depth < 3 and (score := section_score(link)) and key not in seen_pages:
                seen_pages.add(key)
                queue.append((-score, depth + 1, link.url))
        queue.sort()

    scan(home, 0)
    while queue and budget[0] > 0:
        _, depth, url = queue.pop(0)
        page = get(url)
        if page is None:
            result.problems.append(f"section page {url} could not be fetched")
            continue
        result.sections.append(page.url)
        scan(page, depth)
    checked: set[str] = set()
    pending = list(candidates.values())
    while pending:
        column = pending.pop(0)
        key = canonical_url(column.url)
        if key in checked:
            continue
        checked.add(key)
        page = get(column.url)
        if page is None:
            column.note = "could not be fetched (or the page budget is spent)"
            result.rejected.append(column)
            continue
        column.reports, column.source, links = _list_reports(page, fetch)
        if any(w in column.title for w in _SUB_WORDS) and column.kind == "main":
            column.kind = "sub"
        for link in links:  # 部门年报 / 乡镇年报 tabs of the column
            sub_key = canonical_url(link.url)
            if is_column_link(link) and sub_key not in checked and sub_key not in candidates:
                candidates[sub_key] = Column(link.url, _text(link), "sub")
                pending.append(candidates[sub_key])
        if column.reports:
            result.columns.append(column)
        else:
            column.note = "lists no report"
            result.rejected.append(column)
    if not result.columns:
        result.problems.append("no 年报 column listing reports was found")
    result.pages_fetched = max_pages - budget[0]
    return result


# ---- fetching -----------------------------------------------------------------------------------
def http_fetcher(
    user_agent: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    obey_robots: bool = True,
    problems: list[str] | None = None,
) -> Fetch:
    """A small polite GET fetcher (robots.txt obeyed, size capped, charset detected)."""
    robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
    notes = problems if problems is not None else []

    def raw(url: str) -> tuple[str, str, bytes] | None:
        if urlsplit(url).scheme not in ("http", "https"):
            notes.append(f"{url}: not an http(s) URL")
            return None
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
                body = resp.read(max_bytes + 1)
                ctype = resp.headers.get("Content-Type", "")
                return resp.geturl(), ctype, body[:max_bytes]
        except (urllib.error.URLError, OSError, ValueError) as exc:
            notes.append(f"{url}: {exc}")
            return None

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in robots:
            got = raw(origin + "/robots.txt")
            parser = None
            if got is not None:
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(got[2].decode("utf-8", "replace").splitlines())
            robots[origin] = parser
        parser = robots[origin]
        return parser is None or parser.can_fetch(user_agent, url)

    def fetch(url: str) -> Page | None:
        if obey_robots and not allowed(url):
            notes.append(f"{url}: forbidden by robots.txt")
            return None
        got = raw(url)
        if got is None:
            return None
        final, ctype, body = got
        _, text = html_to_unicode(ctype, body)
        return Page(final, text)

    return fetch
