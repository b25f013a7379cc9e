"""Advisory file locks (``fcntl.flock``) that serialise writers on a local warehouse.

``_write.lock`` is held exclusively for a whole publish/compact, so two writers never
interleave. ``_swap.lock`` is held exclusively only while staged files are swapped in;
:func:`warehouse.read_table` takes it shared so that it reads one consistent version of all
partitions. Object stores have no such lock: a remote warehouse is single-writer by convention.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.storage import FILE_MODE, Store

WRITE_LOCK = "_write.lock"
SWAP_LOCK = "_swap.lock"


@contextmanager
def file_lock(store: Store, name: str, *, exclusive: bool) -> Iterator[None]:
    """Hold ``name`` under the root locked (blocking). No-op on non-local stores.

    A shared lock on a missing lock file is skipped (nothing was ever written there).
    """
    if not store.is_local:
        yield
        return
    path = Path(store.path(name))
    if exclusive:
        store.makedirs(store.root)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    else:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
