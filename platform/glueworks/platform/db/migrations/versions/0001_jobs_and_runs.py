"""Jobs and job runs, each row owned by a tenant.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("role", sa.String(2048)),
        sa.Column("command_name", sa.String(64), nullable=False),
        sa.Column("script_location", sa.String(4096), nullable=False),
        sa.Column("python_version", sa.String(16)),
        sa.Column("runtime", sa.String(64)),
        sa.Column("default_arguments", sa.JSON, nullable=False),
        sa.Column("non_overridable_arguments", sa.JSON, nullable=False),
        sa.Column("max_retries", sa.Integer, nullable=False),
        sa.Column("timeout", sa.Integer),
        sa.Column("worker_type", sa.String(32)),
        sa.Column("number_of_workers", sa.Integer),
        sa.Column("max_capacity", sa.Float),
        sa.Column("max_concurrent_runs", sa.Integer, nullable=False),
        sa.Column("glue_version", sa.String(16)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_on", UTCDateTime, nullable=False),
        sa.Column("last_modified_on", UTCDateTime, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_jobs_tenant_name"),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("job_name", sa.String(255), nullable=False, index=True),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("previous_run_id", sa.String(80)),
        sa.Column("trigger_name", sa.String(255)),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("arguments", sa.JSON, nullable=False),
        sa.Column("started_on", UTCDateTime, nullable=False, index=True),
        sa.Column("last_modified_on", UTCDateTime, nullable=False),
        sa.Column("completed_on", UTCDateTime),
        sa.Column("running_on", UTCDateTime),
        sa.Column("execution_time", sa.Integer, nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("timeout", sa.Integer),
        sa.Column("max_capacity", sa.Float),
        sa.Column("worker_type", sa.String(32)),
        sa.Column("number_of_workers", sa.Integer),
        sa.Column("dpu_seconds", sa.Float),
        sa.Column("glue_version", sa.String(16)),
        sa.Column("script_location", sa.String(4096), nullable=False),
        sa.Column("log_location", sa.String(4096)),
        sa.Column("metrics", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_table("jobs")
