"""``Store.write_parquet(order=…)``: a small table is sorted whole into one row group, a large one
written slice by slice; both give the same rows in the same order (the ``publishers`` file)."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from warehouse import storage
from warehouse.storage import open_store


def _table(n: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    keys = [f"{rng.randrange(10**6):06d}:{rng.choice('甲乙丙丁')}局" for _ in range(n)]
    names = [[f"名{rng.randrange(5)}" for _ in range(rng.randrange(3))] for _ in range(n)]
    parts = [
        pa.table({"publisher_key": keys[a:b], "names": pa.array(names[a:b], pa.list_(pa.string()))})
        for a, b in ((0, n // 3), (n // 3, n))
    ]
    return pa.concat_tables(parts)  # two chunks, as the dimension is after a merge


@pytest.mark.parametrize("whole", [True, False])
def test_rows_come_out_in_the_given_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    if not whole:
        monkeypatch.setattr(storage, "_WHOLE_TAKE_BYTES", 0)
        monkeypatch.setattr(storage, "_SLICE", 1000)
    table = _table(4500, seed=7)
    order = pc.sort_indices(table, sort_keys=[("publisher_key", "ascending")])
    store = open_store(tmp_path)
    path = str(tmp_path / "part-0.parquet")
    stat = store.write_parquet(table, path, order=order)
    got = pq.read_table(path)
    assert got.select(table.column_names).equals(table.take(order).combine_chunks())
    assert stat.rows == table.num_rows
    assert pq.ParquetFile(path).metadata.num_row_groups == (1 if whole else 5)
