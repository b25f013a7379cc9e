"""The column-wise merge of publishers that only gain reports (``warehouse.publishers._added``,
``_first_regions``, ``stage_publishers``) against the per-publisher Python code it replaced
(reference copies below): on seeded random warehouses and batches, both stage the same
``publishers/part-0.parquet`` and ``_index/publishers.arrow``, byte for byte.

The stored dimension handed to both is tampered with at random (stale identity columns,
another stored wording, extra names and sites, odd year bounds) so that a wrong decision to
keep or redo a publisher's identification shows in the output instead of being hidden by an
identification that happens to give the same values."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pytest

import warehouse.publishers as PB
from parsing.models import Report
from parsing.publishers import identify
from warehouse import publish
from warehouse.index import DIM_KEY, index_years, read_year
from warehouse.read import read_table
from warehouse.storage import Store, open_store

# --- reference copies (the code before the column-wise merge) -------------------------------


def _ref_first_regions(store: Store, keys: set[str]) -> dict[str, tuple[int, str, str]]:
    found: dict[str, tuple[int, str, str]] = {}
    pending = set(keys)
    for year in index_years(store):
        if not pending:
            break
        rows = read_year(store, year, ["report_id", DIM_KEY, "region_code"])
        mask = pc.and_(
            pc.is_in(rows[DIM_KEY], value_set=pa.array(sorted(pending), pa.string())),
            pc.fill_null(pc.not_equal(rows["region_code"], ""), False),
        )
        hit = rows.filter(mask)
        for rid, key, region in zip(
            hit["report_id"].to_pylist(),
            hit[DIM_KEY].to_pylist(),
            hit["region_code"].to_pylist(),
            strict=True,
        ):
            if key not in found or rid < found[key][1]:
                found[key] = (year, rid, region)
        pending -= set(found)
    return found


def _ref_added(old: dict[str, dict[str, object]], new: pa.Table, store: Store) -> pa.Table:
    firsts = _ref_first_regions(store, set(old))
    by_key: dict[str, list[tuple[int, str, str, str | None, str]]] = {}
    for rid, year, name, key, region, site in zip(
        *(new[c].to_pylist() for c in ["report_id", "year", "publisher", DIM_KEY]),
        new["region_code"].to_pylist(),
        new["site"].to_pylist(),
        strict=True,
    ):
        by_key.setdefault(key, []).append((int(year), rid, name, region, site))
    out: dict[str, list[object]] = {name: [] for name in PB._NAMES}
    for key in sorted(by_key):
        rows = sorted(by_key[key], key=lambda r: (r[0], r[1]))
        was = old.get(key)
        first = firsts.get(key)
        before = first[2] if first else None
        for year, rid, _, region, _ in rows:
            if region and (first is None or (year, rid) < first[:2]):
                first = (year, rid, region)
        region = first[2] if first else None
        latest = max((r[0], r[2]) for r in rows)
        names = {r[2] for r in rows}
        sites = {r[4] for r in rows}
        years = {r[0] for r in rows}
        count = len(rows)
        if was is not None:
            latest = max(latest, (int(str(was["last_year"])), str(was["publisher"])))
            names |= set(was["names"])  # type: ignore[call-overload]
            sites |= set(was["sites"])  # type: ignore[call-overload]
            years |= {int(str(was["first_year"])), int(str(was["last_year"]))}
            count += int(str(was["reports"]))
        if was is not None and latest[1] == was["publisher"] and region == before:
            ident = {c: was[c] for c in PB._IDENTITY}
        else:
            ident = PB._identity(latest[1], region)
        values: dict[str, object] = {
            "publisher_key": key,
            "publisher": latest[1],
            "names": sorted(names),
            **ident,
            "first_year": min(years),
            "last_year": max(years),
            "reports": count,
            "sites": sorted(sites),
        }
        for col in PB._NAMES:
            out[col].append(values[col])
    return pa.table(out, schema=PB.SCHEMA)


def _ref_stage_publishers(
    tx: Any, updated: dict[int, pa.Table], entries: pa.Table, removed: pa.Table
) -> int:
    store = tx.store
    final = f"{store.path(PB.TABLE)}/{PB.FILE}"
    if store.fs.get_file_info(final).type != pafs.FileType.File:
        tx.write_side(final, table := PB.build(PB._index_rows(store, updated, None)))
        tx.write_side_ipc(store.path(PB.STATE), table)
        return int(table.num_rows)
    old = PB._read_state(store, final)
    lost = {k for k in removed[DIM_KEY].to_pylist() if k is not None}
    gained = {k for k in entries[DIM_KEY].to_pylist() if k is not None} - lost
    parts = []
    if lost:
        wanted = pa.array(sorted(lost), pa.string())
        rows = PB._index_rows(store, updated, wanted)
        new_ids = set(entries["report_id"].to_pylist())
        parts.append(PB.build(rows, PB._known(old, rows, new_ids, removed)))
    if gained:
        mine = pc.is_in(entries[DIM_KEY], value_set=pa.array(sorted(gained), pa.string()))
        stored = old.filter(pc.is_in(old["publisher_key"], value_set=pa.array(sorted(gained))))
        cols = {c: stored[c].to_pylist() for c in stored.column_names}
        was = {
            str(values[0]): dict(zip(cols, values, strict=True))
            for values in zip(*cols.values(), strict=True)
        }
        parts.append(_ref_added(was, entries.filter(mine), store))
    touched = pa.array(sorted(lost | gained), pa.string())
    kept = old.filter(pc.invert(pc.is_in(old["publisher_key"], value_set=touched)))
    table = pa.concat_tables([kept, *parts])
    order = pc.sort_indices(table, sort_keys=[("publisher_key", "ascending")])
    tx.write_side(final, table, order)
    state = table if table.column(0).num_chunks <= PB._MAX_CHUNKS else table.combine_chunks()
    tx.write_side_ipc(store.path(PB.STATE), state)
    return int(table.num_rows)


# --- random warehouses -----------------------------------------------------------------------

_NAMES = [
    "合阳县人民政府",
    "合阳县政府",
    "陕西省合阳县人民政府",
    "合阳县教育局",
    "合阳县教育局办公室",
    "澄城县教育局",
    "渭南高新区管委会",
    "渭南市高新区管委会",
    "渭南市人民政府",
    "大荔县卫生健康局",
    "城关镇人民政府",
    "城关街道办事处",
    "市场监督管理局",
    "教育局",
    "北京市东城区人民政府",
    "东城区教育委员会",
    "统计局",
    "财政局",
    "发展和改革委员会",
]
_REGIONS = [None, None, "", "610524", "610500", "610525", "610523", "110101", "610000"]
_SITES = ["heyang", "weinan", "chengcheng", "dali", "beijing", "old"]
_FETCHED = [datetime(2026, 1, d, tzinfo=UTC) for d in (3, 3, 9)]


def _report(rng: random.Random, rid: str, years: range) -> Report:
    name = rng.choice(_NAMES)
    region = rng.choice(_REGIONS)
    year = rng.choice(years)
    key: str | None = identify(name, region).publisher_key
    roll = rng.random()
    if roll < 0.1:
        key = None  # written before the key existed: the index computes it
    elif roll < 0.15:
        key = ""
    elif roll < 0.4:  # keys shared by wordings whose identification depends on the region
        key = rng.choice(["k-a", "k-b", "k-c"])
    return Report(
        report_id=rid,
        year=year,
        publisher=name,
        publisher_key=key,
        region_code=region,
        site=rng.choice(_SITES),
        source_url=f"http://x/{rid}",
        title=f"{name}{year}年政府信息公开工作年度报告",
        template="2021" if year >= 2021 else "2019",
        format="html",
        published_date=date(year + 1, 1, 20),
        fetched_at=rng.choice([None, *_FETCHED]),  # equal capture times: ties
        spam_verdict="quarantine" if rng.random() < 0.1 else "clean",
    )


def _tampered(state: pa.Table, rng: random.Random) -> pa.Table:
    """``state`` with some rows' stored values changed (as a stale dimension would hold)."""
    rows = state.to_pylist()
    for row in rows:
        roll = rng.random()
        if roll < 0.3:  # identity columns from another time
            for col in PB._IDENTITY:
                if col == "level" or rng.random() < 0.7:
                    row[col] = f"stale-{col}-{rng.randrange(3)}"
        elif roll < 0.4:  # another stored wording (maybe one a new report uses)
            row["publisher"] = rng.choice(_NAMES)
        elif roll < 0.5:
            row["names"] = sorted({*row["names"], rng.choice(_NAMES)})
            row["sites"] = sorted({*row["sites"], rng.choice(_SITES)})
        elif roll < 0.55:  # year bounds out of order
            row["first_year"], row["last_year"] = row["last_year"], row["first_year"]
            row["reports"] += 3
    table = pa.Table.from_pylist(rows, schema=state.schema)
    if state.column(0).num_chunks > 1 and rng.random() < 0.5:  # keep a chunked state at times
        cut = rng.randrange(table.num_rows + 1)
        table = pa.concat_tables([table.slice(0, cut), table.slice(cut)])
    return table


class _Tx:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.side: list[tuple[pa.Table, pa.Array | None]] = []
        self.ipc: list[pa.Table] = []

    def write_side(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        self.side.append((rows, order))

    def write_side_ipc(self, final: str, rows: pa.Table, order: pa.Array | None = None) -> None:
        self.ipc.append(rows)


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _parquet_bytes(store: Store, table: pa.Table, order: pa.Array | None, path: Path) -> bytes:
    store.write_parquet(table, str(path), sync=False, order=order)
    return path.read_bytes()


def _same_staging(tmp: Path, a: _Tx, b: _Tx) -> None:
    assert len(a.side) == len(b.side) == 1
    assert len(a.ipc) == len(b.ipc) == 1
    (ta, oa), (tb, ob) = a.side[0], b.side[0]
    sorted_a = ta.take(oa) if oa is not None else ta
    sorted_b = tb.take(ob) if ob is not None else tb
    assert sorted_a.equals(sorted_b)
    scratch = open_store(tmp / "scratch")
    assert _parquet_bytes(scratch, ta, oa, tmp / "a.parquet") == _parquet_bytes(
        scratch, tb, ob, tmp / "b.parquet"
    )
    assert [c.num_rows for c in a.ipc[0].to_batches()] == [
        c.num_rows for c in b.ipc[0].to_batches()
    ]
    assert _ipc_bytes(a.ipc[0]) == _ipc_bytes(b.ipc[0])


@pytest.mark.parametrize("seed", range(12))
def test_stage_publishers_equals_reference(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    wh = tmp_path / "wh"
    store = open_store(wh)
    publish_module = __import__("sys").modules["warehouse.publish"]
    real_stage = PB.stage_publishers
    real_state = PB._read_state
    compared = {"gained": 0}

    def both(tx: Any, updated: dict[int, pa.Table], entries: pa.Table, removed: pa.Table) -> int:
        final = f"{store.path(PB.TABLE)}/{PB.FILE}"
        exists = store.fs.get_file_info(final).type == pafs.FileType.File
        for tamper in (False, True) if exists else (False,):
            if exists:
                state = real_state(store, final)
                if tamper:
                    state = _tampered(state, random.Random(rng.random()))
                monkeypatch.setattr(PB, "_read_state", lambda *_, s=state: s)
            ref, new = _Tx(store), _Tx(store)
            assert _ref_stage_publishers(ref, updated, entries, removed) == real_stage(
                new,  # type: ignore[arg-type]
                updated,
                entries,
                removed,
            )
            _same_staging(tmp_path, ref, new)
            monkeypatch.setattr(PB, "_read_state", real_state)
        compared["gained"] += 1
        return real_stage(tx, updated, entries, removed)

    monkeypatch.setattr(publish_module, "stage_publishers", both)
    ids: list[str] = []
    blank = False
    for step in range(6):
        years = range(2017, 2024) if step < 3 else range(2015, 2027)
        batch: dict[str, Report] = {}
        for _ in range(rng.randrange(1, 25)):
            if ids and rng.random() < 0.2:
                rid = rng.choice(ids)  # replaced: may move to another publisher or year
            else:
                rid = f"r{rng.randrange(10**9):09d}"
                ids.append(rid)
            batch[rid] = _report(rng, rid, years)
        publish(list(batch.values()), wh)
        blank = blank or any(r.region_code == "" for r in batch.values())
        # the merge agrees with a full rebuild, empty region codes included (no region: null)
        full = PB.build(read_table("reports", wh, columns=PB._READ))
        assert PB.read_publishers(wh).equals(full)
    assert blank  # the seeds reach the empty-region case
    assert compared["gained"] == 6


def test_added_cases(tmp_path: Path) -> None:
    """Hand-made cases: a region appearing before the stored first one, in the same year with
    a smaller or larger report_id, only after it, a stored publisher without any region, a new
    wording with and without a region."""
    wh = tmp_path / "wh"

    def rep(rid: str, year: int, name: str, region: str | None) -> Report:
        key = {gov: "k-gov", "市场监管局": "k-gov", "教育局": "k-edu"}.get(name, name)
        return Report(
            report_id=rid,
            year=year,
            publisher=name,
            publisher_key=key,
            region_code=region,
            site="s",
            template="2021" if year >= 2021 else "2019",
            format="html",
        )

    gov = "市场监督管理局"  # no division in the name: identified by the site's region
    publish(
        [
            rep("r05", 2019, gov, "610524"),
            rep("r06", 2019, gov, "610525"),  # the same year: the smaller id is the first
            rep("r10", 2020, "教育局", None),
        ],
        wh,
    )
    store = open_store(wh)
    old = PB._read_state(store, f"{store.path(PB.TABLE)}/{PB.FILE}")
    batches = [
        [rep("r01", 2019, gov, "610525")],  # same year, smaller id: the first region changes
        [rep("r09", 2019, gov, "610525")],  # same year, larger id: kept
        [rep("r00", 2018, gov, "610000")],  # an older year
        [rep("r20", 2021, gov, "610000")],  # later: kept
        [rep("r21", 2021, gov, None), rep("r22", 2021, gov, "")],  # no region
        [rep("r11", 2021, "教育局", "610524")],  # a stored publisher without a region gains one
        [rep("r12", 2022, "教育局", None)],
        [rep("r13", 2022, "新教育局", "610524")],  # a new publisher
        [rep("r05", 2019, gov, "610525")],  # the stored first report's id: kept (not earlier)
        [rep("r23", 2023, "市场监管局", None), rep("r24", 2023, gov, None)],
        [rep("r25", 2023, "市场监管局", None)],  # a new wording: identified with the stored region
    ]
    for batch in batches:
        entries = pa.table(
            {
                "report_id": [r.report_id for r in batch],
                "year": pa.array([r.year for r in batch], pa.int16()),
                "publisher": [r.publisher for r in batch],
                DIM_KEY: [r.publisher_key for r in batch],
                "region_code": pa.array([r.region_code for r in batch], pa.string()),
                "site": [r.site for r in batch],
            }
        )
        for tamper in range(4):
            state = _tampered(old, random.Random(tamper)) if tamper else old
            ref, new = _Tx(store), _Tx(store)
            empty = entries.slice(0, 0)
            original = PB._read_state
            PB._read_state = lambda *_, s=state: s
            try:
                _ref_stage_publishers(ref, {}, entries, empty)
                PB.stage_publishers(new, {}, entries, empty)  # type: ignore[arg-type]
            finally:
                PB._read_state = original
            _same_staging(tmp_path, ref, new)
