"""Triggers, workflows, workflow runs, trigger firings and actions, and the scheduler lease.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "triggers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("trigger_id", sa.String(64), nullable=False),
        sa.Column("workflow_name", sa.String(255), index=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("description", sa.Text),
        sa.Column("schedule", sa.String(256)),
        sa.Column("predicate", sa.JSON),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("event_batching", sa.JSON),
        sa.Column("next_tick", UTCDateTime, index=True),
        sa.Column("activated_on", UTCDateTime),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
        sa.Column("last_modified_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_triggers_tenant_name"),
    )
    op.create_table(
        "trigger_firings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("trigger_name", sa.String(255), nullable=False),
        sa.Column("fire_key", sa.String(255), nullable=False),
        sa.Column("tick", UTCDateTime),
        sa.Column("workflow_run_id", sa.String(80), index=True),
        sa.Column("fired_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "trigger_name", "fire_key", name="uq_trigger_firings_key"),
    )
    op.create_table(
        "trigger_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("firing_id", sa.Integer, nullable=False, index=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("trigger_name", sa.String(255), nullable=False),
        sa.Column("workflow_name", sa.String(255)),
        sa.Column("workflow_run_id", sa.String(80), index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_name", sa.String(255), nullable=False),
        sa.Column("arguments", sa.JSON, nullable=False),
        sa.Column("timeout", sa.Integer),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(80)),
        sa.Column("error_message", sa.Text),
        sa.Column("created_on", UTCDateTime, nullable=False),
        sa.Column("started_on", UTCDateTime),
        sa.UniqueConstraint("firing_id", "position", name="uq_trigger_actions_position"),
    )
    op.create_index("ix_trigger_actions_status", "trigger_actions", ["status"])
    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("default_run_properties", sa.JSON, nullable=False),
        sa.Column("max_concurrent_runs", sa.Integer),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
        sa.Column("last_modified_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_workflows_tenant_name"),
    )
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("workflow_name", sa.String(255), nullable=False, index=True),
        sa.Column("previous_run_id", sa.String(80)),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("error_message", sa.Text),
        sa.Column("inherited", sa.JSON, nullable=False),
        sa.Column("started_on", UTCDateTime, nullable=False),
        sa.Column("completed_on", UTCDateTime),
        sa.Column("last_modified_on", UTCDateTime, nullable=False),
    )
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("scheduler_leases", "workflow_runs", "workflows", "trigger_actions", "trigger_firings", "triggers"):
        op.drop_table(table)
