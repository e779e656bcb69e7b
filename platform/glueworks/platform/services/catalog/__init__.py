"""The Data Catalog services: databases, tables (with versions and search) and partitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from glueworks.platform.db import Database
from glueworks.platform.services.catalog._common import DEFAULT_CATALOG_ID, ItemError, check_catalog
from glueworks.platform.services.catalog.databases import DatabaseService, database_shape
from glueworks.platform.services.catalog.expression import compile_expression, parse_expression
from glueworks.platform.services.catalog.partitions import PartitionService, partition_shape, segment_of
from glueworks.platform.services.catalog.search import search_tables
from glueworks.platform.services.catalog.tables import TableService, table_row_shape, table_shape

__all__ = [
    "DEFAULT_CATALOG_ID",
    "CatalogService",
    "DatabaseService",
    "ItemError",
    "PartitionService",
    "TableService",
    "check_catalog",
    "compile_expression",
    "database_shape",
    "parse_expression",
    "partition_shape",
    "search_tables",
    "segment_of",
    "table_row_shape",
    "table_shape",
]


class CatalogService:
    """The catalog's three services over one database: ``databases``, ``tables``, ``partitions``."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.databases = DatabaseService(db, clock)
        self.tables = TableService(db, clock)
        self.partitions = PartitionService(db, clock)
