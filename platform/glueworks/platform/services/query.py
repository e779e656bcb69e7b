"""SQL over catalog tables: DuckDB embedded in the platform, reading each table's files through fsspec.

For one query (`QueryService.run`):

1. The SQL is checked and its tables found with DuckDB's parser (`glueworks.platform.services.query_sql`):
   one SELECT, no table functions.
2. Each table is looked up in the tenant's catalog (another tenant's tables do not exist here). Its files
   are listed through fsspec (local folders inside the allowed roots, ``s3://`` with the platform's storage
   options); for a partitioned table only the partitions the ``WHERE`` allows (equality and ``IN`` on
   partition keys, evaluated by the catalog's partition filter) are listed. The files become a
   ``pyarrow.dataset`` whose fragments carry their partition values, registered in DuckDB as
   ``database.table`` (and ``table`` for the query's default database).
3. External access is then switched off and the configuration locked, so the SQL cannot read files, attach
   databases, install or load extensions or change settings; each query has its own in-memory DuckDB.
4. The query runs with a row limit (the server's default, at most its cap) and a timeout that interrupts
   the connection.

Costs: listing the chosen partitions' folders, then DuckDB reads only the columns and row groups it needs.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from glueworks.platform.errors import GlueworksError, InvalidInputError
from glueworks.platform.locations import parse_location
from glueworks.platform.services.catalog import CatalogService
from glueworks.platform.services.query_sql import parse_query
from glueworks.platform.settings import QuerySettings

__all__ = ["QueryResult", "QueryService", "QueryTimeoutError", "jsonable"]

log = logging.getLogger(__name__)
_INTEGRAL = frozenset({"tinyint", "smallint", "int", "integer", "bigint", "long"})
_FORMATS = ("parquet", "csv", "json", "orc")


class QueryTimeoutError(GlueworksError):
    """A query ran past its timeout and was interrupted."""

    code = "OperationTimeoutException"


@dataclass(frozen=True)
class QueryResult:
    """Rows of a query.

    Attributes:
        table: The rows (at most the row limit).
        truncated: Whether the query had more rows than the limit.
        files_read: How many files the registered tables list (after partition pruning).
    """

    table: pa.Table
    truncated: bool
    files_read: int

    @property
    def columns(self) -> list[dict[str, str]]:
        """``[{"name", "type"}]`` with Arrow type names."""
        return [{"name": f.name, "type": str(f.type)} for f in self.table.schema]

    def rows(self) -> list[list[Any]]:
        """Rows as JSON-ready lists (dates and times ISO 8601, fractional decimals as strings, bytes as hex)."""
        columns = [self.table.column(i).to_pylist() for i in range(self.table.num_columns)]
        return [[jsonable(column[r]) for column in columns] for r in range(self.table.num_rows)]


def jsonable(value: Any) -> Any:
    """A value JSON can carry without losing it."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Whole decimals (DuckDB's sum of integers is a 128-bit integer) are exact as JSON integers.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class QueryService:
    """Runs read-only SQL over a tenant's catalog tables.

    Args:
        catalog: The catalog services.
        settings: Row limits, timeouts and DuckDB resources.
        storage_options: fsspec options per protocol (``{"s3": {...}}``).
        file_roots: Local folders table files may be read from.
    """

    def __init__(
        self,
        catalog: CatalogService,
        settings: QuerySettings,
        storage_options: Mapping[str, Mapping[str, Any]],
        file_roots: Sequence[Path],
    ) -> None:
        self._catalog = catalog
        self._settings = settings
        self._storage_options = {k: dict(v) for k, v in storage_options.items()}
        self._file_roots = list(file_roots)

    def run(
        self,
        tenant_id: str,
        sql: object,
        *,
        database: str | None = None,
        max_rows: int | None = None,
        timeout_seconds: float | None = None,
    ) -> QueryResult:
        """Run one SELECT over catalog tables of `tenant_id`.

        Raises:
            InvalidInputError: naming ``sql``, ``database``, ``max_rows`` or ``timeout_seconds``; also a
                query DuckDB refuses (an unknown column, a file access, a setting).
            EntityNotFoundError: A named database or table is not in the tenant's catalog.
            QueryTimeoutError: The query ran past its timeout.
        """
        limit = self._max_rows(max_rows)
        timeout = self._timeout(timeout_seconds)
        if database is not None and (not isinstance(database, str) or not database.strip()):
            raise InvalidInputError("must be a database name", field="database")
        parsed = parse_query(sql)
        import duckdb

        config: dict[str, Any] = {
            "threads": self._settings.threads,
            "memory_limit": self._settings.memory_limit,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "python_enable_replacements": False,
        }
        con = duckdb.connect(":memory:", config=config)
        try:
            files = 0
            registered: set[str] = set()
            for index, ref in enumerate(parsed.tables):
                db = (ref.database or database or "").lower()
                if not db:
                    raise InvalidInputError(
                        f"table {ref.name!r} has no database: write database.{ref.name} or pass database",
                        field="database",
                    )
                dataset, count = self._dataset(tenant_id, db, ref.name, parsed.equalities.get(ref, {}))
                files += count
                handle = f"__glueworks_table_{index}"
                con.register(handle, dataset)
                schema = db if ref.database else "main"
                key = f"{schema}.{ref.name}"
                if key in registered:
                    continue
                registered.add(key)
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
                con.execute(f"CREATE VIEW {_quote(schema)}.{_quote(ref.name)} AS SELECT * FROM {_quote(handle)}")
            # From here on the SQL cannot reach anything but the registered tables.
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            table, truncated = self._execute(con, parsed.sql, limit, timeout)
            return QueryResult(table, truncated, files)
        finally:
            con.close()

    def _max_rows(self, value: int | None) -> int:
        cap = self._settings.max_rows_cap
        if value is None:
            return min(self._settings.default_max_rows, cap)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= cap:
            raise InvalidInputError(f"must be an integer from 1 to {cap}, got {value!r}", field="max_rows")
        return value

    def _timeout(self, value: float | None) -> float:
        cap = self._settings.max_timeout
        if value is None:
            return min(self._settings.default_timeout, cap)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= cap:
            raise InvalidInputError(f"must be a number of seconds above 0, at most {cap}, got {value!r}",
                                    field="timeout_seconds")
        return float(value)

    def _execute(self, con: Any, sql: str, limit: int, timeout: float) -> tuple[pa.Table, bool]:
        import duckdb

        timed_out = threading.Event()

        def interrupt() -> None:
            timed_out.set()
            con.interrupt()

        timer = threading.Timer(timeout, interrupt)
        timer.daemon = True
        timer.start()
        try:
            reader = con.sql(sql).to_arrow_reader(min(limit + 1, 10_000))
            batches: list[pa.RecordBatch] = []
            rows = 0
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows > limit:
                    break
            table = pa.Table.from_batches(batches, schema=reader.schema)
        except duckdb.Error as exc:
            if timed_out.is_set():
                raise QueryTimeoutError(f"the query ran longer than its timeout of {timeout:g} s") from exc
            raise InvalidInputError(str(exc).splitlines()[0], field="sql") from exc
        finally:
            timer.cancel()
        if timed_out.is_set():
            raise QueryTimeoutError(f"the query ran longer than its timeout of {timeout:g} s")
        return table.slice(0, limit), table.num_rows > limit

    # --- tables as datasets ---------------------------------------------------------------------------

    def _dataset(
        self, tenant_id: str, database: str, name: str, equalities: Mapping[str, list[str]]
    ) -> tuple[ds.Dataset, int]:
        from glueworks.runtime.errors import InvalidOptionError
        from glueworks.runtime.hive_types import arrow_type

        table = self._catalog.tables.get(tenant_id, database, name)
        sd = table.get("StorageDescriptor") or {}
        where = f"{database}.{name}"
        if not sd.get("Location"):
            raise InvalidInputError(f"table {where} has no StorageDescriptor.Location to read", field="sql")
        classification = _classification(table)
        keys = [(str(k["Name"]).lower(), str(k.get("Type") or "string")) for k in table.get("PartitionKeys") or []]
        try:
            columns = [
                pa.field(str(c["Name"]).lower(), arrow_type(str(c.get("Type") or "string"), f"{where}.{c['Name']}"))
                for c in sd.get("Columns") or []
                if str(c["Name"]).lower() not in {k for k, _ in keys}
            ]
            key_fields = [pa.field(k, arrow_type(t, f"{where}.{k}")) for k, t in keys]
        except InvalidOptionError as exc:
            raise InvalidInputError(str(exc), field="sql") from exc
        file_format = _file_format(classification, table, [f.name for f in columns])
        fs, root = self._filesystem(sd["Location"], f"{where} location")
        pafs = self._arrow_filesystem(fs)
        pieces: list[tuple[str, ds.Expression | None]] = []
        if not keys:
            pieces = [(path, None) for path in _list(fs, root)]
        else:
            for partition in self._partitions(tenant_id, database, name, keys, equalities):
                values = partition["Values"]
                folder = (partition.get("StorageDescriptor") or {}).get("Location")
                if folder:
                    _, path = self._filesystem(folder, f"{where} partition {values}")
                else:
                    path = posixpath.join(root, *(f"{k}={v}" for (k, _), v in zip(keys, values, strict=True)))
                expression = _partition_expression(key_fields, values)
                pieces.extend((file, expression) for file in _list(fs, path))
        if columns:
            file_schema = pa.schema(columns)
        elif pieces:
            file_schema = ds.dataset([p for p, _ in pieces[:1]], format=file_format, filesystem=pafs).schema
            file_schema = pa.schema([f for f in file_schema if f.name not in {k for k, _ in keys}])
        else:
            file_schema = pa.schema([])
        if isinstance(file_format, ds.JsonFileFormat) and columns:
            import pyarrow.json as pj

            file_format = ds.JsonFileFormat(
                parse_options=pj.ParseOptions(explicit_schema=file_schema, unexpected_field_behavior="ignore")
            )
        schema = pa.schema([*file_schema, *key_fields])
        fragments = [
            file_format.make_fragment(path, filesystem=pafs, partition_expression=expression)
            if expression is not None
            else file_format.make_fragment(path, filesystem=pafs)
            for path, expression in pieces
        ]
        return ds.FileSystemDataset(fragments, schema=schema, format=file_format, filesystem=pafs), len(pieces)

    def _partitions(
        self,
        tenant_id: str,
        database: str,
        name: str,
        keys: Sequence[tuple[str, str]],
        equalities: Mapping[str, list[str]],
    ) -> list[dict[str, Any]]:
        terms = []
        for key, hive in keys:
            values = equalities.get(key)
            if not values:
                continue
            integral = hive.strip().lower() in _INTEGRAL
            if integral and not all(v.lstrip("-").isdigit() for v in values):
                continue
            if not integral and any("'" in v for v in values):
                continue
            items = ", ".join(v if integral else f"'{v}'" for v in values)
            terms.append(f"{key} IN ({items})")
        expression = " AND ".join(terms) or None
        out: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page, token = self._catalog.partitions.page(
                tenant_id, database, name, expression=expression, next_token=token, exclude_columns=True
            )
            out.extend(page)
            if token is None:
                return out

    def _arrow_filesystem(self, fs: Any) -> Any:
        """The native Arrow filesystem that reads what fsspec listed.

        Files are listed through fsspec; reading goes through Arrow's own filesystem built from the same
        options, because DuckDB scans on its own threads, where Python filesystem callbacks can deadlock.
        """
        import pyarrow.fs as pafs

        if "s3" not in fs.protocol and "s3a" not in fs.protocol:
            return pafs.LocalFileSystem()
        options = self._storage_options.get("s3", {})
        client = dict(options.get("client_kwargs") or {})
        kwargs: dict[str, Any] = {}
        endpoint = str(client.get("endpoint_url") or "")
        if endpoint:
            scheme, _, rest = endpoint.partition("://")
            kwargs["endpoint_override"], kwargs["scheme"] = (rest, scheme) if rest else (endpoint, "https")
        if client.get("region_name"):
            kwargs["region"] = client["region_name"]
        if options.get("key"):
            kwargs["access_key"], kwargs["secret_key"] = options["key"], options.get("secret")
        return pafs.S3FileSystem(**kwargs)

    def _filesystem(self, url: str, what: str) -> tuple[Any, str]:
        import fsspec

        location = parse_location(url, field=what, file_roots=self._file_roots)
        fs = fsspec.filesystem(location.scheme, **self._storage_options.get(location.scheme, {}))
        return fs, location.path.rstrip("/") or "/"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _classification(table: Mapping[str, Any]) -> str:
    sd = table.get("StorageDescriptor") or {}
    for params in (table.get("Parameters") or {}, sd.get("Parameters") or {}):
        value = str(params.get("classification") or "").lower()
        if value:
            value = "parquet" if value == "glueparquet" else value
            if value not in _FORMATS:
                raise InvalidInputError(
                    f"table {table.get('Name')!r} is {value}; SQL reads {', '.join(_FORMATS)} tables", field="sql"
                )
            return value
    hints = " ".join(str(x).lower() for x in (sd.get("InputFormat"), (sd.get("SerdeInfo") or {}).get(
        "SerializationLibrary")) if x)
    for name, marker in (("parquet", "parquet"), ("orc", "orc"), ("json", "json"), ("csv", "opencsv"),
                         ("csv", "lazysimple")):
        if marker in hints:
            return name
    raise InvalidInputError(f"table {table.get('Name')!r} has no classification SQL can read", field="sql")


def _file_format(classification: str, table: Mapping[str, Any], names: list[str]) -> ds.FileFormat:
    if classification == "parquet":
        return ds.ParquetFileFormat()
    if classification == "orc":
        return ds.OrcFileFormat()
    if classification == "json":
        return ds.JsonFileFormat()
    import pyarrow.csv as pcsv

    sd = table.get("StorageDescriptor") or {}
    params = {**(table.get("Parameters") or {}), **((sd.get("SerdeInfo") or {}).get("Parameters") or {})}
    separator = str(params.get("separatorChar") or params.get("field.delim") or ",")
    header = str(params.get("skip.header.line.count", "0")).strip() not in ("", "0")
    read = pcsv.ReadOptions(column_names=names, skip_rows=1 if header else 0) if names else pcsv.ReadOptions()
    return ds.CsvFileFormat(parse_options=pcsv.ParseOptions(delimiter=separator), read_options=read)


def _partition_expression(fields: Sequence[pa.Field], values: Sequence[str]) -> ds.Expression | None:
    expression: ds.Expression | None = None
    for field, value in zip(fields, values, strict=True):
        try:
            scalar = pa.scalar(value, pa.string()).cast(field.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            log.warning("partition value %r does not fit %s %s; it reads as null", value, field.name, field.type)
            scalar = pa.scalar(None, field.type)
        term = ds.field(field.name) == scalar if scalar.is_valid else ds.field(field.name).is_null()
        expression = term if expression is None else expression & term
    return expression


def _list(fs: Any, root: str) -> list[str]:
    """Files under `root` (recursively), skipping names starting with ``_`` or ``.`` as Hadoop does."""
    if not fs.exists(root):
        return []
    if fs.isfile(root):
        return [root]
    out = []
    for path in fs.find(root, withdirs=False):
        relative = posixpath.relpath(path, root)
        if any(part.startswith(("_", ".")) for part in relative.split("/")):
            continue
        out.append(path)
    return sorted(out)
