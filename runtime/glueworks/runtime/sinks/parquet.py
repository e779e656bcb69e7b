"""Parquet sink: snappy Parquet, Hive-style partitions, staged per (run, attempt).

Layout, for output location ``out`` and run token ``jr_1-1``::

    out/_glueworks_staging/jr_1-1/dt=2026-11-01/part-00003.snappy.parquet   while writing
    out/dt=2026-11-01/part-00003-jr_1-1.snappy.parquet                        after commit

Each part (the blocks of one input split) writes one file per partition it has rows for.
Unresolved Choices are written in their ``make_struct`` form, as Glue writes them.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.locations import Location
from glueworks.runtime.schema import conform_table, strip_choices
from glueworks.runtime.sinks.base import CommitResult, Sink, StagedFile, WriteResult
from glueworks.runtime.sinks.partitioning import split_partitions

STAGING_DIR = "_glueworks_staging"
COMPRESSIONS = {"snappy": "snappy", "gzip": "gz", "zstd": "zstd", "lz4": "lz4", "brotli": "br", "none": ""}


@dataclass
class ParquetSink(Sink):
    """Writes Parquet files under `location`.

    Attributes:
        location: The output folder.
        partition_keys: Top-level columns to partition by, outermost first.
        run_token: ``<run_id>-<attempt>``; names the staging folder and the output files.
        compression: A key of `COMPRESSIONS`.
    """

    location: Location
    partition_keys: tuple[str, ...]
    run_token: str
    compression: str = "snappy"
    _created_root: bool = field(default=False, repr=False)

    @property
    def staging(self) -> Location:
        """The staging folder of this (run, attempt)."""
        return self.location.child(f"{STAGING_DIR}/{self.run_token}")

    def _suffix(self) -> str:
        ext = COMPRESSIONS[self.compression]
        return f".{ext}.parquet" if ext else ".parquet"

    def start(self) -> None:
        """Refuse an output location that is a file; remember whether the folder is new."""
        fs = self.location.filesystem()
        if fs.isfile(self.location.path):
            raise NotADirectoryError(f"output path {self.location.url} is a file, not a folder")
        self._created_root = not fs.exists(self.location.path)

    def write_part(self, part_index: int, blocks: Sequence[pa.Table], schema: pa.Schema) -> WriteResult:
        """Write one part: conform each block to `schema`, split by partition, append to files."""
        plain = strip_choices(schema)
        _check_writable(plain)
        file_schema = pa.schema([f for f in plain if f.name not in self.partition_keys])
        fs = self.location.filesystem()
        writers: dict[str, _OpenFile] = {}
        try:
            for block in blocks:
                if block.num_rows == 0:
                    continue
                table = conform_table(block, schema).cast(plain)
                for folder, rows in split_partitions(table, self.partition_keys):
                    handle = writers.get(folder)
                    if handle is None:
                        handle = writers[folder] = self._open(fs, folder, part_index, file_schema)
                    handle.writer.write_table(rows.cast(file_schema))
                    handle.records += rows.num_rows
        finally:
            files = [handle.close() for handle in writers.values()]
        return WriteResult(part_index=part_index, files=tuple(sorted(files, key=lambda f: f.relative_path)))

    def _open(self, fs: Any, folder: str, part_index: int, file_schema: pa.Schema) -> _OpenFile:
        staged_dir = posixpath.join(self.staging.path, folder) if folder else self.staging.path
        fs.makedirs(staged_dir, exist_ok=True)
        staged = posixpath.join(staged_dir, f"part-{part_index:05d}{self._suffix()}")
        final_name = f"part-{part_index:05d}-{self.run_token}{self._suffix()}"
        relative = posixpath.join(folder, final_name) if folder else final_name
        stream = fs.open(staged, "wb")
        writer = pq.ParquetWriter(stream, file_schema, compression=self.compression)
        return _OpenFile(staged, relative, stream, writer)

    def commit(self, results: Sequence[WriteResult]) -> CommitResult:
        """Move staged files into place, then remove staging."""
        fs = self.location.filesystem()
        committed: list[str] = []
        records = size = 0
        for result in results:
            for staged in result.files:
                final = self.location.child(staged.relative_path)
                fs.makedirs(posixpath.dirname(final.path), exist_ok=True)
                fs.mv(staged.staged_path, final.path)
                committed.append(final.url)
                records += staged.records
                size += staged.size
        self._remove_staging(fs)
        return CommitResult(location=self.location.url, files=tuple(committed), records=records, size=size)

    def abort(self) -> None:
        """Remove this attempt's staging folder, and the output folder if this sink made it."""
        fs = self.location.filesystem()
        self._remove_staging(fs)
        if self._created_root:
            with contextlib.suppress(OSError):
                if fs.exists(self.location.path) and not fs.ls(self.location.path):
                    fs.rmdir(self.location.path)

    def _remove_staging(self, fs: Any) -> None:
        if fs.exists(self.staging.path):
            fs.rm(self.staging.path, recursive=True)
        parent = self.location.child(STAGING_DIR).path
        # Other attempts may be staging beside us; only an empty parent goes.
        with contextlib.suppress(OSError):
            if fs.exists(parent) and not fs.ls(parent):
                fs.rmdir(parent)


@dataclass
class _OpenFile:
    staged_path: str
    relative_path: str
    stream: Any
    writer: pq.ParquetWriter
    records: int = 0

    def close(self) -> StagedFile:
        self.writer.close()
        size = int(self.stream.tell())
        self.stream.close()
        return StagedFile(self.staged_path, self.relative_path, self.records, size)


def _check_writable(schema: pa.Schema) -> None:
    for column in schema:
        if _has_empty_struct(column.type):
            raise SchemaError(f"column {column.name!r} holds a struct with no fields, which Parquet cannot store")


def _has_empty_struct(dtype: pa.DataType) -> bool:
    if pa.types.is_struct(dtype):
        return dtype.num_fields == 0 or any(_has_empty_struct(f.type) for f in dtype)
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return _has_empty_struct(dtype.value_type)
    if pa.types.is_map(dtype):
        return _has_empty_struct(dtype.item_type)
    return False
