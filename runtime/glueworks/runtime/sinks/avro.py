"""Avro sink (fastavro): an Avro schema derived from the frame schema, every field nullable.

Type mapping: boolean, byte/short/int → int, long, float, double, string, binary → bytes,
date → int/date, timestamp → long/timestamp-micros (local-timestamp-micros without a zone),
decimal → bytes/decimal, struct → record, array, map (string keys). Field names must be valid
Avro names (letters, digits, ``_``); others are refused with an error naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, BinaryIO

import fastavro
import fastavro.write
import pyarrow as pa

from glueworks.runtime.errors import SchemaError
from glueworks.runtime.sinks.staged import StagedFileSink, TableWriter, plain_value

AVRO_CODECS = ("null", "deflate", "bzip2", "snappy", "xz")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class AvroSink(StagedFileSink):
    """Writes Avro object container files under `location`.

    Attributes:
        compression: An Avro codec from `AVRO_CODECS`.
    """

    compression: str = "deflate"

    def suffix(self) -> str:
        """``.avro``."""
        return ".avro"

    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """An Avro writer whose schema is derived from `file_schema`."""
        schema = avro_schema(file_schema)
        parsed = fastavro.parse_schema(schema)
        return _AvroWriter(fastavro.write.Writer(stream, parsed, codec=self.compression), file_schema)


class _AvroWriter:
    def __init__(self, writer: Any, schema: pa.Schema) -> None:
        self._writer = writer
        self._schema = schema

    def write_table(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            self._writer.write({f.name: plain_value(row[f.name], f.type) for f in self._schema})

    def close(self) -> None:
        self._writer.flush()


def avro_schema(schema: pa.Schema) -> dict[str, Any]:
    """The Avro record schema for an Arrow schema.

    Raises:
        SchemaError: A field name is not a valid Avro name, or a type has no Avro form.
    """
    counter = [0]
    return _record("topLevelRecord", list(schema), counter, "")


def _record(name: str, fields: list[pa.Field], counter: list[int], path: str) -> dict[str, Any]:
    out = []
    for f in fields:
        where = f"{path}.{f.name}" if path else f.name
        if not _NAME_RE.fullmatch(f.name):
            raise SchemaError(f"field {where!r} is not a valid Avro name (letters, digits and _ only)")
        avro_type = _type(f.type, counter, where)
        out.append({"name": f.name, "type": avro_type if avro_type == "null" else ["null", avro_type], "default": None})
    return {"type": "record", "name": name, "fields": out}


def _type(dtype: pa.DataType, counter: list[int], path: str) -> Any:
    simple = _simple(dtype)
    if simple is not None:
        return simple
    if pa.types.is_struct(dtype):
        counter[0] += 1
        return _record(f"record{counter[0]}", list(dtype), counter, path)
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return {"type": "array", "items": ["null", _type(dtype.value_type, counter, path + "[]")]}
    if pa.types.is_map(dtype) and pa.types.is_string(dtype.key_type):
        return {"type": "map", "values": ["null", _type(dtype.item_type, counter, path)]}
    raise SchemaError(f"field {path!r} has type {dtype}, which Avro cannot hold")


def _simple(dtype: pa.DataType) -> Any:
    if pa.types.is_null(dtype):
        return "null"
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        wide = dtype.bit_width > 32 or (pa.types.is_unsigned_integer(dtype) and dtype.bit_width == 32)
        return "long" if wide else "int"
    if pa.types.is_float32(dtype) or pa.types.is_float16(dtype):
        return "float"
    if pa.types.is_float64(dtype):
        return "double"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or pa.types.is_fixed_size_binary(dtype):
        return "bytes"
    if pa.types.is_date(dtype):
        return {"type": "int", "logicalType": "date"}
    if pa.types.is_timestamp(dtype):
        logical = "timestamp-micros" if dtype.tz else "local-timestamp-micros"
        return {"type": "long", "logicalType": logical}
    if pa.types.is_decimal(dtype):
        return {"type": "bytes", "logicalType": "decimal", "precision": dtype.precision, "scale": dtype.scale}
    return None
