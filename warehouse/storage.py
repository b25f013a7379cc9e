"""Where the warehouse lives: a local directory or any pyarrow filesystem URI.

Layout: ``<root>/<table>/year=YYYY/part-0.parquet`` (one file per leaf partition), plus
``<root>/<table>/_schema.json``, ``<root>/_manifest.json`` and, locally, ``_write.lock``,
``_swap.lock`` and ``_journal.json``. Names starting with ``_`` or ``.`` are ignored by every
reader; temporary files are ``.part-0.parquet.tmp-<run>`` (they do not end in ``.parquet``, so
DuckDB globs skip them too).

Local writes: temp file (mode 0o644), fsync, ``os.replace`` onto the fixed name, fsync the
directory. Other filesystems (S3, GCS, ...): one object per leaf written with a single
overwrite-by-key upload, which object stores make atomic.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.schemas import PARTITION_FIELD, conform, file_schema, schema

PART_NAME = "part-0.parquet"
FILE_MODE = 0o644
DIR_MODE = 0o755
ROW_GROUP_SIZE = 250_000
_PARTITION_RE = re.compile(rf"^{PARTITION_FIELD}=(\d{{4}})$")
TEMP_MARK = ".tmp-"


@dataclass(frozen=True)
class Store:
    """A warehouse root on a pyarrow filesystem."""

    fs: pafs.FileSystem
    root: str

    @property
    def is_local(self) -> bool:
        """True for a local directory (locks, journal and fsync apply)."""
        return isinstance(self.fs, pafs.LocalFileSystem)

    def path(self, *parts: str) -> str:
        """Join ``parts`` under the root."""
        return "/".join([self.root.rstrip("/"), *parts]) if self.root else "/".join(parts)

    def table_dir(self, table: str) -> str:
        return self.path(table)

    def partition_dir(self, table: str, year: int) -> str:
        return self.path(table, f"{PARTITION_FIELD}={year}")

    def part_path(self, table: str, year: int) -> str:
        return self.path(table, f"{PARTITION_FIELD}={year}", PART_NAME)

    # -- listing ---------------------------------------------------------------------------
    def years(self, table: str) -> list[int]:
        """Years that have a ``part-0.parquet`` for ``table``, ascending."""
        out = []
        for info in self._list(self.table_dir(table)):
            m = _PARTITION_RE.match(info.base_name)
            if m and info.type == pafs.FileType.Directory:
                part = self.fs.get_file_info(self.part_path(table, int(m.group(1))))
                if part.type == pafs.FileType.File:
                    out.append(int(m.group(1)))
        return sorted(out)

    def data_files(self, table: str, year: int) -> list[str]:
        """All visible Parquet files of one leaf (normally just ``part-0.parquet``)."""
        return sorted(
            i.path
            for i in self._list(self.partition_dir(table, year))
            if i.type == pafs.FileType.File
            and i.base_name.endswith(".parquet")
            and not i.base_name.startswith((".", "_"))
        )

    def partition_years(self, table: str) -> list[int]:
        """Every ``year=`` directory of ``table`` (with or without data)."""
        return sorted(
            int(m.group(1))
            for i in self._list(self.table_dir(table))
            if (m := _PARTITION_RE.match(i.base_name))
        )

    def _list(self, directory: str) -> list[pafs.FileInfo]:
        info = self.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True))
        return list(info)

    # -- reading ---------------------------------------------------------------------------
    def read_partition(self, table: str, year: int, columns: list[str] | None = None) -> pa.Table:
        """One leaf as a table with the logical schema (``year`` column added)."""
        target = file_schema(table)
        file_cols = None
        if columns is not None:
            file_cols = [c for c in columns if c != PARTITION_FIELD]
            target = pa.schema([target.field(c) for c in file_cols], metadata=target.metadata)
        parts = []
        for path in self.data_files(table, year):
            pf = pq.ParquetFile(path, filesystem=self.fs)
            present = pf.schema_arrow.names
            wanted = None if file_cols is None else [c for c in file_cols if c in present]
            parts.append(conform(pf.read(columns=wanted), target))
        data = pa.concat_tables(parts) if parts else target.empty_table()
        data = data.append_column(
            pa.field(PARTITION_FIELD, pa.int16(), nullable=False),
            pa.array([year] * data.num_rows, pa.int16()),
        )
        return data.select(columns if columns is not None else schema(table).names)

    # -- writing ---------------------------------------------------------------------------
    def makedirs(self, directory: str) -> None:
        if self.is_local:
            made = Path(directory)
            missing = []
            while not made.exists():
                missing.append(made)
                made = made.parent
            made_dirs = list(reversed(missing))
            for d in made_dirs:
                d.mkdir(mode=DIR_MODE, exist_ok=True)
                d.chmod(DIR_MODE)
        else:
            self.fs.create_dir(directory, recursive=True)

    def temp_path(self, final: str, run_id: str) -> str:
        head, _, base = final.rpartition("/")
        return f"{head}/.{base}{TEMP_MARK}{run_id}"

    def write_parquet(self, table: pa.Table, path: str) -> FileStat:
        """Write ``table`` (already in file schema) to ``path``; local files are fsynced."""
        self.makedirs(path.rpartition("/")[0])
        kwargs = {
            "compression": "zstd",
            "compression_level": 3,
            "row_group_size": ROW_GROUP_SIZE,
            "write_statistics": True,
        }
        if self.is_local:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                pq.write_table(table, fh, **kwargs)
                fh.flush()
                os.fsync(fh.fileno())
            Path(path).chmod(FILE_MODE)
        else:
            with self.fs.open_output_stream(path) as out:
                pq.write_table(table, out, **kwargs)
        return FileStat(rows=table.num_rows, bytes=self.size(path), sha256=self.sha256(path))

    def write_bytes(self, path: str, data: bytes) -> None:
        """Atomically write a small file (JSON side files)."""
        self.makedirs(path.rpartition("/")[0])
        if not self.is_local:
            with self.fs.open_output_stream(path) as out:
                out.write(data)
            return
        tmp = self.temp_path(path, str(os.getpid()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(FILE_MODE)
        self.replace(tmp, path)

    def read_bytes(self, path: str) -> bytes | None:
        if self.fs.get_file_info(path).type != pafs.FileType.File:
            return None
        with self.fs.open_input_stream(path) as fh:
            data: bytes = fh.read()
            return data

    def replace(self, src: str, dst: str, *, sync: bool = True) -> None:
        """Move ``src`` onto ``dst`` atomically (local); ``sync`` fsyncs the directory."""
        if self.is_local:
            Path(src).replace(dst)  # os.replace: atomic on POSIX
            if sync:
                fsync_dir(dst.rpartition("/")[0])
        else:
            self.fs.move(src, dst)

    def remove(self, path: str) -> None:
        if self.fs.get_file_info(path).type == pafs.FileType.File:
            self.fs.delete_file(path)

    def remove_dir_if_empty(self, directory: str) -> None:
        if self.fs.get_file_info(directory).type == pafs.FileType.Directory and not self._list(
            directory
        ):
            self.fs.delete_dir(directory)

    def size(self, path: str) -> int:
        return int(self.fs.get_file_info(path).size or 0)

    def sha256(self, path: str) -> str:
        digest = hashlib.sha256()
        with self.fs.open_input_stream(path) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def temp_files(self) -> list[str]:
        """Leftover temporary files anywhere under the root (from crashed writers)."""
        sel = pafs.FileSelector(self.root, recursive=True, allow_not_found=True)
        return [
            i.path
            for i in self.fs.get_file_info(sel)
            if i.type == pafs.FileType.File
            and i.base_name.startswith(".")
            and TEMP_MARK in i.base_name
        ]


@dataclass(frozen=True)
class FileStat:
    """What the manifest records for one written file."""

    rows: int
    bytes: int
    sha256: str


def fsync_dir(directory: str) -> None:
    """fsync a local directory so a rename in it survives a power cut."""
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_store(root: str | os.PathLike[str], filesystem: pafs.FileSystem | None = None) -> Store:
    """Resolve ``root`` (a local path, ``file://`` or any pyarrow URI such as ``s3://b/p``)."""
    text = os.fspath(root)
    if filesystem is not None:
        return Store(filesystem, text.rstrip("/"))
    if "://" in text:
        fs, path = pafs.FileSystem.from_uri(text)
        if isinstance(fs, pafs.LocalFileSystem):
            return Store(fs, str(Path(path).resolve()))
        return Store(fs, path.rstrip("/"))
    return Store(pafs.LocalFileSystem(), str(Path(text).resolve()))
