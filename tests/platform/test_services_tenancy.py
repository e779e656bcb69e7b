"""Every row belongs to a tenant and every query filters by it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from glueworks.platform.db import Database
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services import JobService, JobSpec


def test_tenants_never_see_each_other(database: Database, tmp_path: Path) -> None:
    store = ScriptStore(str(tmp_path / "storage"), [tmp_path])
    jobs = JobService(database, store, lambda: datetime.now(UTC))
    for tenant in ("acme", "globex"):
        location, _ = store.upload(tenant, "etl.py", f"print({tenant!r})\n".encode())
        jobs.create(tenant, "etl", JobSpec(script_location=location, description=tenant))
    assert jobs.get("acme", "etl").description == "acme"
    assert jobs.get("globex", "etl").description == "globex"
    assert [row.name for row in jobs.page("acme", None, None)[0]] == ["etl"]
    with pytest.raises(EntityNotFoundError):
        jobs.get("initech", "etl")
    # A tenant cannot point a job at another tenant's stored script.
    other = f"file://{store.tenant_folder('acme') / 'etl.py'}"
    with pytest.raises(InvalidInputError, match="another tenant"):
        jobs.create("globex", "steal", JobSpec(script_location=other))
    jobs.delete("acme", "etl")
    assert jobs.get("globex", "etl").description == "globex"


def test_bad_page_token_is_an_input_error(database: Database, tmp_path: Path) -> None:
    jobs = JobService(database, ScriptStore(str(tmp_path), [tmp_path]), lambda: datetime.now(UTC))
    with pytest.raises(InvalidInputError, match="NextToken"):
        jobs.page("default", 10, "not-a-token!")
