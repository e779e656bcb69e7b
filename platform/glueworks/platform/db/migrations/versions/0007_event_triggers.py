"""Events put to workflows, waiting for (or taken by) a batch of their EVENT trigger.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "workflow_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("workflow_name", sa.String(255), nullable=False),
        sa.Column("trigger_name", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("detail_type", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("event_time", sa.String(64)),
        sa.Column("received_on", UTCDateTime, nullable=False),
        sa.Column("fire_key", sa.String(255)),
        sa.Column("workflow_run_id", sa.String(80)),
        sa.UniqueConstraint("tenant_id", "workflow_name", "event_id", name="uq_workflow_events_id"),
    )
    op.create_index("ix_workflow_events_pending", "workflow_events", ["tenant_id", "trigger_name", "fire_key"])


def downgrade() -> None:
    op.drop_index("ix_workflow_events_pending", table_name="workflow_events")
    op.drop_table("workflow_events")
