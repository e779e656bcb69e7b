"""Avro reader (fastavro): Arrow types from the file's writer schema.

Type mapping: boolean, int (``int``), long, float, double, string, bytes/fixed (``binary``),
enum (``string``), record (``struct``), array, map (string keys), and the logical types date,
timestamp-millis/micros (UTC ``timestamp``), local-timestamp-* (no zone), decimal and uuid
(``string``). A union of null and one type is that type, nullable; a union of several
non-null types is a Choice (one member per type), as Glue reads it.

A file that is not Avro becomes one error record (line None). Corruption part-way through
keeps the records decoded before it and adds one error record naming the record offset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar

import fastavro
import pyarrow as pa

from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.gluetypes import CHOICE_METADATA, TIMESTAMP, glue_type_name

_PRIMITIVES: dict[str, pa.DataType] = {
    "null": pa.null(),
    "boolean": pa.bool_(),
    "int": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "bytes": pa.binary(),
    "string": pa.string(),
}


@dataclass(frozen=True)
class AvroFormat(FileFormat):
    """Avro object container files (any codec fastavro reads: null, deflate, bzip2, snappy, xz).

    Attributes:
        block_rows: Records per block.
    """

    name: ClassVar[str] = "avro"
    block_rows: int = DEFAULT_BLOCK_ROWS

    def read(self, handle: BinaryIO, url: str) -> ReadOutput:
        """Read the whole file (in memory, so a decoding error is never mistaken for I/O)."""
        data = handle.read()
        try:
            reader = fastavro.reader(io.BytesIO(data))
            converter = _Converter()
            schema = converter.arrow_schema(reader.writer_schema)
        except Exception as exc:  # fastavro raises many types for a bad header
            return ReadOutput(errors=[ErrorRecord.create(url, None, f"not a valid Avro file: {exc}", "")])
        rows: list[dict[str, Any]] = []
        errors: list[ErrorRecord] = []
        try:
            for record in reader:
                rows.append(converter.record(record, reader.writer_schema))  # type: ignore[arg-type]
        except Exception as exc:  # corrupt block data: keep what decoded, report the rest
            reason = f"corrupt Avro data after record {len(rows)}: {exc}"
            errors.append(ErrorRecord.create(url, None, reason, ""))
        output = ReadOutput(errors=errors, records=len(rows))
        for start in range(0, len(rows), self.block_rows):
            output.blocks.append(pa.Table.from_pylist(rows[start : start + self.block_rows], schema=schema))
        if not rows:
            output.blocks.append(schema.empty_table())
        return output


class _Converter:
    """Walks an Avro schema (resolving named types) into Arrow types and Python values."""

    def __init__(self) -> None:
        self.named: dict[str, Any] = {}

    def arrow_schema(self, schema: Any) -> pa.Schema:
        dtype = self.arrow_type(schema)
        if not pa.types.is_struct(dtype):
            raise ValueError("the top-level Avro schema must be a record")
        return pa.schema(list(self._fields(schema)))

    def _fields(self, schema: Any) -> list[pa.Field]:
        schema = self._resolve(schema)
        return [self._field(f["name"], f["type"]) for f in schema["fields"]]

    def _field(self, name: str, schema: Any) -> pa.Field:
        branches = self._branches(schema)
        if branches is not None and len(branches) > 1:
            members = [pa.field(glue_type_name(self.arrow_type(b)), self.arrow_type(b)) for b in branches]
            return pa.field(name, pa.struct(members), metadata=CHOICE_METADATA)
        return pa.field(name, self.arrow_type(schema))

    def _branches(self, schema: Any) -> list[Any] | None:
        if isinstance(schema, list):
            return [b for b in schema if b != "null"]
        return None

    def _resolve(self, schema: Any) -> Any:
        if isinstance(schema, str) and schema in self.named:
            return self.named[schema]
        if isinstance(schema, dict) and "name" in schema and schema.get("type") in ("record", "enum", "fixed"):
            name = schema["name"]
            self.named.setdefault(name, schema)
            # References may use the short or the namespace-qualified name.
            self.named.setdefault(name.rsplit(".", 1)[-1], schema)
            if schema.get("namespace") and "." not in name:
                self.named.setdefault(f"{schema['namespace']}.{name}", schema)
        return schema

    def arrow_type(self, schema: Any) -> pa.DataType:
        schema = self._resolve(schema)
        if isinstance(schema, list):
            branches = [b for b in schema if b != "null"]
            if not branches:
                return pa.null()
            if len(branches) == 1:
                return self.arrow_type(branches[0])
            # A nested union of several types: its make_struct form.
            return pa.struct([pa.field(glue_type_name(self.arrow_type(b)), self.arrow_type(b)) for b in branches])
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return _PRIMITIVES[schema]
            raise ValueError(f"unknown Avro type {schema!r}")
        logical = schema.get("logicalType")
        kind = schema.get("type")
        if logical == "date":
            return pa.date32()
        if logical in ("timestamp-millis", "timestamp-micros"):
            return TIMESTAMP
        if logical in ("local-timestamp-millis", "local-timestamp-micros"):
            return pa.timestamp("us")
        if logical == "decimal":
            return pa.decimal128(int(schema["precision"]), int(schema.get("scale", 0)))
        if logical == "uuid":
            return pa.string()
        if kind == "record":
            return pa.struct(self._fields(schema))
        if kind == "enum":
            return pa.string()
        if kind == "fixed":
            return pa.binary()
        if kind == "array":
            return pa.list_(self.arrow_type(schema["items"]))
        if kind == "map":
            return pa.map_(pa.string(), self.arrow_type(schema["values"]))
        return self.arrow_type(kind)

    def record(self, record: dict[str, Any], schema: Any) -> dict[str, Any]:
        schema = self._resolve(schema)
        return {f["name"]: self.value(record.get(f["name"]), f["type"]) for f in schema["fields"]}

    def value(self, value: Any, schema: Any) -> Any:
        if value is None:
            return None
        schema = self._resolve(schema)
        if isinstance(schema, list):
            branches = [b for b in schema if b != "null"]
            if len(branches) == 1:
                return self.value(value, branches[0])
            branch = _pick_branch(value, branches, self)
            return {glue_type_name(self.arrow_type(branch)): self.value(value, branch)}
        if isinstance(schema, dict):
            kind = schema.get("type")
            if kind == "record" and isinstance(value, dict):
                return self.record(value, schema)
            if kind == "array":
                return [self.value(v, schema["items"]) for v in value]
            if kind == "map":
                return [(k, self.value(v, schema["values"])) for k, v in value.items()]
            if schema.get("logicalType") == "uuid":
                return str(value)
        return value


def _pick_branch(value: Any, branches: list[Any], converter: _Converter) -> Any:
    """The union branch a decoded Python value came from (by the Arrow type family it fits)."""
    for branch in branches:
        dtype = converter.arrow_type(branch)
        if _fits(value, dtype):
            return branch
    raise ValueError(f"value {value!r} matches no branch of the union")


def _fits(value: Any, dtype: pa.DataType) -> bool:
    if isinstance(value, bool):
        return bool(pa.types.is_boolean(dtype))
    if isinstance(value, int):
        return bool(pa.types.is_integer(dtype))
    if isinstance(value, float):
        return bool(pa.types.is_floating(dtype))
    if isinstance(value, str):
        return bool(pa.types.is_string(dtype))
    if isinstance(value, bytes):
        return bool(pa.types.is_binary(dtype))
    if isinstance(value, dict):
        return bool(pa.types.is_struct(dtype) or pa.types.is_map(dtype))
    if isinstance(value, list):
        return bool(pa.types.is_list(dtype))
    return True
