"""File formats: one module per format, each a `FileFormat` that reads one file."""

from glueworks.runtime.formats.base import DEFAULT_BLOCK_ROWS, FileFormat, ReadOutput
from glueworks.runtime.formats.json import JsonFormat
from glueworks.runtime.formats.parquet import ParquetFormat

__all__ = ["DEFAULT_BLOCK_ROWS", "FileFormat", "JsonFormat", "ParquetFormat", "ReadOutput"]
