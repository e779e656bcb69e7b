"""Checking the options of ``from_options`` reads and writes, before any I/O.

Unknown option names are refused (a typo must not silently change what is read). Glue options
that only tune performance (``maxBand``, ``optimizePerformance`` …) are accepted and ignored;
Glue options that would change results but are not supported yet (``boundedSize`` …) are
refused with a message saying so.

Formats: ``json``, ``csv``, ``parquet`` (``glueparquet`` on write), ``orc``, ``avro``.
Whole-file compression (``compressionType`` on read, ``compression`` on write) applies to
json and csv; parquet, orc and avro compress inside the file (``compression`` picks the codec).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.formats import AvroFormat, CsvFormat, FileFormat, JsonFormat, OrcFormat, ParquetFormat
from glueworks.runtime.formats.compression import normalize_codec
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.locations import Location, StorageOptions, parse_location
from glueworks.runtime.sinks.avro import AVRO_CODECS, AvroSink
from glueworks.runtime.sinks.base import Sink
from glueworks.runtime.sinks.csv import CsvSink
from glueworks.runtime.sinks.json import JsonSink
from glueworks.runtime.sinks.orc import ORC_COMPRESSIONS, OrcSink
from glueworks.runtime.sinks.parquet import COMPRESSIONS, ParquetSink
from glueworks.runtime.sources import FileSource

_log = logging.getLogger(__name__)

_IGNORED_CONNECTION = frozenset({"useS3ListImplementation", "maxBand", "maxFilesInBand"})
_UNSUPPORTED_CONNECTION = frozenset({"boundedSize", "boundedFiles", "isFailFast"})
_IGNORED_FORMAT = frozenset({"optimizePerformance", "useGlueParquetWriter", "blockSize", "pageSize", "version"})
_UNSUPPORTED_FORMAT = frozenset({"withSchema"})
_READ_FORMATS = ("json", "csv", "parquet", "orc", "avro")
_TEXT_FORMATS = ("json", "csv")
_FORMAT_KEYS: dict[str, set[str]] = {
    "json": {"multiLine", "multiline", "jsonPath"},
    "csv": {"separator", "quoteChar", "escaper", "withHeader", "skipFirst", "multiLine", "multiline"},
    "parquet": set(),
    "orc": set(),
    "avro": set(),
}
_WRITE_FORMAT_KEYS: dict[str, set[str]] = {
    "json": {"compression"},
    "csv": {"separator", "quoteChar", "escaper", "writeHeader", "compression"},
    "parquet": {"compression"},
    "orc": {"compression"},
    "avro": {"compression"},
}


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


def _format_name(format: Any, allowed: Sequence[str]) -> str:
    name = format.lower() if isinstance(format, str) else format
    if name == "glueparquet" and "parquet" in allowed:
        return "parquet"
    if name not in allowed:
        raise InvalidOptionError("format", f"must be one of {', '.join(allowed)}, got {format!r}")
    return str(name)


def _char(value: Any, option: str, allow_disable: bool = False) -> str | None:
    if allow_disable and value in (-1, "-1"):
        return None
    if not isinstance(value, str) or len(value) != 1:
        extra = " (or -1 to disable quoting)" if allow_disable else ""
        raise InvalidOptionError(option, f"must be a single character{extra}, got {value!r}")
    return value


def _exclusions(value: Any) -> tuple[str, ...]:
    option = "connection_options.exclusions"
    if isinstance(value, str):
        # Glue takes a JSON list in a string: "[\"**.pdf\"]".
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidOptionError(option, f"must be a JSON list of glob patterns: {exc.msg}") from exc
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise InvalidOptionError(option, "must be a list of glob patterns (strings)")
    return tuple(value)


def _group_options(connection: Mapping[str, Any]) -> tuple[bool, int | None]:
    group = connection.get("groupFiles", "none")
    if group not in ("inPartition", "none", "acrossPartition"):
        raise InvalidOptionError("connection_options.groupFiles", f"must be 'inPartition' or 'none', got {group!r}")
    size: int | None = None
    if "groupSize" in connection:
        raw = connection["groupSize"]
        try:
            size = int(raw)
        except (TypeError, ValueError):
            size = -1
        if isinstance(raw, bool) or size <= 0:
            raise InvalidOptionError("connection_options.groupSize", f"must be a positive number of bytes, got {raw!r}")
    return group != "none", size


def parse_format(name: str, options: Mapping[str, Any], compression: str | None) -> FileFormat:
    """Build the reader of format `name` from checked ``format_options``."""
    _check_keys(options, "format_options", _FORMAT_KEYS[name], _IGNORED_FORMAT, _UNSUPPORTED_FORMAT)
    multiline = _bool(options.get("multiLine", options.get("multiline", False)), "format_options.multiLine")
    if name == "json":
        path = options.get("jsonPath")
        if path is not None and not isinstance(path, str):
            raise InvalidOptionError("format_options.jsonPath", f"must be a string such as '$[*]', got {path!r}")
        return JsonFormat(multiline=multiline, json_path=path, compression=compression)
    if name == "csv":
        return CsvFormat(
            separator=_char(options.get("separator", ","), "format_options.separator") or ",",
            quote_char=_char(options.get("quoteChar", '"'), "format_options.quoteChar", allow_disable=True),
            escaper=_char(options["escaper"], "format_options.escaper") if options.get("escaper") else None,
            with_header=_bool(options.get("withHeader", False), "format_options.withHeader"),
            skip_first=_bool(options.get("skipFirst", False), "format_options.skipFirst"),
            multiline=multiline,
            compression=compression,
        )
    if name == "orc":
        return OrcFormat()
    if name == "avro":
        return AvroFormat()
    return ParquetFormat()


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
    supported = {"paths", "recurse", "exclusions", "compressionType", "groupFiles", "groupSize"}
    _check_keys(connection, "connection_options", supported, _IGNORED_CONNECTION, _UNSUPPORTED_CONNECTION)
    paths = connection.get("paths")
    if isinstance(paths, str) or not isinstance(paths, Sequence) or not paths:
        raise InvalidOptionError("connection_options.paths", "must be a non-empty list of paths")
    locations = tuple(
        parse_location(path, f"connection_options.paths[{i}]", storage_options) for i, path in enumerate(paths)
    )
    recurse = _bool(connection.get("recurse", False), "connection_options.recurse")
    exclusions = _exclusions(connection["exclusions"]) if "exclusions" in connection else ()
    group_files, group_size = _group_options(connection)
    name = _format_name(format, _READ_FORMATS)
    compression: str | None = None
    if "compressionType" in connection:
        if name not in _TEXT_FORMATS:
            raise InvalidOptionError(
                "connection_options.compressionType", f"applies to json and csv; {name} compresses inside the file"
            )
        compression = normalize_codec(connection["compressionType"], "connection_options.compressionType")
    file_format = parse_format(name, _mapping(format_options, "format_options"), compression)
    return FileSource(locations, recurse, file_format, exclusions, group_files, group_size)


@dataclass(frozen=True)
class WriteOptions:
    """Checked options of ``write_dynamic_frame.from_options``.

    Attributes:
        location: The output folder.
        partition_keys: Columns to partition by.
        compression: The codec (meaning depends on the format).
        format: ``json``, ``csv``, ``parquet``, ``orc`` or ``avro``.
        format_options: The checked format options.
    """

    location: Location
    partition_keys: tuple[str, ...]
    compression: str
    format: str = "parquet"
    format_options: Mapping[str, Any] = field(default_factory=dict)

    def make_sink(self, run_token: str) -> Sink:
        """The sink that writes this output, staged under `run_token`."""
        location, keys, compression = self.location, self.partition_keys, self.compression
        opts = self.format_options
        if self.format == "csv":
            return CsvSink(
                location=location,
                partition_keys=keys,
                run_token=run_token,
                separator=_char(opts.get("separator", ","), "format_options.separator") or ",",
                quote_char=_char(opts.get("quoteChar", '"'), "format_options.quoteChar", allow_disable=True),
                escaper=_char(opts["escaper"], "format_options.escaper") if opts.get("escaper") else None,
                write_header=_bool(opts.get("writeHeader", True), "format_options.writeHeader"),
                compression=compression,
            )
        if self.format == "json":
            return JsonSink(location=location, partition_keys=keys, run_token=run_token, compression=compression)
        if self.format == "orc":
            return OrcSink(location=location, partition_keys=keys, run_token=run_token, compression=compression)
        if self.format == "avro":
            return AvroSink(location=location, partition_keys=keys, run_token=run_token, compression=compression)
        return ParquetSink(location=location, partition_keys=keys, run_token=run_token, compression=compression)

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


def _write_compression(name: str, value: Any, option: str) -> str:
    if name in _TEXT_FORMATS:
        return normalize_codec(value, option)
    text = "none" if value is None else str(value).lower()
    if text == "uncompressed":
        text = "none"
    allowed: Sequence[str]
    if name == "parquet":
        allowed = sorted(COMPRESSIONS)
    elif name == "orc":
        allowed = sorted(ORC_COMPRESSIONS)
    else:
        text = {"none": "null", "gzip": "deflate", "bz2": "bzip2"}.get(text, text)
        allowed = AVRO_CODECS
    if text not in allowed:
        raise InvalidOptionError(option, f"must be one of {list(allowed)} for {name}, got {value!r}")
    return text


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
    supported = {"path", "partitionKeys", "compression"}
    _check_keys(
        connection, "connection_options", supported, _IGNORED_CONNECTION | {"groupFiles", "groupSize"}, frozenset()
    )
    if "path" not in connection:
        raise InvalidOptionError("connection_options.path", "is required")
    location = parse_location(connection["path"], "connection_options.path", storage_options)
    keys = connection.get("partitionKeys", [])
    if isinstance(keys, str) or not isinstance(keys, Sequence) or not all(isinstance(k, str) and k for k in keys):
        raise InvalidOptionError("connection_options.partitionKeys", "must be a list of column names")
    if len(set(keys)) != len(keys):
        raise InvalidOptionError("connection_options.partitionKeys", "lists a column twice")
    name = _format_name(format, _READ_FORMATS)
    options = _mapping(format_options, "format_options")
    _check_keys(options, "format_options", _WRITE_FORMAT_KEYS[name], _IGNORED_FORMAT, frozenset())
    default = {"parquet": "snappy", "orc": "snappy", "avro": "deflate"}.get(name, "none")
    if "compression" in options and "compression" in connection and options["compression"] != connection["compression"]:
        raise InvalidOptionError("format_options.compression", "differs from connection_options.compression")
    option = "format_options.compression" if "compression" in options else "connection_options.compression"
    compression = _write_compression(name, options.get("compression", connection.get("compression", default)), option)
    if name == "csv":
        # Check the CSV options now, before any data is written.
        WriteOptions(location, tuple(keys), compression, name, options).make_sink("check")
    return WriteOptions(location, tuple(keys), compression, name, dict(options))
