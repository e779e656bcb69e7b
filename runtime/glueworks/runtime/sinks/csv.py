"""CSV sink: Glue's ``separator``, ``quoteChar``, ``escaper``, ``writeHeader`` and whole-file compression.

Values are written as text: null as an empty field, booleans as ``true``/``false``, dates and
timestamps in ISO 8601, binary in base64, and nested values (structs, arrays, maps, unresolved
Choices in their ``make_struct`` form) as compact JSON.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyarrow as pa

from glueworks.runtime.formats.compression import CODEC_EXTENSIONS, CompressingWriter
from glueworks.runtime.sinks.staged import StagedFileSink, TableWriter, json_default, plain_value, to_json


@dataclass
class CsvSink(StagedFileSink):
    """Writes CSV files under `location`.

    Attributes:
        separator: Field delimiter.
        quote_char: Quote character, or None to never quote (then `escaper`, default ``\\``, escapes).
        escaper: Escape character, or None.
        write_header: Write the column names first in each file.
        compression: A codec of `glueworks.runtime.formats.compression` or ``"none"``.
    """

    separator: str = ","
    quote_char: str | None = '"'
    escaper: str | None = None
    write_header: bool = True
    compression: str = "none"

    def suffix(self) -> str:
        """``.csv`` plus the codec's extension."""
        ext = CODEC_EXTENSIONS.get(self.compression)
        return f".csv.{ext}" if ext else ".csv"

    def open_writer(self, stream: BinaryIO, file_schema: pa.Schema) -> TableWriter:
        """A CSV writer over a compressing stream."""
        dialect: dict[str, Any] = {"delimiter": self.separator, "lineterminator": "\n"}
        if self.quote_char is None:
            dialect.update(quoting=csv.QUOTE_NONE, escapechar=self.escaper or "\\")
        else:
            dialect.update(quotechar=self.quote_char, escapechar=self.escaper, quoting=csv.QUOTE_MINIMAL)
        writer = _CsvWriter(CompressingWriter(stream, self.compression), dialect, file_schema)
        if self.write_header:
            writer.write_row(file_schema.names)
        return writer


class _CsvWriter:
    def __init__(self, out: CompressingWriter, dialect: dict[str, Any], schema: pa.Schema) -> None:
        self._out = out
        self._dialect = dialect
        self._schema = schema

    def write_row(self, row: list[str]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, **self._dialect).writerow(row)
        self._out.write(buffer.getvalue().encode("utf-8"))

    def write_table(self, table: pa.Table) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, **self._dialect)
        columns = [
            [_text(plain_value(v, f.type)) for v in table.column(i).to_pylist()] for i, f in enumerate(self._schema)
        ]
        writer.writerows(zip(*columns, strict=True))
        self._out.write(buffer.getvalue().encode("utf-8"))

    def close(self) -> None:
        self._out.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return to_json(value)
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = json_default(value)
    return str(text)
