"""Catalog partitions: single and batch create, get, update and delete, and GetPartitions with its filters.

A partition is named by its ``Values``, one per partition key of its table, in key order. GetPartitions filters
with the ``Expression`` grammar of ``expression.py`` and can read one ``Segment`` of a table: segment ``n`` of
``t`` holds the partitions whose value key hashes to ``n`` modulo ``t``, so segments are disjoint and together
hold every partition. Batch operations report failures per item, in Glue's shapes, and go on with the rest.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glueworks.platform.db import CatalogPartitionRow, CatalogTableRow, Database
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, GlueworksError, InvalidInputError
from glueworks.platform.services.catalog._common import (
    DEFAULT_CATALOG_ID,
    ItemError,
    catalog_name,
    check_values,
    get_table,
    partition_keys,
    values_key,
    values_of,
)
from glueworks.platform.services.catalog.expression import compile_expression
from glueworks.platform.services.paging import decode_token, encode_token, page_size

__all__ = ["PartitionService", "partition_shape"]

_KEPT = ("StorageDescriptor", "Parameters", "LastAccessTime", "LastAnalyzedTime")
_SCAN_CHUNK = 1000


def partition_shape(row: CatalogPartitionRow, *, exclude_columns: bool = False) -> dict[str, Any]:
    """A partition row as Glue's ``Partition`` shape."""
    definition = dict(row.definition)
    if exclude_columns and "StorageDescriptor" in definition:
        definition["StorageDescriptor"] = {k: v for k, v in definition["StorageDescriptor"].items() if k != "Columns"}
    return {
        "Values": values_of(row.values_key),
        "DatabaseName": row.database_name,
        "TableName": row.table_name,
        "CreationTime": row.creation_time,
        **definition,
        "CatalogId": DEFAULT_CATALOG_ID,
    }


def _definition(partition_input: Mapping[str, Any]) -> dict[str, Any]:
    return {key: partition_input[key] for key in _KEPT if key in partition_input}


def segment_of(key: str, total: int) -> int:
    """The segment a partition belongs to: a stable hash of its value key (the same in every process)."""
    return zlib.crc32(key.encode("utf-8")) % total


class PartitionService:
    """Partitions of a tenant's catalog tables."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create(self, tenant_id: str, database: str, table: str, partition_input: Mapping[str, Any]) -> None:
        errors = self.batch_create(tenant_id, database, table, [partition_input], field="PartitionInput.Values")
        if errors:
            raise errors[0].exception()

    def batch_create(
        self,
        tenant_id: str,
        database: str,
        table: str,
        inputs: Sequence[Mapping[str, Any]],
        *,
        field: str = "PartitionInputList",
    ) -> list[ItemError]:
        """Create partitions; one that exists already or does not fit the table is reported, the rest are made."""
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        errors: list[ItemError] = []
        now = self._clock()
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table, lock=True)
            existing = self._keys(session, table_row)
            for index, partition_input in enumerate(inputs):
                values = list(partition_input.get("Values", []))
                item_field = field if len(inputs) == 1 else f"{field}[{index}].Values"
                try:
                    key = values_key(check_values(table_row, values, field=item_field))
                    if key in existing:
                        raise AlreadyExistsError(f"Partition {values} already exists.")
                    existing.add(key)
                    session.add(
                        CatalogPartitionRow(
                            tenant_id=tenant_id,
                            database_name=database,
                            table_name=table,
                            values_key=key,
                            definition=_definition(partition_input),
                            creation_time=now,
                        )
                    )
                except GlueworksError as exc:
                    errors.append(ItemError.of(values, exc))
        return errors

    def get(self, tenant_id: str, database: str, table: str, values: Sequence[str]) -> dict[str, Any]:
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table)
            row = self._find(session, table_row, check_values(table_row, values, field="PartitionValues"))
            if row is None:
                raise EntityNotFoundError(f"Partition {list(values)} not found in table {table}.")
            return partition_shape(row)

    def batch_get(
        self, tenant_id: str, database: str, table: str, wanted: Sequence[Sequence[str]]
    ) -> list[dict[str, Any]]:
        """The partitions that exist among ``wanted``, in the order asked; missing ones are left out, as in Glue."""
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        found: list[dict[str, Any]] = []
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table)
            for index, values in enumerate(wanted):
                row = self._find(session, table_row, check_values(table_row, values, field=f"PartitionsToGet[{index}]"))
                if row is not None:
                    found.append(partition_shape(row))
        return found

    def page(
        self,
        tenant_id: str,
        database: str,
        table: str,
        *,
        expression: str | None = None,
        segment: tuple[int, int] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
        exclude_columns: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Partitions passing ``expression`` in ``segment`` (number, total), in creation order, <= 1000 a page."""
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        size = page_size(max_results, default=1000, maximum=1000)
        if segment is not None and not 0 <= segment[0] < segment[1] <= 10:
            raise InvalidInputError(
                f"SegmentNumber must be below TotalSegments (at most 10), got {segment[0]} of {segment[1]}",
                field="Segment",
            )
        cursor = decode_token(next_token)
        after = int(cursor.get("after", 0)) if cursor is not None else 0
        matches: list[CatalogPartitionRow] = []
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table)
            passes = compile_expression(expression, partition_keys(table_row), table=table)
            while len(matches) <= size:
                chunk = list(
                    session.scalars(
                        self._query(table_row)
                        .where(CatalogPartitionRow.id > after)
                        .order_by(CatalogPartitionRow.id)
                        .limit(_SCAN_CHUNK)
                    )
                )
                for row in chunk:
                    if segment is not None and segment_of(row.values_key, segment[1]) != segment[0]:
                        continue
                    if passes(values_of(row.values_key)):
                        matches.append(row)
                if len(chunk) < _SCAN_CHUNK:
                    break
                after = chunk[-1].id
        page = matches[:size]
        token = encode_token({"after": page[-1].id}) if len(matches) > size else None
        return [partition_shape(row, exclude_columns=exclude_columns) for row in page], token

    def update(
        self, tenant_id: str, database: str, table: str, values: Sequence[str], partition_input: Mapping[str, Any]
    ) -> None:
        errors = self.batch_update(tenant_id, database, table, [(values, partition_input)])
        if errors:
            raise errors[0].exception()

    def batch_update(
        self, tenant_id: str, database: str, table: str, entries: Sequence[tuple[Sequence[str], Mapping[str, Any]]]
    ) -> list[ItemError]:
        """Replace partitions' definitions (and values, when the input gives new ones); failures per entry."""
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        errors: list[ItemError] = []
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table, lock=True)
            for values, partition_input in entries:
                try:
                    row = self._find(session, table_row, check_values(table_row, values, field="PartitionValueList"))
                    if row is None:
                        raise EntityNotFoundError(f"Partition {list(values)} not found in table {table}.")
                    new_values = partition_input.get("Values", values)
                    new_key = values_key(check_values(table_row, new_values, field="PartitionInput.Values"))
                    if new_key != row.values_key and self._find(session, table_row, new_values) is not None:
                        raise AlreadyExistsError(f"Partition {list(new_values)} already exists.")
                    row.values_key = new_key
                    row.definition = _definition(partition_input)
                    session.flush()
                except GlueworksError as exc:
                    errors.append(ItemError.of(list(values), exc))
        return errors

    def delete(self, tenant_id: str, database: str, table: str, values: Sequence[str]) -> None:
        errors = self.batch_delete(tenant_id, database, table, [values], field="PartitionValues")
        if errors:
            raise errors[0].exception()

    def batch_delete(
        self,
        tenant_id: str,
        database: str,
        table: str,
        wanted: Sequence[Sequence[str]],
        *,
        field: str = "PartitionsToDelete",
    ) -> list[ItemError]:
        database, table = catalog_name(database, field="DatabaseName"), catalog_name(table, field="TableName")
        errors: list[ItemError] = []
        with self._db.transaction() as session:
            table_row = get_table(session, tenant_id, database, table, lock=True)
            for values in wanted:
                try:
                    row = self._find(session, table_row, check_values(table_row, values, field=field))
                    if row is None:
                        raise EntityNotFoundError(f"Partition {list(values)} not found in table {table}.")
                    session.delete(row)
                except GlueworksError as exc:
                    errors.append(ItemError.of(list(values), exc))
        return errors

    # -- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _query(table: CatalogTableRow) -> Any:
        return select(CatalogPartitionRow).where(
            CatalogPartitionRow.tenant_id == table.tenant_id,
            CatalogPartitionRow.database_name == table.database_name,
            CatalogPartitionRow.table_name == table.name,
        )

    def _find(self, session: Session, table: CatalogTableRow, values: Sequence[str]) -> CatalogPartitionRow | None:
        row: CatalogPartitionRow | None = session.scalars(
            self._query(table).where(CatalogPartitionRow.values_key == values_key(values))
        ).first()
        return row

    def _keys(self, session: Session, table: CatalogTableRow) -> set[str]:
        query = select(CatalogPartitionRow.values_key).where(
            CatalogPartitionRow.tenant_id == table.tenant_id,
            CatalogPartitionRow.database_name == table.database_name,
            CatalogPartitionRow.table_name == table.name,
        )
        return set(session.scalars(query))
