"""Newest-first keyset paging of job runs (`run_reads.runs_page`, shared with workflow runs via `paging`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from glueworks.platform.db import Database, JobRunRow
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services import JobService, JobSpec
from glueworks.platform.services.paging import encode_token
from glueworks.platform.services.run_reads import runs_page

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _run(run_id: str, started: datetime, tenant: str = "acme") -> JobRunRow:
    return JobRunRow(
        id=run_id,
        tenant_id=tenant,
        job_name="etl",
        state="SUCCEEDED",
        arguments={},
        started_on=started,
        last_modified_on=started,
        script_location="file:///etl.py",
        metrics={},
    )


@pytest.fixture
def runs(database: Database, tmp_path: Path) -> Database:
    store = ScriptStore(str(tmp_path / "storage"), [tmp_path])
    location, _ = store.upload("acme", "etl.py", b"print('etl')\n")
    JobService(database, store, lambda: T0).create("acme", "etl", JobSpec(script_location=location))
    with database.transaction() as session:
        # Three runs started in the same instant: the id breaks the tie, so no page repeats or skips one.
        starts = {"jr_a": T0, "jr_b": T0, "jr_c": T0, "jr_d": T0 + timedelta(seconds=1), "jr_e": T0 - timedelta(1)}
        session.add_all(_run(run_id, started) for run_id, started in starts.items())
        session.add(_run("jr_other", T0 + timedelta(seconds=5), tenant="globex"))
    return database


def test_pages_visit_every_run_once_newest_first(runs: Database) -> None:
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        with runs.transaction() as session:
            rows, token = runs_page(session, "acme", "etl", 2, token)
        seen += [row.id for row in rows]
        pages += 1
        if token is None:
            break
    assert seen == ["jr_d", "jr_c", "jr_b", "jr_a", "jr_e"]
    assert pages == 3


def test_a_page_that_holds_the_last_run_has_no_token(runs: Database) -> None:
    with runs.transaction() as session:
        rows, token = runs_page(session, "acme", "etl", 5, None)
    assert len(rows) == 5 and token is None


@pytest.mark.parametrize("cursor", [{"t": "yesterday", "id": "jr_a"}, {"t": T0.isoformat()}, {"id": "jr_a"}])
def test_a_token_whose_cursor_does_not_parse_names_next_token(runs: Database, cursor: dict[str, str]) -> None:
    with runs.transaction() as session, pytest.raises(InvalidInputError, match="NextToken"):
        runs_page(session, "acme", "etl", 2, encode_token(cursor))


def test_another_tenant_sees_no_job_and_no_runs(runs: Database) -> None:
    with runs.transaction() as session, pytest.raises(EntityNotFoundError):
        runs_page(session, "globex", "etl", 2, None)
