"""Output commit (run_outputs), job bookmarks (+ history), the event outbox, deliveries and webhooks.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "run_outputs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("run_id", sa.String(80), nullable=False, index=True),
        sa.Column("job_name", sa.String(255), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("token", sa.String(255), nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("committed_on", UTCDateTime, nullable=False),
        sa.Column("published_on", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("tenant_id", "run_id", "token", name="uq_run_outputs_run_token"),
    )
    op.create_table(
        "job_bookmarks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("job_name", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(80)),
        sa.Column("previous_run_id", sa.String(80)),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("updated_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "job_name", name="uq_job_bookmarks_tenant_job"),
    )
    op.create_table(
        "job_bookmark_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("job_name", sa.String(255), nullable=False, index=True),
        sa.Column("run_id", sa.String(80), index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("detail_type", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
    )
    op.create_table(
        "event_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.Integer, nullable=False, index=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_on", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_on", UTCDateTime, nullable=False),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "url", name="uq_webhooks_tenant_url"),
    )


def downgrade() -> None:
    for table in ("webhooks", "event_deliveries", "events", "job_bookmark_history", "job_bookmarks", "run_outputs"):
        op.drop_table(table)
