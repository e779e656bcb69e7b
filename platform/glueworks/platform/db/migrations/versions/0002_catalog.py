"""The Data Catalog: databases, tables, table versions and partitions, each row owned by a tenant.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "catalog_databases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("create_time", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_catalog_databases_tenant_name"),
    )
    op.create_table(
        "catalog_tables",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("database_name", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("create_time", UTCDateTime, nullable=False),
        sa.Column("update_time", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "database_name", "name", name="uq_catalog_tables_tenant_db_name"),
    )
    op.create_table(
        "catalog_table_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("database_name", sa.String(255), nullable=False),
        sa.Column("table_name", sa.String(255), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("create_time", UTCDateTime, nullable=False),
        sa.Column("update_time", UTCDateTime, nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "database_name", "table_name", "version_id", name="uq_catalog_table_versions_key"
        ),
    )
    op.create_table(
        "catalog_partitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("database_name", sa.String(255), nullable=False),
        sa.Column("table_name", sa.String(255), nullable=False),
        sa.Column("values_key", sa.Text, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("creation_time", UTCDateTime, nullable=False),
        sa.Column("last_access_time", UTCDateTime),
        sa.UniqueConstraint("tenant_id", "database_name", "table_name", "values_key", name="uq_catalog_partitions_key"),
    )


def downgrade() -> None:
    op.drop_table("catalog_partitions")
    op.drop_table("catalog_table_versions")
    op.drop_table("catalog_tables")
    op.drop_table("catalog_databases")
