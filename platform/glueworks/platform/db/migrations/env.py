"""Alembic environment: runs on the connection handed over by ``glueworks.platform.db.engine.migrate``."""

from __future__ import annotations

from alembic import context

from glueworks.platform.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through glueworks.platform.db.engine.migrate(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
