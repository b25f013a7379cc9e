"""The process-wide pool of isolated parse workers, configured from ``Settings``.

``xxgk parse`` and every flow's parse batches go through it (``parsing.pool.ParsePool``): one
worker per core by default, hard wall-time/memory/output limits per document. The pool is
created on first use, reused by later batches in this process and closed at exit.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flows.config import Settings
from parsing.extract.limits import MB
from parsing.pool import ParsePool, PoolLimits

_LOCK = threading.Lock()
_POOL: ParsePool | None = None
_REGISTERED: list[bool] = []


def pool_from_settings(settings: Settings | None = None) -> ParsePool:
    """A new pool with the ``XXGK_PARSE_*`` settings."""
    s = settings or Settings()
    limits = PoolLimits(
        timeout=s.parse_timeout,
        memory_bytes=s.parse_memory_mb * MB,
        max_output_bytes=s.parse_max_output_mb * MB,
        parser=dict(s.parse_limits),
    )
    return ParsePool(s.parse_workers, limits)


@contextmanager
def shared_pool() -> Iterator[ParsePool]:
    """The process's pool, held by one batch at a time (threads take turns)."""
    global _POOL
    with _LOCK:
        wanted = pool_from_settings()  # settings may change between runs of one process
        if _POOL is not None and (_POOL.size, _POOL.limits) != (wanted.size, wanted.limits):
            _POOL.close()
            _POOL = None
        if _POOL is None:
            if not _REGISTERED:
                atexit.register(_close)
                _REGISTERED.append(True)
            _POOL = wanted
        yield _POOL


def _close() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.close()
        _POOL = None
