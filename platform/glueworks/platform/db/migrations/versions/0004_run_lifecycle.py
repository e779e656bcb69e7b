"""Run lifecycle: retries (failure kind), queuing (WAITING, StateDetail), FLEX, idempotent starts.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from glueworks.platform.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Server defaults fill rows written before this revision; the ORM sets the values itself afterwards.
    op.add_column("jobs", sa.Column("job_run_queuing_enabled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("jobs", sa.Column("execution_class", sa.String(16)))
    op.add_column("job_runs", sa.Column("failure_kind", sa.String(16)))
    op.add_column("job_runs", sa.Column("state_detail", sa.Text))
    op.add_column("job_runs", sa.Column("wait_reason", sa.String(16)))
    op.add_column(
        "job_runs", sa.Column("execution_class", sa.String(16), nullable=False, server_default="STANDARD")
    )
    op.add_column(
        "job_runs", sa.Column("job_run_queuing_enabled", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("job_runs", sa.Column("not_before", UTCDateTime))
    op.add_column("job_runs", sa.Column("idempotency_key", sa.String(255)))
    op.add_column("job_runs", sa.Column("request_fingerprint", sa.String(64)))
    # A unique index rather than a constraint: SQLite cannot add constraints to an existing table.
    op.create_index(
        "uq_job_runs_idempotency", "job_runs", ["tenant_id", "job_name", "idempotency_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_job_runs_idempotency", table_name="job_runs")
    for column in (
        "request_fingerprint",
        "idempotency_key",
        "not_before",
        "job_run_queuing_enabled",
        "execution_class",
        "wait_reason",
        "state_detail",
        "failure_kind",
    ):
        op.drop_column("job_runs", column)
    op.drop_column("jobs", "execution_class")
    op.drop_column("jobs", "job_run_queuing_enabled")
