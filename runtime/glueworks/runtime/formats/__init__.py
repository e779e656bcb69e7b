"""File formats: one module per format, each a `FileFormat` that reads one file."""

from glueworks.runtime.formats.avro import AvroFormat
from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.formats.compression import CompressedInputError
from glueworks.runtime.formats.csv import CsvFormat
from glueworks.runtime.formats.json import JsonFormat
from glueworks.runtime.formats.orc import OrcFormat
from glueworks.runtime.formats.parquet import ParquetFormat

__all__ = [
    "DEFAULT_BLOCK_ROWS",
    "AvroFormat",
    "CompressedInputError",
    "CsvFormat",
    "FileFormat",
    "JsonFormat",
    "OrcFormat",
    "ParquetFormat",
    "ReadOutput",
]
