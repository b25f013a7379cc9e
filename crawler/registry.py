"""The site registry (``sites.toml``): pydantic-validated ``[[site]]`` tables and helpers."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawler.script_lists import ApiSpec

DEFAULT_SITES_FILE = Path(__file__).with_name("sites.toml")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class RegistryError(ValueError):
    """The registry file is unreadable or invalid; the message names the field path."""


class ListApi(BaseModel):
    """A column whose list is loaded by script from a JSON/JSONP/POST-form endpoint.

    ``url`` may hold ``{page}``; otherwise ``page_param`` is added to the query (GET) or the
    form body (POST) together with ``params``. ``items`` is the dotted path of the item list
    (searched for when absent), ``*_field`` name the item fields, ``total`` the dotted path of
    the declared total (pages, or records when ``total_is_records``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    method: str = Field(default="GET", pattern="^(GET|POST)$")
    params: dict[str, str] = Field(default_factory=dict)
    page_param: str | None = "pageNo"
    first_page: int = Field(default=1, ge=0)
    page_size: int | None = Field(default=None, ge=1)
    items: str | None = None
    title_field: str | None = None
    url_field: str | None = None
    date_field: str | None = None
    total: str | None = None
    total_is_records: bool = False

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    def spec(self) -> ApiSpec:
        """The endpoint as the spider pages it."""
        return ApiSpec(
            url=self.url,
            method=self.method,
            params=dict(self.params),
            page_param=self.page_param,
            page=self.first_page,
            first_page=self.first_page,
            items=self.items,
            title_field=self.title_field,
            url_field=self.url_field,
            date_field=self.date_field,
            total_field=self.total,
            total_is_records=self.total_is_records,
            page_size=self.page_size,
            source="registry",
        )


class SiteOverrides(BaseModel):
    """Optional per-site tuning of the generic spider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list_selector: str | None = None  # CSS scope of the report links on list pages
    next_selector: str | None = None  # CSS selecting the next-page <a>
    link_patterns: list[str] = Field(default_factory=list)  # regex: links always taken as reports
    deny_patterns: list[str] = Field(default_factory=list)  # regex: links never followed
    follow_patterns: list[str] = Field(default_factory=list)  # regex: sub-column list pages
    json_page_param: str | None = None  # query parameter of JSON list pages
    headers: dict[str, str] = Field(default_factory=dict)
    obey_robots: bool = True
    max_pages: int = Field(default=500, ge=1)  # old name of page_limit
    page_limit: int | None = Field(default=None, ge=1)  # list pages per run (default 500)
    max_documents: int | None = Field(default=None, ge=1)  # documents per run (default 5000)
    list_api: list[ListApi] = Field(default_factory=list)  # lists loaded by script
    discover_scripts: bool = True  # look for list endpoints in inline scripts of column pages

    @field_validator("link_patterns", "deny_patterns", "follow_patterns")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return value


class Site(BaseModel):
    """One government site (or column) to crawl."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    publisher: str
    region_code: str | None = None
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(min_length=1)
    enabled: bool = True
    overrides: SiteOverrides = Field(default_factory=SiteOverrides)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError("name must be lower-case ascii letters, digits, '-' or '_'")
        return value

    @field_validator("region_code")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{6}(\d{3}|\d{6})?", value):
            raise ValueError("region_code must be 6, 9 or 12 digits")
        return value

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value


class Registry(BaseModel):
    """The whole file: ``[[site]]`` tables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: list[Site] = Field(default_factory=list)


def _format_error(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid site registry"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']}")
    return "\n".join(lines)


def load_sites(path: str | Path | None = None) -> dict[str, Site]:
    """Load and validate the registry; raise RegistryError naming the bad field path."""
    file = Path(path) if path else DEFAULT_SITES_FILE
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{file}: {exc}") from exc
    try:
        registry = Registry.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(_format_error(file, exc)) from exc
    sites: dict[str, Site] = {}
    for index, site in enumerate(registry.site):
        if site.name in sites:
            raise RegistryError(f"{file}: site.{index}.name: duplicate site name {site.name!r}")
        sites[site.name] = site
    return sites


_LOADED: dict[tuple[str, int, int], dict[str, Site]] = {}
"""The last registry ``get_site`` loaded, by (path, mtime, size): a crawl process running a group
of sites parses and validates the file once, not twice per site (0.5 s for 3,200 sites)."""


def get_site(name: str, path: str | Path | None = None) -> Site:
    """One site by name (RegistryError if unknown); a copy, so callers may change it."""
    file = Path(path) if path else DEFAULT_SITES_FILE
    try:
        stat = file.stat()
        key: tuple[str, int, int] | None = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None  # load_sites says what is wrong with it
    sites = _LOADED.get(key) if key else None
    if sites is None:
        sites = load_sites(path)
        if key:
            _LOADED.clear()
            _LOADED[key] = sites
    if name not in sites:
        raise RegistryError(f"unknown site {name!r}; known: {', '.join(sorted(sites))}")
    return sites[name].model_copy(deep=True)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"unsupported TOML value {value!r}")


def site_toml(data: dict[str, object], comment: str | None = None) -> str:
    """One ``[[site]]`` table as TOML text (validated first; RegistryError names the field)."""
    try:
        Site.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(_format_error(Path("<site>"), exc)) from exc
    lines = [f"# {comment}"] if comment else []
    lines.append("[[site]]")
    lines += [f"{key} = {_toml_value(value)}" for key, value in data.items()]
    return "\n".join(lines) + "\n"


def add_site(
    path: str | Path,
    name: str,
    url: str,
    publisher: str | None = None,
    *,
    region_code: str | None = None,
    allowed_domains: list[str] | None = None,
    extra_start_urls: list[str] | None = None,
    enabled: bool = True,
    comment: str | None = None,
) -> Site:
    """Validate and append a ``[[site]]`` table to the registry file; return the new Site."""
    file = Path(path)
    existing = load_sites(file) if file.exists() else {}
    if name in existing:
        raise RegistryError(f"{file}: site {name!r} already exists")
    host = urlsplit(url).hostname or ""
    domain = host[4:] if host.startswith("www.") else host
    data: dict[str, object] = {
        "name": name,
        "publisher": publisher or name,
        "start_urls": [url, *(extra_start_urls or [])],
        "allowed_domains": allowed_domains or [domain],
        "enabled": enabled,
    }
    if region_code:
        data["region_code"] = region_code
    try:
        site = Site.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(_format_error(file, exc)) from exc
    lines = [
        "",
        f"# {comment}" if comment else "# added by `xxgk sites add` (unverified)",
        "[[site]]",
    ]
    lines += [f"{key} = {_toml_value(value)}" for key, value in data.items()]
    old = file.read_text(encoding="utf-8") if file.exists() else ""
    text = old + ("\n" if old and not old.endswith("\n") else "") + "\n".join(lines) + "\n"
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(file)
    load_sites(file)  # the whole file must still validate
    return site


def check_sites(path: str | Path | None = None) -> list[str]:
    """Static problems of the registry (empty list = fine); never raises."""
    try:
        sites = load_sites(path)
    except RegistryError as exc:
        return [str(exc)]
    problems: list[str] = []
    for site in sites.values():
        for url in site.start_urls:
            host = urlsplit(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in site.allowed_domains):
                problems.append(f"{site.name}: start URL {url} is outside allowed_domains")
        for domain in site.allowed_domains:
            if "/" in domain or ":" in domain:
                problems.append(f"{site.name}: allowed domain {domain!r} must be a bare host")
        if site.region_code is None:
            problems.append(f"{site.name}: no region_code")
    return problems
