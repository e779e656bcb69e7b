"""Checking the options of ``from_options`` reads and writes, before any I/O.

Unknown option names are refused (a typo must not silently change what is read). Glue options
that only tune performance (``groupFiles``, ``groupSize`` …) are accepted and ignored; Glue
options that would change results but are not supported yet (``exclusions``, ``jsonPath`` …)
are refused with a message saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.formats import FileFormat, JsonFormat, ParquetFormat
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.locations import Location, StorageOptions, parse_location
from glueworks.runtime.sinks.parquet import COMPRESSIONS
from glueworks.runtime.sources import FileSource

_log = logging.getLogger(__name__)

_IGNORED_CONNECTION = frozenset(
    {"groupFiles", "groupSize", "compressionType", "useS3ListImplementation", "maxBand", "maxFilesInBand"}
)
_UNSUPPORTED_CONNECTION = frozenset({"exclusions", "boundedSize", "boundedFiles", "isFailFast"})
_IGNORED_FORMAT = frozenset({"optimizePerformance", "useGlueParquetWriter", "blockSize", "pageSize"})
_UNSUPPORTED_FORMAT = frozenset({"jsonPath", "withSchema"})


def _mapping(value: Any, option: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidOptionError(option, f"must be a dict, got {type(value).__name__}")
    return value


def _check_keys(
    options: Mapping[str, Any], option: str, supported: set[str], ignored: frozenset[str], unsupported: frozenset[str]
) -> None:
    for key in options:
        if key in supported:
            continue
        if key in ignored:
            _log.info("%s.%s is a tuning option glueworks ignores", option, key)
            continue
        if key in unsupported:
            raise InvalidOptionError(f"{option}.{key}", "is not supported yet")
        allowed = ", ".join(sorted(supported))
        raise InvalidOptionError(f"{option}.{key}", f"unknown option; supported: {allowed}")


def _bool(value: Any, option: str) -> bool:
    # Glue passes booleans as strings too ("true").
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidOptionError(option, f"must be true or false, got {value!r}")


def _check_connection_type(connection_type: Any) -> None:
    if connection_type != "s3":
        raise InvalidOptionError(
            "connection_type", f"only 's3' (files through fsspec) is supported, got {connection_type!r}"
        )


def _no_extra(kwargs: Mapping[str, Any]) -> None:
    if kwargs:
        raise InvalidOptionError(sorted(kwargs)[0], "unknown argument")


def parse_read_options(
    connection_type: Any,
    connection_options: Any,
    format: Any,
    format_options: Any,
    push_down_predicate: Any,
    kwargs: Mapping[str, Any],
    storage_options: StorageOptions,
) -> FileSource:
    """Check the arguments of ``create_dynamic_frame.from_options`` and build the source."""
    _check_connection_type(connection_type)
    _no_extra(kwargs)
    if push_down_predicate:
        raise InvalidOptionError("push_down_predicate", "is not supported yet")
    connection = _mapping(connection_options, "connection_options")
    _check_keys(connection, "connection_options", {"paths", "recurse"}, _IGNORED_CONNECTION, _UNSUPPORTED_CONNECTION)
    paths = connection.get("paths")
    if isinstance(paths, str) or not isinstance(paths, Sequence) or not paths:
        raise InvalidOptionError("connection_options.paths", "must be a non-empty list of paths")
    locations = tuple(
        parse_location(path, f"connection_options.paths[{i}]", storage_options) for i, path in enumerate(paths)
    )
    recurse = _bool(connection.get("recurse", False), "connection_options.recurse")
    options = _mapping(format_options, "format_options")
    file_format: FileFormat
    name = format.lower() if isinstance(format, str) else format
    if name == "json":
        _check_keys(options, "format_options", {"multiLine", "multiline"}, _IGNORED_FORMAT, _UNSUPPORTED_FORMAT)
        multiline = options.get("multiLine", options.get("multiline", False))
        file_format = JsonFormat(multiline=_bool(multiline, "format_options.multiLine"))
    elif name == "parquet":
        _check_keys(options, "format_options", set(), _IGNORED_FORMAT, _UNSUPPORTED_FORMAT)
        file_format = ParquetFormat()
    else:
        raise InvalidOptionError("format", f"must be 'json' or 'parquet', got {format!r}")
    return FileSource(locations, recurse, file_format)


@dataclass(frozen=True)
class WriteOptions:
    """Checked options of ``write_dynamic_frame.from_options``."""

    location: Location
    partition_keys: tuple[str, ...]
    compression: str

    def check_partition_keys(self, schema: pa.Schema) -> None:
        """Each partition key must be a top-level column holding plain values.

        Raises:
            InvalidOptionError: A key is missing, a Choice, or nested.
        """
        for key in self.partition_keys:
            option = "connection_options.partitionKeys"
            if key not in schema.names:
                raise InvalidOptionError(option, f"{key!r} is not a column of the frame (columns: {schema.names})")
            field = schema.field(key)
            if is_choice(field):
                raise InvalidOptionError(option, f"{key!r} is a choice; resolve it with resolveChoice first")
            if pa.types.is_nested(field.type):
                raise InvalidOptionError(option, f"{key!r} is {field.type}; partition keys must be plain values")
        if self.partition_keys and set(self.partition_keys) == set(schema.names):
            raise InvalidOptionError("connection_options.partitionKeys", "cannot partition by every column")


def parse_write_options(
    connection_type: Any,
    connection_options: Any,
    format: Any,
    format_options: Any,
    kwargs: Mapping[str, Any],
    storage_options: StorageOptions,
) -> WriteOptions:
    """Check the arguments of ``write_dynamic_frame.from_options``."""
    _check_connection_type(connection_type)
    _no_extra(kwargs)
    connection = _mapping(connection_options, "connection_options")
    _check_keys(connection, "connection_options", {"path", "partitionKeys"}, _IGNORED_CONNECTION, frozenset())
    if "path" not in connection:
        raise InvalidOptionError("connection_options.path", "is required")
    location = parse_location(connection["path"], "connection_options.path", storage_options)
    keys = connection.get("partitionKeys", [])
    if isinstance(keys, str) or not isinstance(keys, Sequence) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidOptionError("connection_options.partitionKeys", "must be a list of column names")
    if len(set(keys)) != len(keys):
        raise InvalidOptionError("connection_options.partitionKeys", "lists a column twice")
    name = format.lower() if isinstance(format, str) else format
    if name not in ("parquet", "glueparquet"):
        raise InvalidOptionError("format", f"only 'parquet' can be written yet, got {format!r}")
    options = _mapping(format_options, "format_options")
    _check_keys(options, "format_options", {"compression"}, _IGNORED_FORMAT, frozenset())
    compression = str(options.get("compression", "snappy")).lower()
    if compression == "uncompressed":
        compression = "none"
    if compression not in COMPRESSIONS:
        raise InvalidOptionError(
            "format_options.compression", f"must be one of {sorted(COMPRESSIONS)}, got {compression!r}"
        )
    return WriteOptions(location, tuple(keys), compression)
