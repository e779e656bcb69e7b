"""Catalog tables and their versions.

CreateTable, GetTable, GetTables (``Expression`` is a regular expression the whole name must match), UpdateTable,
DeleteTable, BatchDeleteTable, and the versions: every UpdateTable archives the previous definition as a new
version unless ``SkipArchive``; ``VersionId`` on UpdateTable is an optimistic check (a mismatch is a
ConcurrentModificationException). A new table is version "0". Deleting a table deletes its versions and partitions.

Inputs and outputs are Glue's shapes as plain dicts, already checked against botocore's model by the front door.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import CatalogPartitionRow, CatalogTableRow, CatalogTableVersionRow, Database
from glueworks.platform.errors import (
    AlreadyExistsError,
    ConcurrentModificationError,
    EntityNotFoundError,
    GlueworksError,
    InvalidInputError,
)
from glueworks.platform.services.catalog._common import (
    DEFAULT_CATALOG_ID,
    ItemError,
    catalog_name,
    find_table,
    get_database,
    get_table,
)
from glueworks.platform.services.paging import decode_token, encode_token, page_size

__all__ = ["TableService", "table_shape"]

_SERVER_MEMBERS = ("Name", "DatabaseName", "CreateTime", "UpdateTime", "VersionId", "CatalogId", "CreatedBy")


def table_shape(
    database: str, name: str, definition: Mapping[str, Any], *, version_id: int, created: datetime, updated: datetime
) -> dict[str, Any]:
    """A table definition as Glue's ``Table`` shape."""
    return {
        "Name": name,
        "DatabaseName": database,
        **definition,
        "CreateTime": created,
        "UpdateTime": updated,
        "VersionId": str(version_id),
        "CatalogId": DEFAULT_CATALOG_ID,
        "IsRegisteredWithLakeFormation": False,
    }


def table_row_shape(row: CatalogTableRow) -> dict[str, Any]:
    """A stored table as Glue's ``Table`` shape."""
    return table_shape(
        row.database_name,
        row.name,
        row.definition,
        version_id=row.version_id,
        created=row.create_time,
        updated=row.update_time,
    )


def _version_shape(row: CatalogTableVersionRow) -> dict[str, Any]:
    table = table_shape(
        row.database_name,
        row.table_name,
        row.definition,
        version_id=row.version_id,
        created=row.create_time,
        updated=row.update_time,
    )
    return {"Table": table, "VersionId": str(row.version_id)}


def _definition(table_input: Mapping[str, Any]) -> dict[str, Any]:
    """The stored definition: the TableInput without the members the server owns. Checks the partition keys."""
    definition = {key: value for key, value in table_input.items() if key not in _SERVER_MEMBERS}
    seen: set[str] = set()
    for index, column in enumerate(definition.get("PartitionKeys", [])):
        key = column["Name"].lower()
        if key in seen:
            raise InvalidInputError(
                f"partition key {column['Name']!r} appears twice", field=f"TableInput.PartitionKeys[{index}]"
            )
        seen.add(key)
    return definition


def _version_number(value: str, *, field: str) -> int:
    if not value.isdigit():
        raise InvalidInputError(f"must be a version number such as '0' or '3', got {value!r}", field=field)
    return int(value)


class TableService:
    """Tables of a tenant's catalog, with their version history."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create(self, tenant_id: str, database: str, table_input: Mapping[str, Any]) -> None:
        database = catalog_name(database, field="DatabaseName")
        name = catalog_name(table_input.get("Name"), field="TableInput.Name")
        definition = _definition(table_input)
        now = self._clock()
        try:
            with self._db.transaction() as session:
                get_database(session, tenant_id, database)
                if find_table(session, tenant_id, database, name) is not None:
                    raise AlreadyExistsError(f"Table {name} already exists.")
                session.add(
                    CatalogTableRow(
                        tenant_id=tenant_id,
                        database_name=database,
                        name=name,
                        definition=definition,
                        version_id=0,
                        create_time=now,
                        update_time=now,
                    )
                )
                session.add(self._version(tenant_id, database, name, 0, definition, now, now))
        except IntegrityError:  # a concurrent create of the same name won the race
            raise AlreadyExistsError(f"Table {name} already exists.") from None

    def get(self, tenant_id: str, database: str, name: str) -> dict[str, Any]:
        database, name = catalog_name(database, field="DatabaseName"), catalog_name(name, field="Name")
        with self._db.transaction() as session:
            return table_row_shape(get_table(session, tenant_id, database, name))

    def page(
        self, tenant_id: str, database: str, expression: str | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Tables of a database ordered by name, at most 100 a page; ``expression`` must match the whole name."""
        database = catalog_name(database, field="DatabaseName")
        size = page_size(max_results, default=100, maximum=100)
        cursor = decode_token(next_token)
        pattern = _name_pattern(expression)
        query = (
            select(CatalogTableRow)
            .where(CatalogTableRow.tenant_id == tenant_id, CatalogTableRow.database_name == database)
            .order_by(CatalogTableRow.name)
        )
        if cursor is not None:
            query = query.where(CatalogTableRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            get_database(session, tenant_id, database)
            rows = [row for row in session.scalars(query) if pattern is None or pattern.fullmatch(row.name)]
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return [table_row_shape(row) for row in rows[:size]], token

    def update(
        self,
        tenant_id: str,
        database: str,
        table_input: Mapping[str, Any],
        *,
        skip_archive: bool = False,
        version_id: str | None = None,
    ) -> None:
        """Replace a table's definition; archive it as a new version unless ``skip_archive``.

        Raises:
            ConcurrentModificationError: ``version_id`` is given and is not the table's current version.
        """
        database = catalog_name(database, field="DatabaseName")
        name = catalog_name(table_input.get("Name"), field="TableInput.Name")
        definition = _definition(table_input)
        expected = None if version_id is None else _version_number(version_id, field="VersionId")
        now = self._clock()
        with self._db.transaction() as session:
            row = get_table(session, tenant_id, database, name, lock=True)
            if expected is not None and expected != row.version_id:
                raise ConcurrentModificationError(
                    f"Table {name} is at version {row.version_id}, not {expected}; read it again and retry."
                )
            row.definition = definition
            row.update_time = now
            if skip_archive:
                current = self._find_version(session, tenant_id, database, name, row.version_id)
                if current is not None:
                    current.definition = definition
                    current.update_time = now
                    return
            else:
                row.version_id = self._latest_version(session, tenant_id, database, name) + 1
            session.add(self._version(tenant_id, database, name, row.version_id, definition, row.create_time, now))

    def delete(self, tenant_id: str, database: str, name: str) -> None:
        database, name = catalog_name(database, field="DatabaseName"), catalog_name(name, field="Name")
        with self._db.transaction() as session:
            self._delete(session, tenant_id, database, name)

    def batch_delete(self, tenant_id: str, database: str, names: list[str]) -> list[ItemError]:
        """Delete tables one by one; a table that cannot be deleted is reported, the others still go."""
        database = catalog_name(database, field="DatabaseName")
        errors: list[ItemError] = []
        with self._db.transaction() as session:
            get_database(session, tenant_id, database)
            for index, raw in enumerate(names):
                try:
                    self._delete(session, tenant_id, database, catalog_name(raw, field=f"TablesToDelete[{index}]"))
                except GlueworksError as exc:
                    errors.append(ItemError.of(raw, exc))
        return errors

    # -- versions -------------------------------------------------------------------------------------------

    def get_version(self, tenant_id: str, database: str, name: str, version_id: str | None) -> dict[str, Any]:
        """One version of a table; the current one when ``version_id`` is None."""
        database, name = catalog_name(database, field="DatabaseName"), catalog_name(name, field="TableName")
        with self._db.transaction() as session:
            table = get_table(session, tenant_id, database, name)
            number = table.version_id if version_id is None else _version_number(version_id, field="VersionId")
            row = self._find_version(session, tenant_id, database, name, number)
            if row is None:
                raise EntityNotFoundError(f"Version {number} of table {name} not found.")
            return _version_shape(row)

    def versions(
        self, tenant_id: str, database: str, name: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Versions of a table, newest first, at most 100 a page."""
        database, name = catalog_name(database, field="DatabaseName"), catalog_name(name, field="TableName")
        size = page_size(max_results, default=100, maximum=100)
        cursor = decode_token(next_token)
        query = (
            select(CatalogTableVersionRow)
            .where(*self._version_filter(tenant_id, database, name))
            .order_by(CatalogTableVersionRow.version_id.desc())
            .limit(size + 1)
        )
        if cursor is not None:
            query = query.where(CatalogTableVersionRow.version_id < int(cursor.get("before", 0)))
        with self._db.transaction() as session:
            get_table(session, tenant_id, database, name)
            rows = list(session.scalars(query))
        token = encode_token({"before": rows[size - 1].version_id}) if len(rows) > size else None
        return [_version_shape(row) for row in rows[:size]], token

    def delete_versions(self, tenant_id: str, database: str, name: str, version_ids: list[str]) -> list[ItemError]:
        """Delete archived versions; the current version cannot be deleted. Failures are reported per version."""
        database, name = catalog_name(database, field="DatabaseName"), catalog_name(name, field="TableName")
        errors: list[ItemError] = []
        with self._db.transaction() as session:
            table = get_table(session, tenant_id, database, name)
            for version_id in version_ids:
                try:
                    number = _version_number(version_id, field="VersionId")
                    if number == table.version_id:
                        raise InvalidInputError(
                            f"version {number} is the current version of table {name} and cannot be deleted",
                            field="VersionId",
                        )
                    row = self._find_version(session, tenant_id, database, name, number)
                    if row is None:
                        raise EntityNotFoundError(f"Version {number} of table {name} not found.")
                    session.delete(row)
                except GlueworksError as exc:
                    errors.append(ItemError.of(version_id, exc))
        return errors

    # -- helpers --------------------------------------------------------------------------------------------

    def _delete(self, session: Session, tenant_id: str, database: str, name: str) -> None:
        row = get_table(session, tenant_id, database, name, lock=True)
        session.execute(delete(CatalogTableVersionRow).where(*self._version_filter(tenant_id, database, name)))
        session.execute(
            delete(CatalogPartitionRow).where(
                CatalogPartitionRow.tenant_id == tenant_id,
                CatalogPartitionRow.database_name == database,
                CatalogPartitionRow.table_name == name,
            )
        )
        session.delete(row)

    @staticmethod
    def _version_filter(tenant_id: str, database: str, name: str) -> tuple[Any, ...]:
        return (
            CatalogTableVersionRow.tenant_id == tenant_id,
            CatalogTableVersionRow.database_name == database,
            CatalogTableVersionRow.table_name == name,
        )

    def _find_version(
        self, session: Session, tenant_id: str, database: str, name: str, number: int
    ) -> CatalogTableVersionRow | None:
        query = select(CatalogTableVersionRow).where(
            *self._version_filter(tenant_id, database, name), CatalogTableVersionRow.version_id == number
        )
        return session.scalars(query).first()

    def _latest_version(self, session: Session, tenant_id: str, database: str, name: str) -> int:
        query = (
            select(CatalogTableVersionRow.version_id)
            .where(*self._version_filter(tenant_id, database, name))
            .order_by(CatalogTableVersionRow.version_id.desc())
            .limit(1)
        )
        latest = session.scalars(query).first()
        return -1 if latest is None else latest

    @staticmethod
    def _version(
        tenant_id: str,
        database: str,
        name: str,
        number: int,
        definition: dict[str, Any],
        created: datetime,
        updated: datetime,
    ) -> CatalogTableVersionRow:
        return CatalogTableVersionRow(
            tenant_id=tenant_id,
            database_name=database,
            table_name=name,
            version_id=number,
            definition=definition,
            create_time=created,
            update_time=updated,
        )


def _name_pattern(expression: str | None) -> re.Pattern[str] | None:
    if not expression:
        return None
    try:
        return re.compile(expression, re.IGNORECASE)
    except re.error as exc:
        raise InvalidInputError(f"is not a valid regular expression: {exc}", field="Expression") from None
