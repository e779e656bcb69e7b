"""`client.catalog`: the Data Catalog (databases, tables, partitions) over `/v1/catalog`.

Bodies are Glue's catalog shapes with snake_case member names, passed as keyword arguments or dicts, e.g.
`storage_descriptor={"columns": [{"name": "id", "type": "bigint"}], "location": "s3://b/events/"}`. They are
sent as given: the server checks them against Glue's model and its error names any bad member. Replies are
the typed models of `glueworks.sdk.models_catalog`, which keep every member the server sends.

Example:
    >>> client.catalog.databases.create("sales")  # doctest: +SKIP
    >>> keys = [{"name": "day", "type": "date"}]
    >>> client.catalog.tables.create("sales", "events", partition_keys=keys)  # doctest: +SKIP
    >>> client.catalog.partitions.create("sales", "events", ["2026-11-01"])  # doctest: +SKIP
    >>> found = client.catalog.partitions.iter("sales", "events", expression="day >= '2026-11-01'")  # doctest: +SKIP
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from glueworks.sdk._transport import Transport, path_segment
from glueworks.sdk.errors import APIError
from glueworks.sdk.models_catalog import (
    BatchResult,
    CatalogDeleted,
    Database,
    DatabaseList,
    Partition,
    PartitionDeleted,
    PartitionList,
    PartitionsFound,
    Table,
    TableList,
    TableVersion,
    TableVersionList,
)

__all__ = ["Catalog", "Databases", "Partitions", "Tables"]

_Item = TypeVar("_Item")


def _params(**values: str | int | None) -> dict[str, str | int]:
    """Query parameters without the ones left out."""
    return {key: value for key, value in values.items() if value is not None}


def _walk(fetch: Callable[[str | None], Any], items: Callable[[Any], Sequence[_Item]], what: str) -> Iterator[_Item]:
    """Yield the items of every page, following `next_token` until the last page."""
    token: str | None = None
    while True:
        page = fetch(token)
        yield from items(page)
        if page.next_token is None:
            return
        if page.next_token == token:
            raise APIError(f"server returned the same next_token twice ({token!r}) listing {what}")
        token = page.next_token


def _db(database: str) -> str:
    return f"/catalog/databases/{path_segment(database, 'database')}"


def _tbl(database: str, table: str) -> str:
    return f"{_db(database)}/tables/{path_segment(table, 'table')}"


def _values_query(values: Sequence[str]) -> str:
    # The transport's params take one value per key; a partition is named by repeating `values`.
    if isinstance(values, str) or not values:
        raise ValueError("values must be a non-empty list of partition values, in partition-key order")
    return urlencode([("values", value) for value in values])


class Databases:
    """Catalog databases; reached as `client.catalog.databases`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, name: str, **fields: Any) -> Database:
        """Create a database.

        Args:
            name: Database name (the server stores it lower-cased, as Glue does).
            **fields: Other `DatabaseInput` members in snake_case: `description`, `location_uri`, `parameters`.

        Raises:
            AlreadyExistsException: A database with that name exists.
            InvalidInputException: A member is unknown or invalid (the error names it).
        """
        body = {"name": name, **fields}
        return self._transport.request_model(Database, "POST", "/catalog/databases", json=body)

    def get(self, name: str) -> Database:
        """Return the database `name`.

        Raises:
            EntityNotFoundException: There is no such database.
        """
        return self._transport.request_model(Database, "GET", _db(name))

    def list(self, *, max_results: int | None = None, next_token: str | None = None) -> DatabaseList:
        """Return one page of databases; use `iter()` to walk all pages."""
        params = _params(max_results=max_results, next_token=next_token)
        return self._transport.request_model(DatabaseList, "GET", "/catalog/databases", params=params)

    def iter(self, *, max_results: int | None = None) -> Iterator[Database]:
        """Yield every database, one request per page."""
        return _walk(
            lambda token: self.list(max_results=max_results, next_token=token), lambda p: p.databases, "databases"
        )

    def update(self, name: str, **fields: Any) -> Database:
        """Replace a database's definition (Glue `UpdateDatabase`): members left out are cleared.

        Args:
            name: The database to change.
            **fields: `DatabaseInput` members in snake_case; `name` is the database's name unless given.

        Raises:
            EntityNotFoundException: There is no such database.
        """
        body = {"name": name, **fields}
        return self._transport.request_model(Database, "PUT", _db(name), json=body)

    def delete(self, name: str) -> str:
        """Delete a database and everything in it; returns its name.

        Raises:
            EntityNotFoundException: There is no such database.
        """
        return self._transport.request_model(CatalogDeleted, "DELETE", _db(name)).name


class Tables:
    """Catalog tables; reached as `client.catalog.tables`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, database: str, name: str, **fields: Any) -> Table:
        """Create a table.

        Args:
            database: The database to create it in.
            name: Table name (stored lower-cased).
            **fields: Other `TableInput` members in snake_case, e.g. `storage_descriptor={...}`,
                `partition_keys=[{"name": "day", "type": "date"}]`, `table_type`, `parameters`.

        Raises:
            EntityNotFoundException: There is no such database.
            AlreadyExistsException: The table exists.
            InvalidInputException: A member is unknown or invalid (the error names it).
        """
        body = {"name": name, **fields}
        return self._transport.request_model(Table, "POST", f"{_db(database)}/tables", json=body)

    def get(self, database: str, name: str) -> Table:
        """Return the table `database.name`.

        Raises:
            EntityNotFoundException: There is no such database or table.
        """
        return self._transport.request_model(Table, "GET", _tbl(database, name))

    def list(
        self,
        database: str,
        *,
        expression: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> TableList:
        """Return one page of the tables of `database`; use `iter()` to walk all pages.

        Args:
            database: The database.
            expression: A regular expression that must match the whole table name, case-insensitively
                (e.g. `events_.*`); None lists all.
            max_results: Page size; None takes the server's default.
            next_token: The `next_token` of the previous page.
        """
        params = _params(expression=expression, max_results=max_results, next_token=next_token)
        return self._transport.request_model(TableList, "GET", f"{_db(database)}/tables", params=params)

    def iter(self, database: str, *, expression: str | None = None, max_results: int | None = None) -> Iterator[Table]:
        """Yield every table of `database` (matching `expression`), one request per page."""
        return _walk(
            lambda token: self.list(database, expression=expression, max_results=max_results, next_token=token),
            lambda p: p.tables,
            "tables",
        )

    def update(
        self,
        database: str,
        name: str,
        *,
        version_id: str | None = None,
        skip_archive: bool = False,
        **fields: Any,
    ) -> Table:
        """Replace a table's definition (Glue `UpdateTable`): restate every member to keep, partition keys too.

        Args:
            database: The database.
            name: The table.
            version_id: Only update if the table is still at this version (else ConcurrentModificationException).
            skip_archive: Do not keep the old definition as a version.
            **fields: `TableInput` members in snake_case.

        Raises:
            EntityNotFoundException: There is no such table.
            ConcurrentModificationException: `version_id` is not the current version.
        """
        params = _params(version_id=version_id, skip_archive="true" if skip_archive else None)
        return self._transport.request_model(Table, "PUT", _tbl(database, name), params=params, json=fields)

    def delete(self, database: str, name: str) -> str:
        """Delete a table and its partitions; returns its name.

        Raises:
            EntityNotFoundException: There is no such table.
        """
        return self._transport.request_model(CatalogDeleted, "DELETE", _tbl(database, name)).name

    def versions(
        self, database: str, name: str, *, max_results: int | None = None, next_token: str | None = None
    ) -> TableVersionList:
        """Return one page of the versions of a table (the current one and archived ones)."""
        params = _params(max_results=max_results, next_token=next_token)
        return self._transport.request_model(TableVersionList, "GET", f"{_tbl(database, name)}/versions", params=params)

    def iter_versions(self, database: str, name: str, *, max_results: int | None = None) -> Iterator[TableVersion]:
        """Yield every version of a table, one request per page."""
        return _walk(
            lambda token: self.versions(database, name, max_results=max_results, next_token=token),
            lambda p: p.versions,
            "table versions",
        )

    def get_version(self, database: str, name: str, version_id: str) -> TableVersion:
        """Return one version of a table.

        Raises:
            EntityNotFoundException: There is no such table or version.
        """
        path = f"{_tbl(database, name)}/versions/{path_segment(version_id, 'version_id')}"
        return self._transport.request_model(TableVersion, "GET", path)

    def delete_versions(self, database: str, name: str, version_ids: Sequence[str]) -> BatchResult:
        """Delete archived versions of a table; the versions that could not be deleted come back in `errors`."""
        path = f"{_tbl(database, name)}/versions:batch-delete"
        return self._transport.request_model(BatchResult, "POST", path, json={"version_ids": list(version_ids)})

    def delete_many(self, database: str, names: Sequence[str]) -> BatchResult:
        """Delete several tables (BatchDeleteTable); the ones that could not be deleted come back in `errors`."""
        path = f"{_db(database)}/tables:batch-delete"
        return self._transport.request_model(BatchResult, "POST", path, json={"names": list(names)})

    def search(
        self,
        search_text: str | None = None,
        *,
        filters: Sequence[dict[str, str]] = (),
        sort_criteria: Sequence[dict[str, str]] = (),
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> TableList:
        """Search tables of every database (SearchTables): text over names, descriptions and parameters.

        Args:
            search_text: Words to look for; None lists every table.
            filters: Glue `PropertyPredicate`s in snake_case, e.g. `{"key": "classification", "value": "json"}`.
            sort_criteria: e.g. `[{"field_name": "name", "sort": "ASC"}]`.
            max_results: Page size.
            next_token: The `next_token` of the previous page.
        """
        body: dict[str, Any] = {"filters": list(filters), "sort_criteria": list(sort_criteria)}
        body.update(_params(search_text=search_text, max_results=max_results, next_token=next_token))
        return self._transport.request_model(TableList, "POST", "/catalog/search", json=body)


class Partitions:
    """Partitions of catalog tables; reached as `client.catalog.partitions`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, database: str, table: str, values: Sequence[str], **fields: Any) -> Partition:
        """Create a partition.

        Args:
            database: The database.
            table: The table.
            values: One value per partition key, in key order.
            **fields: Other `PartitionInput` members in snake_case, e.g. `storage_descriptor`, `parameters`.

        Raises:
            EntityNotFoundException: There is no such table.
            AlreadyExistsException: The partition exists.
            InvalidInputException: The values do not match the partition keys, or a member is invalid.
        """
        if isinstance(values, str):
            raise ValueError("values must be a list of partition values, not a string")
        body = {"values": list(values), **fields}
        return self._transport.request_model(Partition, "POST", f"{_tbl(database, table)}/partitions", json=body)

    def get(self, database: str, table: str, values: Sequence[str]) -> Partition:
        """Return the partition with these values (in partition-key order).

        Raises:
            ValueError: `values` is empty or a string.
            EntityNotFoundException: There is no such partition.
        """
        path = f"{_tbl(database, table)}/partition?{_values_query(values)}"
        return self._transport.request_model(Partition, "GET", path)

    def list(
        self,
        database: str,
        table: str,
        *,
        expression: str | None = None,
        segment_number: int | None = None,
        total_segments: int | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> PartitionList:
        """Return one page of the partitions of a table; use `iter()` to walk all pages.

        Args:
            database: The database.
            table: The table.
            expression: A Glue partition filter, e.g. `day >= '2026-11-01' AND region = 'eu'`.
            segment_number: Which segment to list (with `total_segments`), for parallel listing.
            total_segments: Into how many segments the partitions are split (1-10).
            max_results: Page size; None takes the server's default.
            next_token: The `next_token` of the previous page.

        Raises:
            InvalidInputException: The expression cannot be parsed or names no partition key.
        """
        params = _params(
            expression=expression,
            segment_number=segment_number,
            total_segments=total_segments,
            max_results=max_results,
            next_token=next_token,
        )
        return self._transport.request_model(PartitionList, "GET", f"{_tbl(database, table)}/partitions", params=params)

    def iter(
        self,
        database: str,
        table: str,
        *,
        expression: str | None = None,
        segment_number: int | None = None,
        total_segments: int | None = None,
        max_results: int | None = None,
    ) -> Iterator[Partition]:
        """Yield every partition of a table (matching `expression`), one request per page."""

        def fetch(token: str | None) -> PartitionList:
            return self.list(
                database,
                table,
                expression=expression,
                segment_number=segment_number,
                total_segments=total_segments,
                max_results=max_results,
                next_token=token,
            )

        return _walk(fetch, lambda p: p.partitions, "partitions")

    def delete(self, database: str, table: str, values: Sequence[str]) -> builtins.list[str]:
        """Delete the partition with these values; returns its values.

        Raises:
            EntityNotFoundException: There is no such partition.
        """
        path = f"{_tbl(database, table)}/partition?{_values_query(values)}"
        return self._transport.request_model(PartitionDeleted, "DELETE", path).values

    def update(
        self,
        database: str,
        table: str,
        values: Sequence[str],
        *,
        new_values: Sequence[str] | None = None,
        **fields: Any,
    ) -> Partition:
        """Replace the definition of the partition with these values (UpdatePartition).

        Args:
            database: The database.
            table: The table.
            values: The partition's current values.
            new_values: Its new values, to rename it; None keeps them.
            **fields: The other members of the new `PartitionInput`, in snake_case.
        """
        path = f"{_tbl(database, table)}/partition?{_values_query(values)}"
        body = {"values": list(values if new_values is None else new_values), **fields}
        return self._transport.request_model(Partition, "PUT", path, json=body)

    def create_many(self, database: str, table: str, partitions: Sequence[dict[str, Any]]) -> BatchResult:
        """Create several partitions (BatchCreatePartition); each failed one comes back in `errors`.

        Args:
            partitions: `PartitionInput`s in snake_case, each with its `values`.
        """
        path = f"{_tbl(database, table)}/partitions:batch-create"
        return self._transport.request_model(BatchResult, "POST", path, json={"partitions": list(partitions)})

    def get_many(self, database: str, table: str, values_list: Sequence[Sequence[str]]) -> builtins.list[Partition]:
        """The partitions with these values (BatchGetPartition); missing ones are left out."""
        path = f"{_tbl(database, table)}/partitions:batch-get"
        body = {"values_list": [list(values) for values in values_list]}
        return self._transport.request_model(PartitionsFound, "POST", path, json=body).partitions

    def delete_many(self, database: str, table: str, values_list: Sequence[Sequence[str]]) -> BatchResult:
        """Delete several partitions (BatchDeletePartition); each failed one comes back in `errors`."""
        path = f"{_tbl(database, table)}/partitions:batch-delete"
        body = {"values_list": [list(values) for values in values_list]}
        return self._transport.request_model(BatchResult, "POST", path, json=body)


class Catalog:
    """The Data Catalog; reached as `client.catalog`.

    Args:
        transport: The client's transport.

    Attributes:
        databases: Database operations (`Databases`).
        tables: Table operations, including versions (`Tables`).
        partitions: Partition operations (`Partitions`).
    """

    def __init__(self, transport: Transport) -> None:
        self.databases = Databases(transport)
        self.tables = Tables(transport)
        self.partitions = Partitions(transport)
