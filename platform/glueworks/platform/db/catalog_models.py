"""Tables of the Data Catalog: databases, tables, table versions and partitions.

Every row carries ``tenant_id`` and every query of the catalog services filters by it. Definitions are kept as
the JSON documents Glue's input shapes describe (``DatabaseInput``, ``TableInput``, ``PartitionInput`` without
their names); the columns beside them are the keys the services look rows up, order and page by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from glueworks.platform.db.models import Base


class CatalogDatabaseRow(Base):
    __tablename__ = "catalog_databases"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_catalog_databases_tenant_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[dict[str, Any]]
    create_time: Mapped[datetime]


class CatalogTableRow(Base):
    __tablename__ = "catalog_tables"
    __table_args__ = (UniqueConstraint("tenant_id", "database_name", "name", name="uq_catalog_tables_tenant_db_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    database_name: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    definition: Mapped[dict[str, Any]]
    version_id: Mapped[int] = mapped_column(Integer)
    create_time: Mapped[datetime]
    update_time: Mapped[datetime]


class CatalogTableVersionRow(Base):
    """One archived (or the current) definition of a table; the current one has the table's ``version_id``."""

    __tablename__ = "catalog_table_versions"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "database_name", "table_name", "version_id", name="uq_catalog_table_versions_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    database_name: Mapped[str] = mapped_column(String(255))
    table_name: Mapped[str] = mapped_column(String(255))
    version_id: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]]
    create_time: Mapped[datetime]
    update_time: Mapped[datetime]


class CatalogPartitionRow(Base):
    """A partition; ``values_key`` is its value list as compact JSON, unique per table."""

    __tablename__ = "catalog_partitions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "database_name", "table_name", "values_key", name="uq_catalog_partitions_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    database_name: Mapped[str] = mapped_column(String(255))
    table_name: Mapped[str] = mapped_column(String(255))
    values_key: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]]
    creation_time: Mapped[datetime]
    last_access_time: Mapped[datetime | None]
