"""The staging protocol shared by every file sink (Parquet, CSV, JSON, ORC, Avro).

Layout, for output location ``out`` and run token ``jr_1-1``::

    out/_glueworks_staging/jr_1-1/dt=2026-11-01/part-00003.snappy.parquet   while writing
    out/dt=2026-11-01/part-00003-jr_1-1.snappy.parquet                        after commit

Each part (the blocks of one input split) writes one file per partition it has rows for; commit moves
them into place and writes the output's commit-log entry (`glueworks.runtime.commit_log`), which is
what makes them visible to glueworks readers; abort removes staging. A platform run stops at
`prepare_commit` (the manifest) and the platform publishes after recording the run SUCCEEDED.

A format only says how to open a writer on a stream, which suffix its files get, and which schemas it
cannot store. Unresolved Choices are written in their ``make_struct`` form, as Glue writes them.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

import pyarrow as pa

from glueworks.runtime import commit_log
from glueworks.runtime.commit_log import STAGING_DIR, OutputManifest
from glueworks.runtime.locations import Location
from glueworks.runtime.schema import conform_table, strip_choices
from glueworks.runtime.sinks.base import CommitResult, Sink, StagedFile, WriteResult
from glueworks.runtime.sinks.partitioning import split_partitions

__all__ = ["STAGING_DIR", "StagedFileSink", "TableWriter", "json_default", "plain_value", "to_json"]

#: Arrow bytes of rows a part holds for one file before handing them to its writer in one call, and in
#: all (past that, every file is written: a file's rows are slices of their block, and a block stays in
#: memory until all its slices are written). A partitioned part gets a few thousand rows per partition
#: from each block; written one call per block, a Parquet file of the lake benchmark held ~7 row groups
#: of ~3,000 rows. Held and written in one or two calls, it writes ~12 % faster.
FILE_BUFFER_BYTES = 16 * 1024 * 1024
WRITE_BUFFER_BYTES = 32 * 1024 * 1024
#: Arrow bytes of neighbouring blocks partitioned together (see `_batched`).
BATCH_BYTES = 16 * 1024 * 1024


class TableWriter(Protocol):
    """Writes tables of one schema to one file."""

    def write_table(self, table: pa.Table) -> None:
        """Append rows."""

    def close(self) -> None:
        """Finish the file (the underlying stream is closed by the sink)."""


@dataclass
class StagedFileSink(Sink):
    """Base of file sinks written through staging.

    Attributes:
        location: The output folder.
        partition_keys: Top-level columns to partition by, outermost first.
        run_token: ``<run_id>-<attempt>``; names the staging folder and the output files.
    """

    location: Location
    partition_keys: tuple[str, ...]
    run_token: str
    _created_root: bool = field(default=False, init=False, repr=False)

    @abstractmethod
    def suffix(self) -> str:
        """File name suffix, e.g. ``.csv.gz``."""

    @abstractmethod
    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """A writer of `file_schema` rows into `stream`."""

    def file_opener(self, file_schema: pa.Schema) -> Callable[[BinaryIO], TableWriter]:
        """How one part opens its files (one per partition): `open_writer` for each, unless a format
        shares a choice between the files of a part (Parquet's encodings)."""
        return lambda stream: self.open_writer(stream, file_schema)

    def check_schema(self, schema: pa.Schema) -> None:
        """Refuse a schema the format cannot store (raises SchemaError); the default accepts all."""

    @property
    def staging(self) -> Location:
        """The staging folder of this (run, attempt)."""
        return self.location.child(f"{STAGING_DIR}/{self.run_token}")

    def start(self) -> None:
        """Refuse an output location that is a file; remember whether the folder is new."""
        fs = self.location.filesystem()
        if fs.isfile(self.location.path):
            raise NotADirectoryError(f"output path {self.location.url} is a file, not a folder")
        self._created_root = not fs.exists(self.location.path)

    def write_part(self, part_index: int, blocks: Sequence[pa.Table], schema: pa.Schema) -> WriteResult:
        """Write one part: conform each block to `schema`, split by partition, append to files."""
        plain = strip_choices(schema)
        self.check_schema(plain)
        file_schema = pa.schema([f for f in plain if f.name not in self.partition_keys])
        fs = self.location.filesystem()
        open_file = self.file_opener(file_schema)
        files: dict[str, _OpenFile] = {}
        held = 0  # Arrow bytes added since every file was last written (see `WRITE_BUFFER_BYTES`)
        try:
            for table in _batched(blocks, schema, plain):
                for folder, rows in split_partitions(table, self.partition_keys):
                    handle = files.get(folder)
                    if handle is None:
                        handle = files[folder] = self._open(fs, folder, part_index, open_file)
                    held += handle.add(rows.cast(file_schema))
                    if handle.pending_bytes >= FILE_BUFFER_BYTES:
                        handle.flush()
                if held > WRITE_BUFFER_BYTES:
                    for handle in files.values():
                        handle.flush()
                    held = 0
            for handle in files.values():
                handle.flush()
        finally:
            closed = [handle.close() for handle in files.values()]
        return WriteResult(part_index=part_index, files=tuple(sorted(closed, key=lambda f: f.relative_path)))

    def _open(self, fs: Any, folder: str, part_index: int, open_file: Callable[[BinaryIO], TableWriter]) -> _OpenFile:
        staged_dir = posixpath.join(self.staging.path, folder) if folder else self.staging.path
        fs.makedirs(staged_dir, exist_ok=True)
        staged = posixpath.join(staged_dir, f"part-{part_index:05d}{self.suffix()}")
        final_name = f"part-{part_index:05d}-{self.run_token}{self.suffix()}"
        relative = posixpath.join(folder, final_name) if folder else final_name
        stream = fs.open(staged, "wb")
        return _OpenFile(staged, relative, stream, open_file(stream))

    def manifest(self, results: Sequence[WriteResult]) -> OutputManifest:
        """The manifest of `results`: exactly one file per (part, partition folder).

        A retried part rewrote the same staged path, and `results` holds one result per part, so
        duplicates cannot arise; a second result for one part index is refused all the same.

        Raises:
            ValueError: Two results for one part index.
        """
        seen: set[int] = set()
        files: list[StagedFile] = []
        for result in sorted(results, key=lambda r: r.part_index):
            if result.part_index in seen:
                raise ValueError(f"results: part {result.part_index} reported twice")
            seen.add(result.part_index)
            files += result.files
        return OutputManifest(self.location.url, self.run_token, tuple(files))

    def prepare_commit(self, results: Sequence[WriteResult]) -> OutputManifest:
        """Write the manifest into staging and return it; nothing becomes visible."""
        manifest = self.manifest(results)
        commit_log.write_manifest(self.location.filesystem(), self.location.path, manifest)
        return manifest

    def staging_url(self) -> str:
        """URL of this write's staging folder."""
        return self.staging.url

    def commit(self, results: Sequence[WriteResult]) -> CommitResult:
        """One-phase commit: move staged files into place, write the log entry, remove staging."""
        manifest = self.manifest(results)
        fs = self.location.filesystem()
        finals = commit_log.publish(fs, self.location.path, manifest, run_id=self.run_token)
        committed = [self.location.with_path(path).url for path in finals]
        return CommitResult(
            location=self.location.url, files=tuple(committed), records=manifest.records, size=manifest.size
        )

    def abort(self) -> None:
        """Remove this attempt's staging folder, and the output folder if this sink made it."""
        fs = self.location.filesystem()
        self._remove_staging(fs)
        if self._created_root:
            with contextlib.suppress(OSError):
                if fs.exists(self.location.path) and not fs.ls(self.location.path):
                    fs.rmdir(self.location.path)

    def _remove_staging(self, fs: Any) -> None:
        commit_log.remove_staging(fs, self.location.path, self.run_token)


def _batched(blocks: Iterable[pa.Table], schema: pa.Schema, plain: pa.Schema) -> Iterator[pa.Table]:
    """The blocks conformed to `plain`, small neighbours joined until a table reaches `BATCH_BYTES`.

    Each partitioned block costs a fixed amount on top of its rows (a dictionary, a sort, a slice and a
    cast per folder), and each slice is a chunk the Parquet writer walks on its own. Small blocks come
    from small splits (the tail pieces of a 2-worker run are ~24k rows at the ~1M-event benchmark) and
    from folders of small files: ``bench/partitioned_write.py`` measures the difference. The joined
    blocks are chained, not copied (the partitioning's take reads across them). A block of half
    `BATCH_BYTES` or more goes alone: from ~100k rows up, joining gained nothing measurable and held
    ~15 MB more peak Arrow memory per writer.
    """
    batch: list[pa.Table] = []
    size = 0
    for block in blocks:
        if block.num_rows == 0:
            continue
        table = conform_table(block, schema).cast(plain)
        small = table.nbytes * 2 < BATCH_BYTES
        if small:
            batch.append(table)
            size += table.nbytes
        if batch and (size >= BATCH_BYTES or not small):
            yield _joined(batch)
            batch, size = [], 0
        if not small:
            yield table
    if batch:
        yield _joined(batch)


def _joined(tables: list[pa.Table]) -> pa.Table:
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


@dataclass
class _OpenFile:
    """A file being written, with the rows not yet handed to its writer."""

    staged_path: str
    relative_path: str
    stream: Any
    writer: TableWriter
    records: int = 0
    pending: list[pa.Table] = field(default_factory=list)
    pending_bytes: int = 0

    def add(self, rows: pa.Table) -> int:
        """Hold `rows` for the next `flush`; their Arrow bytes."""
        nbytes = int(rows.nbytes)
        self.pending.append(rows)
        self.pending_bytes += nbytes
        self.records += rows.num_rows
        return nbytes

    def flush(self) -> None:
        """Hand the held rows to the writer in one call."""
        if self.pending:
            self.writer.write_table(pa.concat_tables(self.pending) if len(self.pending) > 1 else self.pending[0])
        self.pending, self.pending_bytes = [], 0

    def close(self) -> StagedFile:
        """Finish the file; rows still held are dropped (only a failed write leaves any)."""
        self.writer.close()
        size = int(self.stream.tell())
        self.stream.close()
        return StagedFile(self.staged_path, self.relative_path, self.records, size)


def plain_value(value: Any, dtype: pa.DataType, omit_nulls: bool = False) -> Any:
    """A Python value from ``to_pylist`` made JSON-shaped: maps become dicts (nested too).

    With `omit_nulls`, struct fields that are null are left out (Spark's JSON writer rule).
    """
    if value is None:
        return None
    if pa.types.is_map(dtype):
        return {k: plain_value(v, dtype.item_type, omit_nulls) for k, v in value}
    if pa.types.is_struct(dtype):
        out = {f.name: plain_value(value.get(f.name), f.type, omit_nulls) for f in dtype}
        return {k: v for k, v in out.items() if v is not None} if omit_nulls else out
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return [plain_value(v, dtype.value_type, omit_nulls) for v in value]
    return value


def json_default(value: Any) -> Any:
    """`json.dumps` fallback: dates and times in ISO 8601, bytes in base64, decimals as numbers."""
    import base64
    import datetime
    import decimal

    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(value: Any) -> str:
    """Compact JSON text for a value (see `json_default`)."""
    return json.dumps(value, default=json_default, ensure_ascii=False, separators=(",", ":"))
