"""The Arrow memory pool the warehouse runs on.

Arrow's default allocator here is mimalloc, which keeps the buffers a Parquet reader frees in
per-size pages: a publish that reads the report index of every year (a few columns) then peaks
~30 MB higher at 100k reports than at 10k. jemalloc (or the system allocator where Arrow was
built without it) reuses them: the peak stays flat (measured 1.03x from 10k to 100k, against
1.14x). Applied once when the package is imported, so everything in the process (and any
benchmark floor that imports the package) runs on the same allocator; an explicit
``ARROW_DEFAULT_MEMORY_POOL`` is respected.
"""

from __future__ import annotations

import os

import pyarrow as pa

ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_reusing_pool() -> str:
    """Switch Arrow's default pool to jemalloc (else the system allocator) unless
    ``ARROW_DEFAULT_MEMORY_POOL`` chooses one; returns the backend in use."""
    if os.environ.get(ENV):
        return str(pa.default_memory_pool().backend_name)
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
    return str(pool.backend_name)
