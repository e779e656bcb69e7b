"""Reading Data Catalog tables from a job (``create_dynamic_frame.from_catalog``, ``match_catalog``).

The table's location, classification and SerDe options come from the catalog. For a partitioned
table the partitions are chosen *before* any file is listed: ``catalogPartitionPredicate`` goes to
GetPartitions' ``Expression`` (evaluated by the catalog), then ``push_down_predicate`` (Spark SQL
over partition columns, see `glueworks.runtime.partition_predicate`) is evaluated on the partition
values here. Only the chosen partitions' folders are listed and read, and each row gets the
partition columns with their catalog types. `glueworks.runtime.catalog_io` re-exports these names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.catalog_client import CatalogClient, require_catalog
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.formats.base import ReadOutput
from glueworks.runtime.hive_types import arrow_type
from glueworks.runtime.io_options import parse_format
from glueworks.runtime.locations import Location, StorageOptions, parse_location
from glueworks.runtime.partition_predicate import HIVE_NULL, compile_predicate
from glueworks.runtime.plan import Read
from glueworks.runtime.sources import FileSource, Split

if TYPE_CHECKING:
    from glueworks.runtime.context import GlueContext
    from glueworks.runtime.frame import DynamicFrame

__all__ = [
    "CatalogPartitionSource",
    "PartitionedSplit",
    "match_catalog_types",
    "read_catalog_table",
    "read_format_options",
    "table_classification",
]

_log = logging.getLogger(__name__)

_READ_OPTIONS = frozenset({"catalogPartitionPredicate", "recurse"})

@dataclass(frozen=True)
class PartitionedSplit(Split):
    """A split of one partition: the inner split's rows plus the partition columns.

    Attributes:
        inner: The file (or file group) split.
        columns: ``(name, arrow type, value)`` per partition key; a None value is null.
    """

    inner: Split
    columns: tuple[tuple[str, pa.DataType, str | None], ...]

    @property
    def split_id(self) -> str:
        """The inner split's id (the file URLs already name the partition)."""
        return self.inner.split_id

    @property
    def size(self) -> int:
        """Bytes of the inner split."""
        return self.inner.size

    def read(self) -> ReadOutput:
        """Read the inner split and add (or replace) the partition columns in every block."""
        out = self.inner.read()
        out.blocks = [self._with_columns(block) for block in out.blocks]
        return out

    def _with_columns(self, block: pa.Table) -> pa.Table:
        for name, dtype, value in self.columns:
            column = _constant(value, dtype, block.num_rows)
            index = block.schema.get_field_index(name)
            if index >= 0:
                block = block.set_column(index, pa.field(name, column.type), column)
            else:
                block = block.append_column(pa.field(name, column.type), column)
        return block


def _constant(value: str | None, dtype: pa.DataType, rows: int) -> pa.Array:
    if value is None:
        return pa.nulls(rows, dtype)
    text = pa.array([value] * rows, pa.string())
    try:
        return pc.cast(text, dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # A folder value the catalog type cannot hold stays text rather than being lost.
        return text


@dataclass(frozen=True)
class CatalogPartitionSource(FileSource):
    """The chosen partitions of a catalog table: each folder listed and read when the plan runs.

    Attributes:
        partitions: ``(folder, columns)`` per partition, ``columns`` as in `PartitionedSplit`.
    """

    partitions: tuple[tuple[Location, tuple[tuple[str, pa.DataType, str | None], ...]], ...] = field(default=())

    def splits(self, parallelism: int | None = None) -> list[Split]:
        """List each chosen partition's folder (only those) and tag its splits with its values.

        A partition folder that does not exist holds no data (the catalog may list partitions
        whose files were removed), so it adds nothing.
        """
        out: list[Split] = []
        for folder, columns in self.partitions:
            one = replace(self, locations=(folder,), partitions=())
            try:
                inner = FileSource.splits(one, parallelism)
            except FileNotFoundError:
                _log.warning("partition folder %s is in the catalog but does not exist", folder.url)
                continue
            out.extend(PartitionedSplit(split, columns) for split in inner)
        return out


def table_classification(table: Mapping[str, Any]) -> str:
    sd = table.get("storage_descriptor") or {}
    for params in (table.get("parameters") or {}, sd.get("parameters") or {}):
        value = params.get("classification")
        if value:
            name = str(value).lower()
            return "parquet" if name == "glueparquet" else name
    hints = " ".join(
        str(x).lower()
        for x in (sd.get("input_format"), (sd.get("serde_info") or {}).get("serialization_library"))
        if x
    )
    for name, marker in (("parquet", "parquet"), ("orc", "orc"), ("avro", "avro"), ("json", "json"),
                         ("csv", "opencsv"), ("csv", "lazysimple")):
        if marker in hints:
            return name
    raise InvalidOptionError(
        "table_name", f"table {table.get('name')!r} has no classification the runtime can read (json, csv, "
        "parquet, orc, avro): set Parameters.classification"
    )


def read_format_options(name: str, table: Mapping[str, Any]) -> dict[str, Any]:
    if name != "csv":
        return {}
    sd = table.get("storage_descriptor") or {}
    serde = (sd.get("serde_info") or {}).get("parameters") or {}
    params = {**(table.get("parameters") or {}), **serde}
    options: dict[str, Any] = {}
    separator = params.get("separatorChar") or params.get("field.delim")
    if separator:
        options["separator"] = separator
    if params.get("quoteChar"):
        options["quoteChar"] = params["quoteChar"]
    if params.get("escapeChar"):
        options["escaper"] = params["escapeChar"]
    if str(params.get("skip.header.line.count", "0")).strip() not in ("", "0"):
        options["withHeader"] = True
    return options


def _partition_folder(
    table_location: Location, partition: Mapping[str, Any], keys: Sequence[str], storage: StorageOptions
) -> Location:
    sd = partition.get("storage_descriptor") or {}
    if sd.get("location"):
        return parse_location(sd["location"], "partition.storage_descriptor.location", storage)
    relative = "/".join(f"{key}={value}" for key, value in zip(keys, partition["values"], strict=True))
    return table_location.child(relative)


def read_catalog_table(
    glue_context: GlueContext,
    database: str,
    table_name: str,
    push_down_predicate: str = "",
    additional_options: Mapping[str, Any] | None = None,
    transformation_ctx: str = "",
    client: CatalogClient | None = None,
) -> DynamicFrame:
    """A frame over a catalog table; the partitions to read are chosen now (catalog calls),
    their files are listed and read when the frame runs.

    Raises:
        CatalogNotConfiguredError: No catalog is reachable from this process.
        InvalidOptionError: No such table, an unreadable classification, a bad predicate or an
            unknown option; the message names it.
    """
    from glueworks.runtime.frame import DynamicFrame

    for value, option in ((database, "database"), (table_name, "table_name")):
        if not isinstance(value, str) or not value.strip():
            raise InvalidOptionError(option, f"must be a non-empty string, got {value!r}")
    options = dict(additional_options or {})
    unknown = sorted(set(options) - _READ_OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(_READ_OPTIONS))
        raise InvalidOptionError(f"additional_options.{unknown[0]}", f"unknown option; supported: {allowed}")
    catalog = require_catalog("from_catalog", client)
    table = catalog.get_table(database, table_name)
    if table is None:
        raise InvalidOptionError("table_name", f"table {database}.{table_name} is not in the Data Catalog")
    sd = table.get("storage_descriptor") or {}
    if not sd.get("location"):
        raise InvalidOptionError("table_name", f"table {database}.{table_name} has no storage_descriptor.location")
    storage = glue_context.run_context.storage_options
    option = f"{database}.{table_name}.storage_descriptor.location"
    location = parse_location(sd["location"], option, storage)
    glue_context.executor.check_location(location, option)
    name = table_classification(table)
    file_format = parse_format(name, read_format_options(name, table), None)
    recurse = options.get("recurse", True)
    if recurse not in (True, False, "true", "false"):
        raise InvalidOptionError("additional_options.recurse", f"must be true or false, got {recurse!r}")
    recurse = recurse in (True, "true")
    keys = [(str(k["name"]), str(k.get("type") or "string")) for k in table.get("partition_keys") or []]
    if not keys:
        if push_down_predicate or options.get("catalogPartitionPredicate"):
            raise InvalidOptionError("push_down_predicate", f"table {database}.{table_name} has no partition keys")
        source = FileSource((location,), recurse, file_format)
        return DynamicFrame(Read(source), glue_context, transformation_ctx)
    test = compile_predicate(push_down_predicate, keys) if push_down_predicate else None
    expression = options.get("catalogPartitionPredicate") or None
    if expression is not None and not isinstance(expression, str):
        raise InvalidOptionError("additional_options.catalogPartitionPredicate", "must be a string")
    types = [(key, arrow_type(hive, f"{database}.{table_name}.partition_keys.{key}")) for key, hive in keys]
    names = [key for key, _ in keys]
    chosen = []
    for partition in catalog.get_partitions(database, table_name, expression):
        values = [str(v) for v in partition.get("values") or []]
        if len(values) != len(keys) or (test is not None and not test(values)):
            continue
        folder = _partition_folder(location, partition, names, storage)
        glue_context.executor.check_location(folder, "partition.storage_descriptor.location")
        columns = tuple(
            (key, dtype, None if value == HIVE_NULL else value)
            for (key, dtype), value in zip(types, values, strict=True)
        )
        chosen.append((folder, columns))
    chosen.sort(key=lambda item: item[0].url)
    partitioned = CatalogPartitionSource((location,), recurse, file_format, partitions=tuple(chosen))
    return DynamicFrame(Read(partitioned), glue_context, transformation_ctx)


def match_catalog_types(
    client: CatalogClient | None, database: str, table_name: str, paths: Sequence[tuple[str, ...]]
) -> list[pa.DataType]:
    """The catalog type of each Choice path (``resolveChoice(choice="match_catalog")``).

    A path steps through struct columns (``("address", "zip")``); names match case-insensitively,
    as Hive column names do.

    Raises:
        CatalogNotConfiguredError: No catalog is reachable.
        InvalidOptionError: No such table, or a path the table has no column for.
    """
    if not database and not table_name:
        raise InvalidOptionError("choice", "match_catalog needs the Data Catalog table: pass database= and table_name=")
    for value, option in ((database, "database"), (table_name, "table_name")):
        if not isinstance(value, str) or not value.strip():
            raise InvalidOptionError(option, f"choice='match_catalog' needs {option}=, got {value!r}")
    catalog = require_catalog("resolveChoice(choice='match_catalog')", client)
    table = catalog.get_table(database, table_name)
    if table is None:
        raise InvalidOptionError("table_name", f"table {database}.{table_name} is not in the Data Catalog")
    columns = [*((table.get("storage_descriptor") or {}).get("columns") or []), *(table.get("partition_keys") or [])]
    fields = [pa.field(str(c["name"]), arrow_type(str(c.get("type") or "string"), f"columns.{c['name']}"))
              for c in columns]
    out = []
    for path in paths:
        dtype: pa.DataType | None = pa.struct(fields)
        for name in path:
            child = None
            if dtype is not None and pa.types.is_struct(dtype):
                child = next((f for f in dtype if f.name.lower() == name.lower()), None)
            dtype = None if child is None else child.type
        if dtype is None:
            raise InvalidOptionError(
                "choice", f"{'.'.join(path)!r} has no column in {database}.{table_name} to match"
            )
        out.append(dtype)
    return out
