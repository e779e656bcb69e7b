"""Output models of the Data Catalog REST API `/v1/catalog`: databases, tables, partitions, table versions.

The server speaks Glue's catalog shapes with snake_case member names (`storage_descriptor.serde_info`). The
members a caller reads most (names, keys, values, times, version ids) are typed here; the deeper Glue shapes
(`storage_descriptor`, `parameters`, ...) stay plain dicts, exactly as the server sent them. Every model allows
unknown fields, so any other Glue member the server returns is kept (read it with `model.model_extra`).

Request bodies are not modelled: the SDK sends the snake_case Glue shape as given and the server checks it
against Glue's model, naming any bad member (e.g. `storage_descriptor.colums`) in its error.
"""

from __future__ import annotations

from typing import Any

from glueworks.sdk.models import UtcDatetime, _Output

__all__ = [
    "BatchItemError",
    "BatchResult",
    "CatalogDeleted",
    "Column",
    "Database",
    "DatabaseList",
    "Partition",
    "PartitionDeleted",
    "PartitionList",
    "PartitionsFound",
    "Table",
    "TableList",
    "TableVersion",
    "TableVersionList",
]


class Column(_Output):
    """A column or partition key of a table."""

    name: str
    type: str | None = None
    comment: str | None = None
    parameters: dict[str, str] | None = None


class Database(_Output):
    """A catalog database (Glue `Database`)."""

    name: str
    description: str | None = None
    location_uri: str | None = None
    parameters: dict[str, str] | None = None
    create_time: UtcDatetime | None = None
    catalog_id: str | None = None


class Table(_Output):
    """A catalog table (Glue `Table`); `storage_descriptor` is Glue's nested shape as a dict."""

    name: str
    database_name: str | None = None
    description: str | None = None
    owner: str | None = None
    table_type: str | None = None
    create_time: UtcDatetime | None = None
    update_time: UtcDatetime | None = None
    storage_descriptor: dict[str, Any] | None = None
    partition_keys: list[Column] | None = None
    parameters: dict[str, str] | None = None
    version_id: str | None = None

    @property
    def columns(self) -> list[Column]:
        """The columns of `storage_descriptor` (empty when there are none)."""
        raw = (self.storage_descriptor or {}).get("columns") or []
        return [Column.model_validate(item) for item in raw]


class Partition(_Output):
    """A partition of a table (Glue `Partition`); `values` follow the table's partition keys in order."""

    values: list[str]
    database_name: str | None = None
    table_name: str | None = None
    creation_time: UtcDatetime | None = None
    last_access_time: UtcDatetime | None = None
    storage_descriptor: dict[str, Any] | None = None
    parameters: dict[str, str] | None = None


class TableVersion(_Output):
    """One archived version of a table definition."""

    table: Table | None = None
    version_id: str | None = None


class DatabaseList(_Output):
    """One page of databases; pass `next_token` back for the next page (None on the last page)."""

    databases: list[Database]
    next_token: str | None = None


class TableList(_Output):
    """One page of tables; pass `next_token` back for the next page (None on the last page)."""

    tables: list[Table]
    next_token: str | None = None


class PartitionList(_Output):
    """One page of partitions; pass `next_token` back for the next page (None on the last page)."""

    partitions: list[Partition]
    next_token: str | None = None


class TableVersionList(_Output):
    """One page of table versions; pass `next_token` back for the next page (None on the last page)."""

    versions: list[TableVersion]
    next_token: str | None = None


class CatalogDeleted(_Output):
    """Body returned when a database or a table is deleted."""

    name: str


class PartitionDeleted(_Output):
    """Body returned when a partition is deleted."""

    values: list[str]


class BatchItemError(_Output):
    """One failed item of a batch call: which item (its `name`, `values` or `version_id`) and the Glue error."""

    name: str | None = None
    values: list[str] | None = None
    version_id: str | None = None
    error: dict[str, str]

    @property
    def code(self) -> str:
        """The Glue error code, e.g. `EntityNotFoundException`."""
        return self.error.get("code", "")


class BatchResult(_Output):
    """The answer of a batch call: the items that failed (the others succeeded)."""

    errors: list[BatchItemError]


class PartitionsFound(_Output):
    """The partitions a batch get found (missing ones are left out)."""

    partitions: list[Partition]
