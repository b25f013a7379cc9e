"""Site registry: validation with field paths, add_site, check_sites, the shipped file."""

from __future__ import annotations

import pytest

from crawler.registry import RegistryError, add_site, check_sites, get_site, load_sites

GOOD = """
[[site]]
name = "heyang"
publisher = "合阳县人民政府"
region_code = "610524"
start_urls = ["http:\x2f\x2fwww.heyang.gov.cn/zwgk/xxgknb/"]
allowed_domains = ["heyang.gov.cn"]

[site.overrides]
follow_patterns = ["/bmnb/"]
headers = {Referer = "http:\x2f\x2fwww.heyang.gov.cn/"}
"""


def test_shipped_registry_is_valid():
    sites = load_sites()
    assert {"heyang", "weinan"} <= set(sites)
    assert sites["heyang"].start_urls == [
        "http://www.heyang.gov.cn/zwgk/xxgknb/"  # url-ok: data, never fetched
    ]
    assert check_sites() == []


def test_good_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(GOOD, encoding="utf-8")
    site = get_site("heyang", f)
    assert site.overrides.follow_patterns == ["/bmnb/"]
    assert site.enabled


@pytest.mark.parametrize(
    ("mutation", "path"),
    [
        (("allowed_domains", "allowd_domains"), "site.0.allowd_domains"),
        (("follow_patterns", "follow_pattern"), "site.0.overrides.follow_pattern"),
        (('"610524"', '"61052"'), "site.0.region_code"),
        (('["/bmnb/"]', '["(unclosed"]'), "site.0.overrides.follow_patterns"),
        (
            (
                'start_urls = ["http://www.heyang.gov.cn/zwgk/xxgknb/"]',  # url-ok: data, never fetched
                'start_urls = ["ftp://x"]',
            ),
            "site.0.start_urls",
        ),
    ],
)
def test_typos_fail_with_field_path(tmp_path, mutation, path):
    f = tmp_path / "s.toml"
    f.write_text(GOOD.replace(*mutation), encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_sites(f)
    assert path in str(err.value)


def test_add_site_and_check(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(GOOD, encoding="utf-8")
    site = add_site(
        f,
        "weinan",
        "http://www.weinan.gov.cn/zwgk/zfxxgknb/",  # url-ok: data, never fetched
        "渭南市人民政府",
        region_code="610500",
    )
    assert site.allowed_domains == ["weinan.gov.cn"]
    assert set(load_sites(f)) == {"heyang", "weinan"}
    assert "unverified" in f.read_text(encoding="utf-8")
    with pytest.raises(RegistryError):
        add_site(f, "weinan", "http://www.weinan.gov.cn/")  # url-ok: data, never fetched
    with pytest.raises(RegistryError):
        add_site(f, "Bad Name", "http://www.x.gov.cn/")  # url-ok: data, never fetched
    assert set(load_sites(f)) == {"heyang", "weinan"}  # failed adds leave the file intact
    add_site(
        f,
        "odd",
        "http://www.odd.gov.cn/nb/",  # url-ok: data, never fetched
        allowed_domains=["other.gov.cn"],
    )
    problems = check_sites(f)
    assert any("outside allowed_domains" in p for p in problems)
    assert any("odd: no region_code" in p for p in problems)
    f.write_text("[[site]]\nname = 'x'\n", encoding="utf-8")
    assert "site.0.publisher" in check_sites(f)[0]
