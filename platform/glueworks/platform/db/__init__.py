"""The database layer: tables, migrations, engine and session factories."""

from glueworks.platform.db.catalog_models import (
    CatalogDatabaseRow,
    CatalogPartitionRow,
    CatalogTableRow,
    CatalogTableVersionRow,
)
from glueworks.platform.db.engine import Database, make_engine, migrate
from glueworks.platform.db.models import Base, JobRow, JobRunRow

__all__ = [
    "Base",
    "CatalogDatabaseRow",
    "CatalogPartitionRow",
    "CatalogTableRow",
    "CatalogTableVersionRow",
    "Database",
    "JobRow",
    "JobRunRow",
    "make_engine",
    "migrate",
]
