"""Catalog databases: CreateDatabase, GetDatabase(s), UpdateDatabase, DeleteDatabase.

Inputs and outputs are Glue's shapes (``DatabaseInput`` in, ``Database`` out) as plain dicts, already checked
against botocore's model by the front door. Names are lower-cased, as Glue does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from glueworks.platform.db import (
    CatalogDatabaseRow,
    CatalogPartitionRow,
    CatalogTableRow,
    CatalogTableVersionRow,
    Database,
)
from glueworks.platform.errors import AlreadyExistsError, InvalidInputError
from glueworks.platform.services.catalog._common import (
    DEFAULT_CATALOG_ID,
    catalog_name,
    find_database,
    get_database,
)
from glueworks.platform.services.paging import decode_token, encode_token, page_size

__all__ = ["DatabaseService", "database_shape"]

_KEPT = ("Description", "LocationUri", "Parameters", "CreateTableDefaultPermissions", "TargetDatabase")


def database_shape(row: CatalogDatabaseRow) -> dict[str, Any]:
    """A database row as Glue's ``Database`` shape."""
    return {"Name": row.name, **row.definition, "CreateTime": row.create_time, "CatalogId": DEFAULT_CATALOG_ID}


def _definition(database_input: Mapping[str, Any]) -> dict[str, Any]:
    return {key: database_input[key] for key in _KEPT if key in database_input}


class DatabaseService:
    """Databases of a tenant's catalog."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create(self, tenant_id: str, database_input: Mapping[str, Any]) -> dict[str, Any]:
        name = catalog_name(database_input.get("Name"), field="DatabaseInput.Name")
        row = CatalogDatabaseRow(
            tenant_id=tenant_id, name=name, definition=_definition(database_input), create_time=self._clock()
        )
        try:
            with self._db.transaction() as session:
                if find_database(session, tenant_id, name) is not None:
                    raise AlreadyExistsError(f"Database {name} already exists.")
                session.add(row)
        except IntegrityError:  # a concurrent create of the same name won the race
            raise AlreadyExistsError(f"Database {name} already exists.") from None
        return database_shape(row)

    def get(self, tenant_id: str, name: str) -> dict[str, Any]:
        with self._db.transaction() as session:
            return database_shape(get_database(session, tenant_id, catalog_name(name, field="Name")))

    def page(
        self, tenant_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Databases ordered by name, one page at a time (at most 100)."""
        size = page_size(max_results, default=100, maximum=100)
        cursor = decode_token(next_token)
        query = (
            select(CatalogDatabaseRow)
            .where(CatalogDatabaseRow.tenant_id == tenant_id)
            .order_by(CatalogDatabaseRow.name)
            .limit(size + 1)
        )
        if cursor is not None:
            query = query.where(CatalogDatabaseRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            rows = list(session.scalars(query))
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return [database_shape(row) for row in rows[:size]], token

    def update(self, tenant_id: str, name: str, database_input: Mapping[str, Any]) -> None:
        """Replace a database's definition. Renaming is not supported: the input's name must be the same."""
        name = catalog_name(name, field="Name")
        new_name = catalog_name(database_input.get("Name"), field="DatabaseInput.Name")
        if new_name != name:
            raise InvalidInputError(f"renaming database {name!r} is not supported", field="DatabaseInput.Name")
        with self._db.transaction() as session:
            row = get_database(session, tenant_id, name)
            row.definition = _definition(database_input)

    def delete(self, tenant_id: str, name: str) -> None:
        """Delete a database with all its tables, table versions and partitions."""
        name = catalog_name(name, field="Name")
        with self._db.transaction() as session:
            row = get_database(session, tenant_id, name)
            for model in (CatalogPartitionRow, CatalogTableVersionRow):
                session.execute(delete(model).where(model.tenant_id == tenant_id, model.database_name == name))
            session.execute(
                delete(CatalogTableRow).where(
                    CatalogTableRow.tenant_id == tenant_id, CatalogTableRow.database_name == name
                )
            )
            session.delete(row)
