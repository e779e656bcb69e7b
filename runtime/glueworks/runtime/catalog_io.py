"""Data Catalog tables in jobs: writing (``write_dynamic_frame.from_catalog``, ``getSink(...).setCatalogInfo``),
and the reading names of `glueworks.runtime.catalog_read` re-exported.

Writing (`write_catalog_table`, `CatalogDataSink`): files go through the usual staged sinks;
when the output is committed (at once outside a job, at the end of a successful run inside one)
`register_output` records it in the catalog from the same place: new partitions, schema updates
(``updateBehavior="UPDATE_IN_DATABASE"``; ``"LOG"`` only logs them) and, when the table does not
exist yet, the table itself. The catalog is only changed with ``enableUpdateCatalog``;
``write_dynamic_frame.from_catalog`` without it writes files only, as in Glue.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pyarrow as pa

from glueworks.runtime.catalog_client import CatalogClient, require_catalog
from glueworks.runtime.catalog_read import (
    CatalogPartitionSource,
    PartitionedSplit,
    match_catalog_types,
    read_catalog_table,
    read_format_options,
    table_classification,
)
from glueworks.runtime.errors import GlueworksError, InvalidOptionError
from glueworks.runtime.hive_types import HIVE_STORAGE_FORMATS, hive_type_of_field
from glueworks.runtime.io_options import parse_write_options
from glueworks.runtime.sinks.base import CommitResult, Sink, WriteResult
from glueworks.runtime.sinks.data_sink import DataSink

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.frame import DynamicFrame

__all__ = [
    "CatalogDataSink",
    "CatalogPartitionSource",
    "CatalogTarget",
    "CatalogUpdateError",
    "PartitionedSplit",
    "RegisteredOutput",
    "match_catalog_types",
    "read_catalog_table",
    "register_output",
    "write_catalog_table",
]

_log = logging.getLogger(__name__)

UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")
_WRITE_OPTIONS = frozenset({"enableUpdateCatalog", "updateBehavior", "partitionKeys", "path", "compression"})
_TABLE_INPUT_MEMBERS = (
    "name", "description", "owner", "retention", "storage_descriptor", "partition_keys", "view_original_text",
    "view_expanded_text", "table_type", "parameters", "target_table",
)


class CatalogUpdateError(GlueworksError, OSError):
    """Committed output could not be registered in the Data Catalog (the run fails)."""

# --- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogTarget:
    """The catalog table an output is registered in.

    Attributes:
        database: The database (must exist).
        name: The table (created when missing).
        location: URL of the table's folder (where the output was written).
        classification: Format of the files (``parquet``, ``json``, ``csv``, ``orc``, ``avro``).
        partition_keys: Partition columns, outermost first.
        update_behavior: ``UPDATE_IN_DATABASE`` (apply schema changes) or ``LOG`` (log them only).
        csv_separator: Field separator of csv output.
    """

    database: str
    name: str
    location: str
    classification: str
    partition_keys: tuple[str, ...] = ()
    update_behavior: str = "UPDATE_IN_DATABASE"
    csv_separator: str = ","


@dataclass
class RegisteredOutput:
    """What `register_output` changed in the catalog."""

    table_created: bool = False
    table_updated: bool = False
    added_columns: list[str] = field(default_factory=list)
    partitions: list[list[str]] = field(default_factory=list)


def _storage_descriptor(target: CatalogTarget, columns: list[dict[str, str]], location: str) -> dict[str, Any]:
    formats = HIVE_STORAGE_FORMATS
    input_format, output_format, serde = formats.get(target.classification, formats["parquet"])
    serde_params = {"field.delim": target.csv_separator} if target.classification == "csv" else {}
    return {
        "columns": columns,
        "location": location,
        "input_format": input_format,
        "output_format": output_format,
        "serde_info": {"serialization_library": serde, "parameters": serde_params},
        "parameters": {"classification": target.classification},
    }


def _partition_values(files: Sequence[str], location: str, keys: Sequence[str]) -> list[list[str]]:
    """Distinct partition values of committed files, from their ``key=value`` folders."""
    if not keys:
        return []
    root = location.rstrip("/")
    found: dict[tuple[str, ...], None] = {}
    for url in files:
        relative = url[len(root):].lstrip("/") if url.startswith(root) else url
        folders = posixpath.dirname(relative).split("/")
        pairs = dict(part.split("=", 1) for part in folders if "=" in part)
        if all(key in pairs for key in keys):
            found[tuple(unquote(pairs[key]) for key in keys)] = None
    return [list(values) for values in found]


def register_output(
    client: CatalogClient, target: CatalogTarget, commit_result: CommitResult, schema: pa.Schema
) -> RegisteredOutput:
    """Record committed output in the catalog: create the table if missing, apply schema updates
    (new columns, changed types) per `target.update_behavior`, and add the new partitions.

    Call it right after the files of `commit_result` are committed. Partitions that exist are
    left as they are, so calling it again for the same output changes nothing.

    Raises:
        CatalogUpdateError: The database does not exist, or the catalog refused a change.
    """
    from glueworks.runtime.schema import strip_choices

    flat = strip_choices(schema)
    keys = list(target.partition_keys)
    columns = [{"name": f.name, "type": hive_type_of_field(f)} for f in flat if f.name not in keys]
    key_columns = [
        {"name": key, "type": hive_type_of_field(flat.field(key)) if key in flat.names else "string"} for key in keys
    ]
    out = RegisteredOutput()
    table = client.get_table(target.database, target.name)
    try:
        if table is None:
            client.create_table(target.database, {
                "name": target.name,
                "table_type": "EXTERNAL_TABLE",
                "parameters": {"classification": target.classification},
                "partition_keys": key_columns,
                "storage_descriptor": _storage_descriptor(target, columns, target.location),
            })
            out.table_created = True
            out.added_columns = [c["name"] for c in columns]
        else:
            _update_schema(client, target, table, columns, out)
        values = _partition_values(commit_result.files, commit_result.location, keys)
        if values:
            root = commit_result.location.rstrip("/")
            partitions = []
            for vals in values:
                folder = "/".join(f"{k}={v}" for k, v in zip(keys, vals, strict=True))
                partitions.append({
                    "values": vals,
                    "storage_descriptor": _storage_descriptor(target, columns, f"{root}/{folder}/"),
                })
            errors = client.batch_create_partition(target.database, target.name, partitions)
            if errors:
                first = errors[0]
                raise CatalogUpdateError(
                    f"could not register {len(errors)} partitions of {target.database}.{target.name}; first: "
                    f"{first.get('values')}: {first.get('code')}: {first.get('message')}"
                )
            out.partitions = values
    except CatalogUpdateError:
        raise
    except Exception as exc:  # the SDK's errors (AccessDenied, EntityNotFound …) end the run visibly
        raise CatalogUpdateError(
            f"could not register output in {target.database}.{target.name}: {type(exc).__name__}: {exc}"
        ) from exc
    return out


def _update_schema(
    client: CatalogClient,
    target: CatalogTarget,
    table: Mapping[str, Any],
    columns: list[dict[str, str]],
    out: RegisteredOutput,
) -> None:
    sd = dict(table.get("storage_descriptor") or {})
    existing = [dict(c) for c in sd.get("columns") or []]
    by_name = {c["name"].lower(): c for c in existing}
    changed: list[str] = []
    for column in columns:
        current = by_name.get(column["name"].lower())
        if current is None:
            existing.append(column)
            out.added_columns.append(column["name"])
        elif str(current.get("type", "")).replace(" ", "").lower() != column["type"].lower():
            changed.append(f"{column['name']}: {current.get('type')} -> {column['type']}")
            current["type"] = column["type"]
    if not out.added_columns and not changed:
        return
    summary = f"new columns {out.added_columns}, changed types {changed}"
    if target.update_behavior == "LOG":
        _log.warning("schema of %s.%s differs from the output (%s); updateBehavior=LOG leaves it",
                     target.database, target.name, summary)
        out.added_columns = []
        return
    sd["columns"] = existing
    table_input = {k: table[k] for k in _TABLE_INPUT_MEMBERS if k in table}
    table_input["storage_descriptor"] = sd
    client.update_table(target.database, table_input)
    out.table_updated = True
    _log.info("updated the schema of %s.%s: %s", target.database, target.name, summary)


@dataclass
class _RegisteringSink(Sink):
    """Wraps the file sink of a catalog write: commit makes the files visible, then registers them.

    It never travels to tasks (the executor writes with the inner sink), so it may hold a client.
    """

    inner: Sink
    client: CatalogClient
    target: CatalogTarget
    schema: pa.Schema

    def start(self) -> None:
        """Start the inner sink."""
        self.inner.start()

    def write_part(self, part_index: int, blocks: Sequence[pa.Table], schema: pa.Schema) -> WriteResult:
        """Write through the inner sink."""
        return self.inner.write_part(part_index, blocks, schema)

    def commit(self, results: Sequence[WriteResult]) -> CommitResult:
        """Commit the files, then register them in the catalog."""
        result = self.inner.commit(results)
        registered = register_output(self.client, self.target, result, self.schema)
        _log.info("registered output in %s.%s: %s", self.target.database, self.target.name, registered)
        return result

    def abort(self) -> None:
        """Remove the staged files (nothing was registered)."""
        self.inner.abort()

    def staging_url(self) -> str | None:
        """The inner sink's staging folder.

        `prepare_commit` is not delegated: a catalog write is committed and registered by the
        driver, so the catalog never lists files that are not visible yet.
        """
        return self.inner.staging_url()


def _update_options(options: Mapping[str, Any], prefix: str) -> tuple[bool, str]:
    raw = options.get("enableUpdateCatalog", False)
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        raw = raw.strip().lower() == "true"
    if not isinstance(raw, bool):
        raise InvalidOptionError(f"{prefix}enableUpdateCatalog", f"must be true or false, got {raw!r}")
    behavior = options.get("updateBehavior", "UPDATE_IN_DATABASE")
    if behavior not in UPDATE_BEHAVIORS:
        raise InvalidOptionError(f"{prefix}updateBehavior", f"must be one of {UPDATE_BEHAVIORS}, got {behavior!r}")
    return raw, str(behavior)


def write_catalog_table(
    glue_context: GlueContext,
    frame: DynamicFrame,
    database: str,
    table_name: str,
    additional_options: Mapping[str, Any] | None = None,
    *,
    format: str | None = None,
    format_options: Mapping[str, Any] | None = None,
    client: CatalogClient | None = None,
    option_prefix: str = "additional_options.",
) -> DynamicFrame:
    """Write a frame to a catalog table's location in its format (runs the plan once).

    With ``enableUpdateCatalog`` the committed output is registered (`register_output`); the
    table is created when missing, which needs a ``path``. Without it only files are written.

    Raises:
        CatalogNotConfiguredError: No catalog is reachable from this process.
        InvalidOptionError: No such table (and nothing to create it from), or a bad option.
    """
    from glueworks.runtime.frame import DynamicFrame

    if not isinstance(frame, DynamicFrame):
        raise InvalidOptionError("frame", f"must be a DynamicFrame, got {type(frame).__name__}")
    for value, option in ((database, "database"), (table_name, "table_name")):
        if not isinstance(value, str) or not value.strip():
            raise InvalidOptionError(option, f"must be a non-empty string, got {value!r}")
    options = dict(additional_options or {})
    unknown = sorted(set(options) - _WRITE_OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(_WRITE_OPTIONS))
        raise InvalidOptionError(f"{option_prefix}{unknown[0]}", f"unknown option; supported: {allowed}")
    enable, behavior = _update_options(options, option_prefix)
    catalog = require_catalog("write_dynamic_frame.from_catalog", client)
    table = catalog.get_table(database, table_name)
    sd = (table or {}).get("storage_descriptor") or {}
    path = options.get("path") or sd.get("location")
    if table is None and not (enable and path):
        raise InvalidOptionError(
            "table_name",
            f"table {database}.{table_name} is not in the Data Catalog (to create it, pass enableUpdateCatalog=True "
            "and a path)",
        )
    if not path:
        raise InvalidOptionError("table_name", f"table {database}.{table_name} has no storage_descriptor.location")
    name = format or (table_classification(table) if table is not None else "parquet")
    if "partitionKeys" in options:
        keys = options["partitionKeys"]
    else:
        keys = [k["name"] for k in (table or {}).get("partition_keys") or []]
    connection: dict[str, Any] = {"path": path, "partitionKeys": keys}
    if "compression" in options:
        connection["compression"] = options["compression"]
    fmt_options = dict(format_options if format_options is not None else (
        {"separator": read_format_options("csv", table).get("separator", ",")}
        if name == "csv" and table is not None else {}
    ))
    ctx = glue_context.run_context
    write = parse_write_options("s3", connection, name, fmt_options, {}, ctx.storage_options)
    table_location = f"{database}.{table_name}.storage_descriptor.location"
    option = "additional_options.path" if options.get("path") else table_location
    glue_context.executor.check_location(write.location, option)
    executed = frame._execute()
    schema = frame._schema_of(executed)
    write.check_partition_keys(schema)
    inner = write.make_sink(glue_context.next_write_token())
    sink: Sink = inner
    if enable:
        target = CatalogTarget(
            database=database.lower(),
            name=table_name.lower(),
            location=write.location.url,
            classification="parquet" if write.format == "parquet" else write.format,
            partition_keys=write.partition_keys,
            update_behavior=behavior,
            csv_separator=str(fmt_options.get("separator", ",")),
        )
        sink = _RegisteringSink(inner, catalog, target, schema)
    sink.start()
    try:
        ctx.output_started(inner)
        results = glue_context.executor.write(executed.parts, schema, inner)
        ctx.output_written(sink, results)
    except BaseException:
        sink.abort()
        raise
    return frame


class CatalogDataSink(DataSink):
    """What ``GlueContext.getSink`` returns: a `DataSink` that can also update the catalog.

    ``getSink(connection_type="s3", path=…, enableUpdateCatalog=True, updateBehavior=…,
    partitionKeys=[…])``, then ``setCatalogInfo(catalogDatabase=…, catalogTableName=…)``,
    ``setFormat(…)`` and ``writeFrame(frame)``.
    """

    _catalog: tuple[str, str] | None = None

    def setCatalogInfo(self, catalogDatabase: str, catalogTableName: str, catalogId: str = "") -> None:
        """Name the catalog table the output belongs to (registered with ``enableUpdateCatalog``)."""
        for value, option in ((catalogDatabase, "catalogDatabase"), (catalogTableName, "catalogTableName")):
            if not isinstance(value, str) or not value.strip():
                raise InvalidOptionError(option, f"must be a non-empty string, got {value!r}")
        self._catalog = (catalogDatabase, catalogTableName)

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:
        """Write the frame; with ``enableUpdateCatalog`` and catalog info, register it in the catalog."""
        options = dict(self._options)
        enable, _ = _update_options(options, "getSink.")
        if self._catalog is None:
            if enable:
                raise InvalidOptionError("setCatalogInfo", "enableUpdateCatalog needs setCatalogInfo(...) first")
            options.pop("enableUpdateCatalog", None)
            options.pop("updateBehavior", None)
            return self._glue_context.write_dynamic_frame.from_options(
                frame=dynamic_frame,
                connection_type=self._connection_type,
                connection_options=options,
                format=self._format,
                format_options=self._format_options,
                transformation_ctx=self._transformation_ctx,
            )
        if self._connection_type != "s3":
            raise InvalidOptionError("connection_type", f"only 's3' is supported, got {self._connection_type!r}")
        database, table = self._catalog
        return write_catalog_table(
            self._glue_context,
            dynamic_frame,
            database,
            table,
            options,
            format=self._format,
            format_options=self._format_options if self._format is not None else None,
            client=self._glue_context.catalog_client,
            option_prefix="getSink.",
        )

    write = writeFrame
