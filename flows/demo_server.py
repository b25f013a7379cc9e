"""A small threaded HTTP server on 127.0.0.1 serving a directory (demo and tests)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence per-request logging."""

    def guess_type(self, path: str | Any) -> str:
        """Serve GBK pages without a charset so the page's own <meta> decides."""
        return str(super().guess_type(path))


@contextmanager
def serve_directory(root: Path, port: int = 0) -> Iterator[int]:
    """Serve ``root`` on 127.0.0.1 for the duration of the block; yields the port.

    ``port`` is tried first (0: any free port); when it is taken, any free port is used.
    """
    handler = functools.partial(_QuietHandler, directory=str(root))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
