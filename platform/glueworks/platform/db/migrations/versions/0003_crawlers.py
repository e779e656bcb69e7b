"""Crawlers, their crawls and custom classifiers, each row owned by a tenant.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "crawlers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("schedule_expression", sa.String(512)),
        sa.Column("schedule_state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("known_folders", sa.JSON, nullable=False),
        sa.Column("current_crawl_id", sa.String(64)),
        sa.Column("creation_time", UTCDateTime, nullable=False),
        sa.Column("last_updated", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_crawlers_tenant_name"),
    )
    op.create_table(
        "crawls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("crawler_name", sa.String(255), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("start_time", UTCDateTime, nullable=False),
        sa.Column("end_time", UTCDateTime),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("runtime_seconds", sa.Float),
        sa.Column("tables_created", sa.Integer, nullable=False),
        sa.Column("tables_updated", sa.Integer, nullable=False),
        sa.Column("tables_deleted", sa.Integer, nullable=False),
    )
    op.create_table(
        "classifiers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("creation_time", UTCDateTime, nullable=False),
        sa.Column("last_updated", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_classifiers_tenant_name"),
    )


def downgrade() -> None:
    op.drop_table("classifiers")
    op.drop_table("crawls")
    op.drop_table("crawlers")
