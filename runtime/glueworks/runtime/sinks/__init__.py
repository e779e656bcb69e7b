"""Sinks: destinations written through staging (start → write each part → commit or abort)."""

from glueworks.runtime.sinks.avro import AvroSink
from glueworks.runtime.sinks.base import CommitResult, Sink, StagedFile, WriteResult
from glueworks.runtime.sinks.csv import CsvSink
from glueworks.runtime.sinks.data_sink import DataSink
from glueworks.runtime.sinks.json import JsonSink
from glueworks.runtime.sinks.orc import OrcSink
from glueworks.runtime.sinks.parquet import ParquetSink
from glueworks.runtime.sinks.staged import StagedFileSink

__all__ = [
    "AvroSink",
    "CommitResult",
    "CsvSink",
    "DataSink",
    "JsonSink",
    "OrcSink",
    "ParquetSink",
    "Sink",
    "StagedFile",
    "StagedFileSink",
    "WriteResult",
]
