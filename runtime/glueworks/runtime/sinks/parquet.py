"""Parquet sink: snappy Parquet by default, Hive-style partitions, staged per (run, attempt).

The staging layout and commit protocol are those of every file sink (`sinks/staged.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.sinks.staged import STAGING_DIR, StagedFileSink, TableWriter

__all__ = ["COMPRESSIONS", "STAGING_DIR", "ParquetSink"]

COMPRESSIONS = {"snappy": "snappy", "gzip": "gz", "zstd": "zstd", "lz4": "lz4", "brotli": "br", "none": ""}


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
        """A Parquet writer on `stream`."""
        writer: TableWriter = pq.ParquetWriter(stream, file_schema, compression=self.compression)
        return writer

    def check_schema(self, schema: pa.Schema) -> None:
        """Parquet cannot store a struct with no fields."""
        for column in schema:
            if _has_empty_struct(column.type):
                raise SchemaError(
                    f"column {column.name!r} holds a struct with no fields, which Parquet cannot store"
                )


def _has_empty_struct(dtype: pa.DataType) -> bool:
    if pa.types.is_struct(dtype):
        return dtype.num_fields == 0 or any(_has_empty_struct(f.type) for f in dtype)
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return _has_empty_struct(dtype.value_type)
    if pa.types.is_map(dtype):
        return _has_empty_struct(dtype.item_type)
    return False
