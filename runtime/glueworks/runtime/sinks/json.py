"""JSON-lines sink with whole-file compression.

One object per line. Null fields (nested ones too) are left out of the object, as Spark's and
Glue's JSON writer do; dates and timestamps are ISO 8601, binary is base64, decimals are numbers, and unresolved
Choices are written in their ``make_struct`` form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa

from glueworks.runtime.formats.compression import CODEC_EXTENSIONS, CompressingWriter
from glueworks.runtime.sinks.staged import StagedFileSink, TableWriter, plain_value, to_json


@dataclass
class JsonSink(StagedFileSink):
    """Writes JSON-lines files under `location`.

    Attributes:
        compression: A codec of `glueworks.runtime.formats.compression` or ``"none"``.
    """

    compression: str = "none"

    def suffix(self) -> str:
        """``.json`` plus the codec's extension."""
        ext = CODEC_EXTENSIONS.get(self.compression)
        return f".json.{ext}" if ext else ".json"

    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """A JSON-lines writer over a compressing stream."""
        return _JsonWriter(CompressingWriter(stream, self.compression), file_schema)


class _JsonWriter:
    def __init__(self, out: CompressingWriter, schema: pa.Schema) -> None:
        self._out = out
        self._schema = schema

    def write_table(self, table: pa.Table) -> None:
        lines = []
        for row in table.to_pylist():
            record = {
                f.name: plain_value(row[f.name], f.type, omit_nulls=True)
                for f in self._schema
                if row[f.name] is not None
            }
            lines.append(to_json(record) + "\n")
        self._out.write("".join(lines).encode("utf-8"))

    def close(self) -> None:
        self._out.close()
