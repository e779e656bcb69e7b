"""Sinks: destinations written through staging (start → write each part → commit or abort)."""

from glueworks.runtime.sinks.base import CommitResult, Sink, StagedFile, WriteResult
from glueworks.runtime.sinks.parquet import ParquetSink

__all__ = ["CommitResult", "ParquetSink", "Sink", "StagedFile", "WriteResult"]
