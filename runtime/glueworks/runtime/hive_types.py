"""Hive type strings (the catalog's column types) to Arrow types and back.

``array<struct<a:int,b:string>>`` ↔ ``list<struct<a: int32, b: string>>``. Primitive names follow
`glueworks.runtime.gluetypes.parse_type_name` (``bigint``, ``decimal(12,2)``, ``timestamp`` …);
``char(n)``/``varchar(n)`` read as strings.

Example:
    >>> arrow_type("map<string,array<bigint>>", "type")
    MapType(map<string, list<item: int64>>)
    >>> hive_type(arrow_type("struct<a:int,b:decimal(5,2)>", "type"))
    'struct<a:int,b:decimal(5,2)>'
"""

from __future__ import annotations

import re

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.gluetypes import parse_type_name

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
#: (InputFormat, OutputFormat, SerDe) of a catalog table by file format, as Glue writes them.
HIVE_STORAGE_FORMATS: dict[str, tuple[str, str, str]] = {
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
    "json": (TEXT_INPUT, TEXT_OUTPUT, "org.openx.data.jsonserde.JsonSerDe"),
    "csv": (TEXT_INPUT, TEXT_OUTPUT, "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
    "orc": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
    "avro": (
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
    ),
}

__all__ = ["HIVE_STORAGE_FORMATS", "TEXT_INPUT", "TEXT_OUTPUT", "arrow_type", "hive_type", "hive_type_of_field"]

_SIZED_TEXT = re.compile(r"^(?:var)?char\s*\(\s*\d+\s*\)$")


class _Reader:
    def __init__(self, text: str, option: str) -> None:
        self.text = text
        self.pos = 0
        self.option = option

    def fail(self, problem: str) -> InvalidOptionError:
        return InvalidOptionError(self.option, f"bad Hive type {self.text!r}: {problem}")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, ch: str) -> None:
        self.skip()
        if not self.text.startswith(ch, self.pos):
            raise self.fail(f"expected {ch!r} at {self.pos}")
        self.pos += 1

    def name(self) -> str:
        self.skip()
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|`[^`]+`").match(self.text, self.pos)
        if match is None:
            raise self.fail(f"expected a name at {self.pos}")
        self.pos = match.end()
        return match.group(0).strip("`")

    def parse(self) -> pa.DataType:
        self.skip()
        word = self.name().lower()
        if word == "array":
            self.expect("<")
            item = self.parse()
            self.expect(">")
            return pa.list_(item)
        if word == "map":
            self.expect("<")
            key = self.parse()
            self.expect(",")
            value = self.parse()
            self.expect(">")
            return pa.map_(key, value)
        if word == "struct":
            self.expect("<")
            fields: list[pa.Field] = []
            self.skip()
            if not self.text.startswith(">", self.pos):
                while True:
                    field_name = self.name()
                    self.expect(":")
                    fields.append(pa.field(field_name, self.parse()))
                    self.skip()
                    if not self.text.startswith(",", self.pos):
                        break
                    self.pos += 1
            self.expect(">")
            return pa.struct(fields)
        self.skip()
        if self.text.startswith("(", self.pos):
            end = self.text.find(")", self.pos)
            if end < 0:
                raise self.fail("unclosed '('")
            word += self.text[self.pos : end + 1]
            self.pos = end + 1
        if _SIZED_TEXT.match(word):
            return pa.string()
        dtype = parse_type_name(word, self.option)
        if dtype is None:
            raise self.fail(f"{word!r} needs its element types")
        return dtype


def arrow_type(text: str, option: str) -> pa.DataType:
    """Parse a Hive type string into an Arrow type.

    Raises:
        InvalidOptionError: The string is not a Hive type; the message names `option`.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidOptionError(option, f"must be a Hive type string, got {text!r}")
    reader = _Reader(text, option)
    dtype = reader.parse()
    reader.skip()
    if reader.pos != len(text):
        raise reader.fail(f"unexpected text at {reader.pos}")
    return dtype


def hive_type(dtype: pa.DataType) -> str:
    """The Hive type string of an Arrow type (unsigned integers widen; dictionaries are their values)."""
    if pa.types.is_dictionary(dtype):
        return hive_type(dtype.value_type)
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        bits = dtype.bit_width + (8 if pa.types.is_unsigned_integer(dtype) else 0)
        return "tinyint" if bits <= 8 else "smallint" if bits <= 16 else "int" if bits <= 32 else "bigint"
    if pa.types.is_float16(dtype) or pa.types.is_float32(dtype):
        return "float"
    if pa.types.is_floating(dtype):
        return "double"
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return "string"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype) or pa.types.is_fixed_size_binary(dtype):
        return "binary"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_timestamp(dtype):
        return "timestamp"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return f"array<{hive_type(dtype.value_type)}>"
    if pa.types.is_map(dtype):
        return f"map<{hive_type(dtype.key_type)},{hive_type(dtype.item_type)}>"
    if pa.types.is_struct(dtype):
        inner = ",".join(f"{f.name}:{hive_type_of_field(f)}" for f in dtype)
        return f"struct<{inner}>"
    # A column that only held nulls (and any type Hive lacks): Glue's crawlers call it string.
    return "string"


def hive_type_of_field(field: pa.Field) -> str:
    """The Hive type of a field; an unresolved Choice is written as its struct form (as Glue writes it)."""
    return hive_type(field.type)
