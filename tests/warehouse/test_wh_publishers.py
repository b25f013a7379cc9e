"""The ``publishers`` dimension: one row per body across wordings, written on every publish."""

from __future__ import annotations

from datetime import date

import duckdb

from parsing.models import Report
from parsing.publishers import publisher_key
from warehouse import publish
from warehouse.publishers import SCHEMA, read_publishers


def _report(url: str, publisher: str, year: int, site: str, site_region: str) -> Report:
    from parsing.publishers import identify

    who = identify(publisher, site_region)
    return Report(
        report_id=url[-12:],
        year=year,
        publisher=publisher,
        publisher_key=who.publisher_key,
        region_code=who.region_code,
        region_code_source=who.region_source,
        site=site,
        source_url=url,
        title=f"{publisher}{year}年政府信息公开工作年度报告",
        template="2021" if year >= 2021 else "2019",
        format="html",
        published_date=date(year + 1, 1, 20),
    )


def test_publishers_table_follows_each_publish(tmp_path):
    wh = tmp_path / "warehouse"
    first = [
        _report("http://a/2019/r00000000001", "合阳县人民政府", 2019, "weinan", "610500"),
        _report("http://a/2020/r00000000002", "合阳县政府", 2020, "heyang", "610524"),
        _report("http://a/2021/r00000000003", "合阳县教育局", 2021, "heyang", "610524"),
        _report("http://a/2021/r00000000004", "渭南高新区管委会", 2021, "weinan", "610500"),
    ]
    publish(first, wh)
    pubs = read_publishers(wh)
    assert pubs.schema.equals(SCHEMA, check_metadata=False)
    rows = {r["publisher_key"]: r for r in pubs.to_pylist()}
    gov = rows["610524:合阳县人民政府"]
    assert gov["names"] == ["合阳县人民政府", "合阳县政府"]
    assert gov["publisher"] == "合阳县政府"  # the latest wording
    assert (gov["first_year"], gov["last_year"], gov["reports"]) == (2019, 2020, 2)
    assert gov["sites"] == ["heyang", "weinan"]
    assert gov["level"] == "县级"
    assert gov["parent"] == "渭南市人民政府"
    assert (gov["province_code"], gov["prefecture_code"], gov["county_code"]) == (
        "610000",
        "610500",
        "610524",
    )
    assert (gov["province_name"], gov["prefecture_name"], gov["county_name"]) == (
        "陕西省",
        "渭南市",
        "合阳县",
    )
    edu = rows["610524:合阳县教育局"]
    assert (edu["level"], edu["parent"], edu["region_code"]) == ("部门", "合阳县人民政府", "610524")
    zone = rows["610500:渭南市高新区管委会"]
    assert zone["level"] == "功能区"
    assert zone["county_code"] is None

    # a later publish (a new year, a new wording) updates the dimension
    publish(
        [_report("http://a/2022/r00000000005", "陕西省合阳县人民政府", 2022, "heyang", "610524")],
        wh,
    )
    gov = {r["publisher_key"]: r for r in read_publishers(wh).to_pylist()}["610524:合阳县人民政府"]
    assert gov["last_year"] == 2022
    assert gov["reports"] == 3
    assert not [p for p in (wh / "publishers").iterdir() if not p.name.endswith(".parquet")]

    # the documented join: reports per county and year
    con = duckdb.connect()
    got = con.execute(
        f"""SELECT p.county_name, r.year, count(*) FROM read_parquet('{wh}/reports/*/*.parquet',
        hive_partitioning=true) r JOIN read_parquet('{wh}/publishers/*.parquet') p
        USING (publisher_key) WHERE p.county_code = '610524' GROUP BY ALL ORDER BY 2"""
    ).fetchall()
    assert got == [
        ("合阳县", 2019, 1),
        ("合阳县", 2020, 1),
        ("合阳县", 2021, 1),
        ("合阳县", 2022, 1),
    ]


def test_old_rows_without_key_get_one(tmp_path):
    wh = tmp_path / "warehouse"
    old = _report("http://a/2019/r00000000009", "合阳县人民政府", 2019, "weinan", "610500")
    publish([old.model_copy(update={"publisher_key": None})], wh)
    keys = read_publishers(wh)["publisher_key"].to_pylist()
    assert keys == [publisher_key("合阳县人民政府")]


def test_incremental_dimension_equals_a_full_rebuild(tmp_path):
    """Each publish rebuilds only the publishers it concerns (merging a publisher that only
    gains reports, rebuilding one that loses a replaced report): after new years, an older
    year, a new wording, a report without a region, a replaced report that moves to another
    body and an old row without a key, the file equals the dimension built from the whole
    reports table."""
    from warehouse.publishers import _READ, build
    from warehouse.read import read_table

    wh = tmp_path / "warehouse"

    def check() -> None:
        assert read_publishers(wh).equals(build(read_table("reports", wh, columns=_READ)))

    a = _report("http://a/2019/r00000000011", "合阳县人民政府", 2019, "weinan", "610500")
    b = _report("http://a/2019/r00000000012", "合阳县教育局", 2019, "heyang", "610524")
    publish([a, b], wh)
    check()
    publish([_report("http://a/2020/r00000000013", "合阳县政府", 2020, "heyang", "610524")], wh)
    check()
    older = _report("http://a/2017/r00000000015", "合阳县人民政府", 2017, "old", "610524")
    later = _report("http://a/2021/r00000000016", "合阳县政府", 2021, "other", "610524")
    publish([older.model_copy(update={"region_code": None}), later], wh)
    check()
    moved = _report("http://a/2019/r00000000012", "澄城县教育局", 2019, "chengcheng", "610525")
    keyless = _report("http://a/2018/r00000000014", "合阳县人民政府", 2018, "old", "610524")
    publish([moved, keyless.model_copy(update={"publisher_key": None})], wh)
    check()
    assert "610524:合阳县教育局" not in read_publishers(wh)["publisher_key"].to_pylist()


def test_build_takes_the_first_region_by_year_and_id_and_no_empty_code() -> None:
    """A publisher's region is its first non-empty ``region_code`` by (year, report_id), in
    whatever order the rows come (a year's files are not in id order); an empty code is no
    region, as in the incremental merge."""
    import pyarrow as pa

    from warehouse.publishers import build

    rows = [  # report_id, year, region: 610525 is first by (year, report_id)
        ("r9", 2020, "610500"),
        ("r2", 2020, "610525"),
        ("r1", 2020, ""),
        ("r0", 2021, "610524"),
    ]
    for order in (rows, rows[::-1], rows[1:] + rows[:1]):
        table = pa.table(
            {
                "report_id": [r[0] for r in order],
                "year": pa.array([r[1] for r in order], pa.int16()),
                "publisher": ["教育局"] * len(order),
                "publisher_key": ["k"] * len(order),
                "region_code": [r[2] for r in order],
                "site": ["s"] * len(order),
            }
        )
        assert build(table)["region_code"].to_pylist() == ["610525"]
    blank = table.set_column(4, "region_code", pa.array([""] * len(rows)))
    assert build(blank)["region_code"].to_pylist() == [None]
