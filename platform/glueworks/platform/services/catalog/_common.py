"""Shared by the catalog services: the catalog id, name rules, row look-ups and per-item batch errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glueworks.platform.db import CatalogDatabaseRow, CatalogTableRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, GlueworksError, InvalidInputError
from glueworks.platform.services.validation import check_name

DEFAULT_CATALOG_ID = "000000000000"
"""The one catalog of a tenant. Glue names a catalog by its account's 12-digit id; glueworks echoes this one."""


@dataclass(frozen=True)
class ItemError:
    """One failed item of a batch operation, in Glue's ``ErrorDetail`` terms."""

    key: Any
    code: str
    message: str

    @classmethod
    def of(cls, key: Any, exc: GlueworksError) -> ItemError:
        return cls(key, exc.code, exc.message)

    def exception(self) -> GlueworksError:
        """The error the single-item form of the operation raises for this item."""
        for kind in (AlreadyExistsError, EntityNotFoundError, InvalidInputError):
            if kind.code == self.code:
                return kind(self.message)
        return GlueworksError(self.message)


def check_catalog(catalog_id: str | None) -> str:
    """Accept the default catalog id (or none) and return it; any other catalog does not exist here."""
    if catalog_id is None or catalog_id == DEFAULT_CATALOG_ID:
        return DEFAULT_CATALOG_ID
    raise EntityNotFoundError(f"catalog {catalog_id!r} not found; this catalog's id is {DEFAULT_CATALOG_ID}")


def catalog_name(value: object, *, field: str) -> str:
    """A database or table name as Glue keeps it: checked, then lower-cased."""
    return check_name(value, field=field).lower()


def values_key(values: Sequence[str]) -> str:
    """The stored key of a partition: its values as compact JSON (order matters, as in Glue)."""
    return json.dumps(list(values), separators=(",", ":"), ensure_ascii=False)


def values_of(key: str) -> list[str]:
    values: list[str] = json.loads(key)
    return values


def find_database(session: Session, tenant_id: str, name: str) -> CatalogDatabaseRow | None:
    query = select(CatalogDatabaseRow).where(CatalogDatabaseRow.tenant_id == tenant_id, CatalogDatabaseRow.name == name)
    return session.scalars(query).first()


def get_database(session: Session, tenant_id: str, name: str) -> CatalogDatabaseRow:
    row = find_database(session, tenant_id, name)
    if row is None:
        raise EntityNotFoundError(f"Database {name} not found.")
    return row


def find_table(
    session: Session, tenant_id: str, database: str, name: str, *, lock: bool = False
) -> CatalogTableRow | None:
    query = select(CatalogTableRow).where(
        CatalogTableRow.tenant_id == tenant_id, CatalogTableRow.database_name == database, CatalogTableRow.name == name
    )
    if lock:
        query = query.with_for_update()
    return session.scalars(query).first()


def get_table(session: Session, tenant_id: str, database: str, name: str, *, lock: bool = False) -> CatalogTableRow:
    """The table, after checking its database exists (so the error names what is missing)."""
    get_database(session, tenant_id, database)
    row = find_table(session, tenant_id, database, name, lock=lock)
    if row is None:
        raise EntityNotFoundError(f"Table {name} not found in database {database}.")
    return row


def partition_keys(table: CatalogTableRow) -> list[tuple[str, str]]:
    """The table's partition keys as (name, Hive type)."""
    return [(column["Name"], column.get("Type", "string")) for column in table.definition.get("PartitionKeys", [])]


def check_values(table: CatalogTableRow, values: Sequence[str], *, field: str) -> list[str]:
    """A partition's values must match the table's partition keys one for one."""
    keys = partition_keys(table)
    if len(values) != len(keys):
        raise InvalidInputError(
            f"has {len(values)} values but table {table.name!r} has {len(keys)} partition keys "
            f"({', '.join(name for name, _ in keys) or 'none'})",
            field=field,
        )
    return list(values)
