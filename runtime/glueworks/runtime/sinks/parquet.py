"""Parquet sink: snappy Parquet by default, Hive-style partitions, staged per (run, attempt).

The staging layout and commit protocol are those of every file sink (`sinks/staged.py`).

Dictionary encoding is chosen per column when a part (one writer's call) gets its first rows: a
top-level column of scalars whose first `DICTIONARY_SAMPLE_ROWS` values are mostly distinct (ids,
timestamps, free text) is written plain, every other column with a dictionary. Parquet's default (a
dictionary for every column, falling back to plain only past a 1 MiB dictionary page) hashes every
value of such columns for nothing; on the lake benchmark's tables this choice wrote 20-30 % faster
and the files came out 4-18 % smaller (a dictionary of unique values is larger than the values).
The choice is made once per part and shared by its files, one per partition: made per file, it
cost ~0.8-1 ms a file (a distinct count of every column), and every writer of a run pays it for every
partition (the lake benchmark's two tables of 30 dates: ~50 ms a writer; `bench/write_parts.py`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.sinks.staged import STAGING_DIR, StagedFileSink, TableWriter

__all__ = ["COMPRESSIONS", "STAGING_DIR", "ParquetSink"]

COMPRESSIONS = {"snappy": "snappy", "gzip": "gz", "zstd": "zstd", "lz4": "lz4", "brotli": "br", "none": ""}
#: Values of a column sampled to decide its encoding (see the module doc).
DICTIONARY_SAMPLE_ROWS = 2048
#: A sampled column with more distinct values than this share of its non-null ones is written plain.
DICTIONARY_MAX_DISTINCT = 0.5


@dataclass
class ParquetSink(StagedFileSink):
    """Writes Parquet files under `location`.

    Attributes:
        compression: A key of `COMPRESSIONS`.
    """

    compression: str = "snappy"

    def suffix(self) -> str:
        """``.parquet`` with the codec's extension before it (``.snappy.parquet``)."""
        ext = COMPRESSIONS[self.compression]
        return f".{ext}.parquet" if ext else ".parquet"

    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """A Parquet writer on `stream` whose own first rows choose its encodings (a file on its own; the
        files of a part share one choice through `file_opener`)."""
        return _ParquetFile(stream, file_schema, self.compression, _Encodings())

    def file_opener(self, file_schema: pa.Schema) -> Callable[[BinaryIO], TableWriter]:
        """Writers whose encodings the part's first rows choose, once for all of its files."""
        encodings = _Encodings()
        return lambda stream: _ParquetFile(stream, file_schema, self.compression, encodings)

    def check_schema(self, schema: pa.Schema) -> None:
        """Parquet cannot store a struct with no fields."""
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


class _Encodings:
    """The dictionary choice of a part's files, made from the first rows any of them gets."""

    def __init__(self) -> None:
        self._choice: bool | list[str] | None = None

    def for_rows(self, table: pa.Table) -> bool | list[str]:
        if self._choice is None:
            self._choice = dictionary_columns(table)
        return self._choice


class _ParquetFile:
    """A `TableWriter` whose Parquet writer opens at the first `write_table`, with the part's encodings."""

    def __init__(self, stream: BinaryIO, schema: pa.Schema, compression: str, encodings: _Encodings) -> None:
        self._stream, self._schema, self._compression = stream, schema, compression
        self._encodings = encodings
        self._writer: pq.ParquetWriter | None = None

    def write_table(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = self._open(self._encodings.for_rows(table))
        self._writer.write_table(table)

    def close(self) -> None:
        (self._writer or self._open(True)).close()

    def _open(self, use_dictionary: bool | list[str]) -> pq.ParquetWriter:
        return pq.ParquetWriter(
            self._stream, self._schema, compression=self._compression, use_dictionary=use_dictionary
        )


def dictionary_columns(table: pa.Table) -> bool | list[str]:
    """The leaf column paths to write with a dictionary (True: all of them); see the module doc."""
    sample = table.slice(0, DICTIONARY_SAMPLE_ROWS)
    plain = set()
    for index, field in enumerate(table.schema):
        if pa.types.is_nested(field.type) or pa.types.is_null(field.type):
            continue
        values = sample.column(index)
        present = len(values) - values.null_count
        if present and pc.count_distinct(values).as_py() > DICTIONARY_MAX_DISTINCT * present:
            plain.add(index)
    if not plain:
        return True
    paths = _leaf_paths(table.schema)
    return [path for index, owned in enumerate(paths) if index not in plain for path in owned]


@functools.lru_cache(maxsize=64)
def _leaf_paths(schema: pa.Schema) -> tuple[tuple[str, ...], ...]:
    """Per top-level field, the dotted paths of its Parquet leaf columns (as the writer names them)."""
    buffer = io.BytesIO()
    pq.ParquetWriter(buffer, schema).close()
    parquet_schema = pq.read_metadata(io.BytesIO(buffer.getvalue())).schema
    leaves = [parquet_schema.column(i).path for i in range(len(parquet_schema))]
    owned: list[tuple[str, ...]] = []
    start = 0
    for field in schema:
        count = _leaf_count(field.type)
        owned.append(tuple(leaves[start : start + count]))
        start += count
    return tuple(owned)


def _leaf_count(dtype: pa.DataType) -> int:
    if pa.types.is_struct(dtype):
        return sum(_leaf_count(dtype.field(i).type) for i in range(dtype.num_fields))
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return _leaf_count(dtype.value_type)
    if pa.types.is_map(dtype):
        return _leaf_count(dtype.key_type) + _leaf_count(dtype.item_type)
    return 1
