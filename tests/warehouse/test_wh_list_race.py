"""Listing a directory that another thread creates at that moment: Arrow lists it, fails, then
finds it exists and raises. ``Store.list_dir`` (every listing of the warehouse) lists again.
A publish lists ``_index`` while its staging thread creates it (the first publish into a new
warehouse; seen once in CI as a ``FileNotFoundError``)."""

from __future__ import annotations

import threading
from pathlib import Path

from warehouse.storage import open_store


def test_a_directory_created_while_listed_lists(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    made = [0]
    done = threading.Event()

    def create() -> None:  # each directory made once, as a writer makes them
        for i in range(5_000):
            (tmp_path / f"d{i}").mkdir()
            made[0] = i
        done.set()

    thread = threading.Thread(target=create)
    thread.start()
    listed = 0
    try:
        while not done.is_set():
            store.list_dir(str(tmp_path / f"d{made[0] + 1}"))  # the next one, about to appear
            listed += 1
    finally:
        thread.join()
    assert listed > 0
    assert store.list_dir(str(tmp_path / "never")) == []
