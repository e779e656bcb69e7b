"""ORC sink (pyarrow.orc) with ORC's own compression codecs.

Columns of the null type (a field that is null in every record) are written as strings,
because ORC has no null type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.orc as orc

from glueworks.runtime.sinks.staged import StagedFileSink, TableWriter

#: Codec name → file-name infix (Spark's ``part-…​.snappy.orc`` naming).
ORC_COMPRESSIONS = {"snappy": "snappy", "zlib": "zlib", "zstd": "zstd", "lz4": "lz4", "none": ""}


@dataclass
class OrcSink(StagedFileSink):
    """Writes ORC files under `location`.

    Attributes:
        compression: A key of `ORC_COMPRESSIONS`.
    """

    compression: str = "snappy"

    def suffix(self) -> str:
        """``.orc``, with the codec before it."""
        infix = ORC_COMPRESSIONS[self.compression]
        return f".{infix}.orc" if infix else ".orc"

    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """An ORC writer; null-typed columns become string columns."""
        codec = "uncompressed" if self.compression == "none" else self.compression
        return _OrcWriter(orc.ORCWriter(stream, compression=codec), _orc_schema(file_schema))


class _OrcWriter:
    def __init__(self, writer: orc.ORCWriter, schema: pa.Schema) -> None:
        self._writer = writer
        self._schema = schema

    def write_table(self, table: pa.Table) -> None:
        table = table.cast(self._schema)
        if any(chunk.offset for column in table.columns for chunk in column.chunks):
            # pyarrow's ORC writer ignores the offset of sliced struct children; copy the rows.
            table = table.take(pa.array(range(table.num_rows), pa.int64()))
        self._writer.write(table)

    def close(self) -> None:
        self._writer.close()


def _orc_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(_orc_type(f.type)) for f in schema])


def _orc_type(dtype: pa.DataType) -> pa.DataType:
    if pa.types.is_null(dtype):
        return pa.string()
    if pa.types.is_struct(dtype):
        return pa.struct([f.with_type(_orc_type(f.type)) for f in dtype])
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return pa.list_(dtype.value_field.with_type(_orc_type(dtype.value_type)))
    if pa.types.is_map(dtype):
        return pa.map_(dtype.key_type, _orc_type(dtype.item_type))
    return dtype
