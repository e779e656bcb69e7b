"""Writes what a crawl found into the Data Catalog, inside the caller's transaction.

The rules are Glue's crawler rules:

- New tables and partitions are always created, whatever the SchemaChangePolicy.
- ``UpdateBehavior = UPDATE_IN_DATABASE``: a table whose schema changed (columns, partition keys, format, SerDe)
  gets the new definition as a new table version; a change of statistics only (recordCount, sizeKey, ...) is
  written in place. ``LOG``: the change is only recorded in the crawl's summary. With ``Configuration``
  ``CrawlerOutput.Tables.AddOrUpdateBehavior = MergeNewColumns`` columns are only added, never dropped or retyped.
- ``CrawlerOutput.Partitions.AddOrUpdateBehavior = InheritFromTable``: partitions take the table's columns.
- ``DeleteBehavior`` applies, on full crawls only, to this crawler's tables (``UPDATED_BY_CRAWLER``) that the crawl
  did not find any more, and to vanished partitions of the tables it found: ``DELETE_FROM_DATABASE`` deletes them,
  ``DEPRECATE_IN_DATABASE`` marks tables with the ``DEPRECATED_BY_CRAWLER`` parameter (partitions are only
  logged), ``LOG`` only records them.

Table rows and their versions are written the way the catalog's table service writes them (version "0" at
creation, the previous definition archived on each schema change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from glueworks.platform.crawlers.model import DiscoveredPartition, DiscoveredTable
from glueworks.platform.db import CatalogPartitionRow, CatalogTableRow, CatalogTableVersionRow
from glueworks.platform.services.catalog._common import find_table, values_key, values_of
from glueworks.platform.services.crawler_input import CrawlerConfiguration

__all__ = ["CatalogChanges", "apply_crawl"]

CRAWLER_MARK = "UPDATED_BY_CRAWLER"
DEPRECATED_MARK = "DEPRECATED_BY_CRAWLER"
_SCHEMA_KEYS = ("Columns", "InputFormat", "OutputFormat", "SerdeInfo")


@dataclass
class CatalogChanges:
    """What a crawl changed (or, under LOG, would have changed) in the catalog."""

    tables_created: list[str] = field(default_factory=list)
    tables_updated: list[str] = field(default_factory=list)
    tables_deleted: list[str] = field(default_factory=list)
    tables_deprecated: list[str] = field(default_factory=list)
    schema_changes_logged: list[str] = field(default_factory=list)
    deletes_logged: list[str] = field(default_factory=list)
    partitions_added: int = 0
    partitions_updated: int = 0
    partitions_deleted: int = 0
    partition_deletes_logged: int = 0
    partition_errors: list[dict[str, str]] = field(default_factory=list)
    known_folders: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        """Counts in the form of Glue's crawl Summary (``{"TABLE": {"ADD": {"Count": n}}, ...}``)."""
        tables: dict[str, Any] = {}
        for action, names in (
            ("ADD", self.tables_created),
            ("UPDATE", self.tables_updated),
            ("DELETE", self.tables_deleted),
            ("DEPRECATE", self.tables_deprecated),
        ):
            if names:
                tables[action] = {"Count": len(names), "Tables": sorted(names)}
        partitions = {
            action: {"Count": count}
            for action, count in (
                ("ADD", self.partitions_added),
                ("UPDATE", self.partitions_updated),
                ("DELETE", self.partitions_deleted),
            )
            if count
        }
        result: dict[str, Any] = {"TABLE": tables, "PARTITION": partitions}
        if self.schema_changes_logged:
            result["SCHEMA_CHANGES_LOGGED"] = sorted(self.schema_changes_logged)
        if self.deletes_logged:
            result["DELETES_LOGGED"] = sorted(self.deletes_logged)
        if self.partition_deletes_logged:
            result["PARTITION_DELETES_LOGGED"] = {"Count": self.partition_deletes_logged}
        if self.partition_errors:
            result["PARTITION_ERRORS"] = self.partition_errors
        return result


def _storage(
    location: str, columns: Sequence[Mapping[str, str]], table: DiscoveredTable, parameters: Mapping[str, str]
) -> dict[str, Any]:
    serde = table.serde
    descriptor: dict[str, Any] = {
        "Columns": [dict(column) for column in columns],
        "Location": location,
        "InputFormat": serde.get("InputFormat"),
        "OutputFormat": serde.get("OutputFormat"),
        "Compressed": parameters.get("compressionType", "none") not in ("none", ""),
        "NumberOfBuckets": -1,
        "SerdeInfo": dict(serde.get("SerdeInfo") or {}),
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": dict(parameters),
        "StoredAsSubDirectories": False,
    }
    return {key: value for key, value in descriptor.items() if value is not None}


def _merge_columns(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """MergeNewColumns: the old columns as they were, then the new names."""
    names = {column["Name"] for column in old}
    return [dict(column) for column in old] + [dict(column) for column in new if column["Name"] not in names]


def _schema(definition: Mapping[str, Any]) -> tuple[Any, ...]:
    descriptor = definition.get("StorageDescriptor") or {}
    return (
        tuple(descriptor.get(key) if key != "Columns" else descriptor.get(key) or [] for key in _SCHEMA_KEYS),
        definition.get("PartitionKeys") or [],
        (definition.get("Parameters") or {}).get("classification"),
    )


class _Writer:
    """Applies one crawl's tables to one database of one tenant, in one session."""

    def __init__(
        self,
        session: Session,
        *,
        tenant_id: str,
        database: str,
        crawler: str,
        policy: Mapping[str, str],
        configuration: CrawlerConfiguration,
        full_crawl: bool,
        now: datetime,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.database = database
        self.crawler = crawler
        self.update = policy.get("UpdateBehavior", "UPDATE_IN_DATABASE")
        self.delete = policy.get("DeleteBehavior", "DEPRECATE_IN_DATABASE")
        self.configuration = configuration
        self.full_crawl = full_crawl
        self.now = now
        self.changes = CatalogChanges()

    # -- tables ---------------------------------------------------------------------------------------------

    def table(self, found: DiscoveredTable) -> None:
        parameters = {
            **found.parameters,
            "classification": found.classification,
            CRAWLER_MARK: self.crawler,
            "CrawlerSchemaSerializerVersion": "1.0",
            "CrawlerSchemaDeserializerVersion": "1.0",
        }
        row = find_table(self.session, self.tenant_id, self.database, found.name, lock=True)
        columns: list[dict[str, Any]] = [dict(column) for column in found.columns]
        if row is not None and self.configuration.tables_merge_new_columns:
            old = (row.definition.get("StorageDescriptor") or {}).get("Columns") or []
            columns = _merge_columns(old, columns)
        definition = {
            "Retention": 0,
            "StorageDescriptor": _storage(found.location, columns, found, found.parameters),
            "PartitionKeys": [dict(key) for key in found.partition_keys],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": parameters,
        }
        self.changes.known_folders.add(found.location)
        if row is None:
            row = self._create_table(found.name, definition)
            self.changes.tables_created.append(found.name)
        elif self.update == "LOG":
            if _schema(row.definition) != _schema(definition):
                self.changes.schema_changes_logged.append(found.name)
        elif _schema(row.definition) != _schema(definition):
            self._update_table(row, definition, archive=True)
            self.changes.tables_updated.append(found.name)
        elif row.definition != definition:  # statistics or marks only: no new version
            self._update_table(row, definition, archive=False)
        self._partitions(row, found)

    def _create_table(self, name: str, definition: dict[str, Any]) -> CatalogTableRow:
        row = CatalogTableRow(
            tenant_id=self.tenant_id,
            database_name=self.database,
            name=name,
            definition=definition,
            version_id=0,
            create_time=self.now,
            update_time=self.now,
        )
        self.session.add(row)
        self.session.add(self._version(name, 0, definition, self.now))
        return row

    def _update_table(self, row: CatalogTableRow, definition: dict[str, Any], *, archive: bool) -> None:
        row.definition = definition
        row.update_time = self.now
        if archive:
            latest = self.session.scalars(
                select(CatalogTableVersionRow.version_id)
                .where(*self._version_filter(row.name))
                .order_by(CatalogTableVersionRow.version_id.desc())
                .limit(1)
            ).first()
            row.version_id = (-1 if latest is None else latest) + 1
            self.session.add(self._version(row.name, row.version_id, definition, row.create_time))
            return
        current = self.session.scalars(
            select(CatalogTableVersionRow).where(
                *self._version_filter(row.name), CatalogTableVersionRow.version_id == row.version_id
            )
        ).first()
        if current is not None:
            current.definition = definition
            current.update_time = self.now

    def _version_filter(self, name: str) -> tuple[Any, ...]:
        return (
            CatalogTableVersionRow.tenant_id == self.tenant_id,
            CatalogTableVersionRow.database_name == self.database,
            CatalogTableVersionRow.table_name == name,
        )

    def _version(self, name: str, number: int, definition: dict[str, Any], created: datetime) -> CatalogTableVersionRow:
        return CatalogTableVersionRow(
            tenant_id=self.tenant_id,
            database_name=self.database,
            table_name=name,
            version_id=number,
            definition=definition,
            create_time=created,
            update_time=self.now,
        )

    # -- partitions -----------------------------------------------------------------------------------------

    def _partitions(self, table: CatalogTableRow, found: DiscoveredTable) -> None:
        existing = {
            row.values_key: row
            for row in self.session.scalars(
                select(CatalogPartitionRow).where(
                    CatalogPartitionRow.tenant_id == self.tenant_id,
                    CatalogPartitionRow.database_name == self.database,
                    CatalogPartitionRow.table_name == table.name,
                )
            )
        }
        key_count = len(table.definition.get("PartitionKeys") or [])
        table_columns = (table.definition.get("StorageDescriptor") or {}).get("Columns") or []
        seen: set[str] = set()
        for partition in found.partitions:
            self.changes.known_folders.add(partition.location)
            if len(partition.values) != key_count:
                self.changes.partition_errors.append(
                    {
                        "Location": partition.location,
                        "Reason": f"{len(partition.values)} values for the {key_count} partition keys of "
                        f"table {table.name} (its schema change was only logged)",
                    }
                )
                continue
            key = values_key(partition.values)
            seen.add(key)
            definition = self._partition_definition(partition, found, table_columns)
            row = existing.get(key)
            if row is None:
                self.session.add(
                    CatalogPartitionRow(
                        tenant_id=self.tenant_id,
                        database_name=self.database,
                        table_name=table.name,
                        values_key=key,
                        definition=definition,
                        creation_time=self.now,
                    )
                )
                self.changes.partitions_added += 1
            elif self.update == "UPDATE_IN_DATABASE" and row.definition != definition:
                row.definition = definition
                self.changes.partitions_updated += 1
        if not self.full_crawl:
            return
        for key, row in existing.items():
            if key in seen:
                continue
            fits = len(values_of(key)) == key_count
            if self.delete == "DELETE_FROM_DATABASE" or not fits:
                self.session.delete(row)
                self.changes.partitions_deleted += 1
            else:
                self.changes.partition_deletes_logged += 1

    def _partition_definition(
        self, partition: DiscoveredPartition, found: DiscoveredTable, table_columns: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        columns = table_columns if self.configuration.partitions_inherit_from_table else partition.columns
        return {
            "StorageDescriptor": _storage(partition.location, columns, found, partition.parameters),
            "Parameters": dict(partition.parameters),
        }

    # -- tables that vanished -------------------------------------------------------------------------------

    def vanished(self, found_names: set[str]) -> None:
        """Apply DeleteBehavior to this crawler's tables that the crawl did not find."""
        if not self.full_crawl:
            return
        rows = self.session.scalars(
            select(CatalogTableRow).where(
                CatalogTableRow.tenant_id == self.tenant_id, CatalogTableRow.database_name == self.database
            )
        )
        for row in list(rows):
            parameters = row.definition.get("Parameters") or {}
            if parameters.get(CRAWLER_MARK) != self.crawler or row.name in found_names:
                continue
            if self.delete == "DELETE_FROM_DATABASE":
                self._delete_table(row)
                self.changes.tables_deleted.append(row.name)
            elif self.delete == "DEPRECATE_IN_DATABASE":
                if DEPRECATED_MARK in parameters:
                    continue
                definition = dict(row.definition)
                definition["Parameters"] = {**parameters, DEPRECATED_MARK: self.now.isoformat()}
                self._update_table(row, definition, archive=True)
                self.changes.tables_deprecated.append(row.name)
            else:
                self.changes.deletes_logged.append(row.name)

    def _delete_table(self, row: CatalogTableRow) -> None:
        self.session.execute(delete(CatalogTableVersionRow).where(*self._version_filter(row.name)))
        self.session.execute(
            delete(CatalogPartitionRow).where(
                CatalogPartitionRow.tenant_id == self.tenant_id,
                CatalogPartitionRow.database_name == self.database,
                CatalogPartitionRow.table_name == row.name,
            )
        )
        self.session.delete(row)


def apply_crawl(
    session: Session,
    tables: Sequence[DiscoveredTable],
    *,
    tenant_id: str,
    database: str,
    crawler: str,
    policy: Mapping[str, str],
    configuration: CrawlerConfiguration,
    full_crawl: bool,
    now: datetime,
) -> CatalogChanges:
    """Write ``tables`` into ``database`` following ``policy`` (SchemaChangePolicy); return what changed.

    Args:
        session: the caller's transaction; nothing is committed here.
        full_crawl: False for CRAWL_NEW_FOLDERS_ONLY: nothing missing from the result counts as deleted.
    """
    writer = _Writer(
        session,
        tenant_id=tenant_id,
        database=database,
        crawler=crawler,
        policy=policy,
        configuration=configuration,
        full_crawl=full_crawl,
        now=now,
    )
    for table in tables:
        writer.table(table)
    writer.vanished({table.name for table in tables})
    return writer.changes
