"""Report bodies stream to disk while they arrive, not into memory.

Scrapy's HTTP/1.1 handler collects a body in a ``BytesIO`` and copies it into the response
(a 150 MB body cost 1.46 GB in the crawl process). For report documents (``xxgk_kind ==
"report"``) without a ``Content-Encoding``, this handler's reader writes the bytes to a spool
file once they pass ``XXGK_SPOOL_BYTES``; the response then has an empty body, the flag
``spooled`` and the file path in ``request.meta["xxgk_spool"]``. The archive middleware streams
the file into the WARC record and deletes it. Smaller bodies, list pages and encoded bodies
(decoded by Scrapy's compression middleware, which has its own size guard) stay in memory.

Scrapy creates its body reader inside a private method; the handler swaps the module's reader
class when it is configured (every crawl of the process uses it: a group of sites shares one
spool directory, removed when the last crawl's handler closes).
``tests/crawler/test_spool.py`` fails if a Scrapy upgrade changes that seam.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers import http11

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

SPOOL_META = "xxgk_spool"
SPOOLED_FLAG = "spooled"
SPOOL_DIRNAME = "spool-crawl"


class SpoolingBuffer:
    """A ``BytesIO`` stand-in that moves to a file once it holds more than ``threshold`` bytes."""

    def __init__(self, threshold: int, directory: Path) -> None:
        self.threshold = threshold
        self.directory = directory
        self._mem: io.BytesIO | None = io.BytesIO()
        self._file: io.BufferedWriter | None = None
        self.path: Path | None = None

    def write(self, data: bytes) -> int:
        """Append bytes (to memory, or to the spool file once past the threshold)."""
        if self._file is not None:
            return self._file.write(data)
        assert self._mem is not None
        self._mem.write(data)
        if self._mem.tell() > self.threshold:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix="body-", suffix=".part", dir=self.directory)
            self.path = Path(name)
            self._file = os.fdopen(fd, "wb")
            self._file.write(self._mem.getbuffer())
            self._mem = None
        return len(data)

    @property
    def spooled(self) -> bool:
        """True once the body lives in a file."""
        return self.path is not None

    def getvalue(self) -> bytes:
        """The body if it stayed in memory; ``b""`` once spooled (the file holds it)."""
        if self._file is not None:
            self._file.flush()
            self._file.close()
            self._file = None
        return b"" if self._mem is None else self._mem.getvalue()

    def truncate(self, size: int = 0) -> int:
        """Drop everything (Scrapy calls this when the size cap is passed)."""
        self.discard()
        self._mem = io.BytesIO()
        return 0

    def discard(self) -> None:
        """Close and delete the spool file, if any."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class SpoolingReader(http11._ResponseReader):
    """Scrapy's body reader, writing large report bodies to a spool file."""

    spool_bytes = 4 * 1024 * 1024
    spool_dir = Path(tempfile.gettempdir()) / "xxgk-spool"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        encoded = self._txresponse.headers.hasHeader(b"content-encoding")
        if self._request.meta.get("xxgk_kind") == "report" and not encoded and self.spool_bytes:
            self._bodybuf = SpoolingBuffer(self.spool_bytes, self.spool_dir)  # type: ignore[assignment]

    def _finish_response(self, flags: list[str] | None = None, stop_download: Any = None) -> None:
        buf = self._bodybuf
        if isinstance(buf, SpoolingBuffer) and buf.spooled:
            buf.getvalue()  # closes the file
            self._request.meta[SPOOL_META] = str(buf.path)
            flags = [*(flags or []), SPOOLED_FLAG]
        super()._finish_response(flags=flags, stop_download=stop_download)


class SpoolingDownloadHandler(http11.HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler with report bodies streamed to disk (``DOWNLOAD_HANDLERS``)."""

    _open: dict[Path, int] = {}  # spool dir -> handlers (crawls of this process) still open

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        s = crawler.settings
        SpoolingReader.spool_bytes = s.getint("XXGK_SPOOL_BYTES", 4 * 1024 * 1024)
        base = s.get("XXGK_SPOOL_DIR")  # per process: parallel crawls may share a data dir
        folder = Path(base) / str(os.getpid()) if base else Path(tempfile.mkdtemp(prefix="xxgk-"))
        SpoolingReader.spool_dir = folder
        self._spool_dir = folder
        self._open[folder] = self._open.get(folder, 0) + 1
        http11._ResponseReader = SpoolingReader  # type: ignore[misc]

    async def close(self) -> None:
        """Close connections; remove spool files nobody claimed (failed downloads) once the
        last crawl of the process using this directory is over."""
        await super().close()
        left = self._open.get(self._spool_dir, 1) - 1
        self._open[self._spool_dir] = left
        if left <= 0:
            self._open.pop(self._spool_dir, None)
            shutil.rmtree(self._spool_dir, ignore_errors=True)
