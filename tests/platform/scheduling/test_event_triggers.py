"""EVENT triggers with an injected clock: events put to a workflow start runs in batches, each exactly once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import TriggerFiringRow, WorkflowEventRow, WorkflowRunRow
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.scheduling.events_batching import (
    EVENT_IDS_PROPERTY,
    batch_fire_key,
    fire_event_batches,
    parse_events,
)
from glueworks.platform.scheduling.firing import action_key
from glueworks.platform.scheduling.scheduler import Scheduler
from glueworks.platform.services.triggers import TriggerSpec
from tests.platform.scheduling.conftest import TENANT, Orchestra, serve


def event(event_id: str, **detail: Any) -> dict[str, Any]:
    return {"id": event_id, "source": "shop.orders", "detail-type": "Order Placed", "detail": {"n": event_id, **detail}}


def event_workflow(o: Orchestra, wf: str, *, size: int, window: int = 900, job: str | None = None) -> str:
    job = o.job(job or f"{wf}-ingest")
    o.platform.workflows.create(TENANT, wf)
    spec = TriggerSpec(
        "EVENT",
        [{"JobName": job, "Arguments": {"--from": "events"}}],
        workflow_name=wf,
        event_batching={"BatchSize": size, "BatchWindow": window},
    )
    o.platform.triggers.create(TENANT, f"{wf}-on-event", spec, start_on_creation=True)
    return job


def put(o: Orchestra, wf: str, *ids: str) -> list[str]:
    return o.platform.workflows.put_events(TENANT, wf, {"events": [event(i) for i in ids]}).event_ids


def workflow_runs(o: Orchestra, wf: str) -> list[WorkflowRunRow]:
    with o.platform.db.transaction() as session:
        rows = session.scalars(
            select(WorkflowRunRow).where(WorkflowRunRow.workflow_name == wf).order_by(WorkflowRunRow.started_on)
        )
        return sorted(rows, key=lambda r: json.loads(r.properties[EVENT_IDS_PROPERTY])[0])


def batches(o: Orchestra, wf: str) -> list[list[str]]:
    return [json.loads(r.properties[EVENT_IDS_PROPERTY]) for r in workflow_runs(o, wf)]


def job_runs(o: Orchestra, job: str) -> list[JobRunRow]:
    with o.platform.db.transaction() as session:
        return list(session.scalars(select(JobRunRow).where(JobRunRow.job_name == job)))


def pending(o: Orchestra, wf: str) -> list[str]:
    with o.platform.db.transaction() as session:
        return list(
            session.scalars(
                select(WorkflowEventRow.event_id)
                .where(WorkflowEventRow.workflow_name == wf, WorkflowEventRow.fire_key.is_(None))
                .order_by(WorkflowEventRow.id)
            )
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None (a SQLite file) or a fresh database on the embedded PostgreSQL server."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_batch_by_size_starts_one_run_per_full_batch(make_orchestra, database_url) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(database_url)
    job = event_workflow(o, "orders", size=3)
    assert put(o, "orders", *(f"e{i}" for i in range(1, 8))) == [f"e{i}" for i in range(1, 8)]
    report = o.platform.scheduler.run_once()
    assert report.event_batches_fired == 2
    assert batches(o, "orders") == [["e1", "e2", "e3"], ["e4", "e5", "e6"]]
    assert pending(o, "orders") == ["e7"]  # beyond BatchSize: waits for the next batch
    runs = job_runs(o, job)
    assert sorted(r.idempotency_key or "" for r in runs) == sorted(
        action_key("orders-on-event", batch_fire_key(first), 0) for first in ("e1", "e4")
    )
    by_run = {r.id: r for r in workflow_runs(o, "orders")}
    assert {r.arguments["--WORKFLOW_RUN_ID"] for r in runs} == set(by_run)
    assert all(r.arguments["--from"] == "events" and r.state == "SUCCEEDED" for r in runs)
    # Two more events fill the next batch (e7, e8, e9); the pass after that completes the workflow runs.
    put(o, "orders", "e8", "e9")
    o.clock.advance(timedelta(seconds=1))
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "orders")[-1] == ["e7", "e8", "e9"]
    o.clock.advance(timedelta(seconds=1))
    o.platform.scheduler.run_once()
    assert {r.status for r in workflow_runs(o, "orders")} == {"COMPLETED"}
    # The run properties are readable through the Glue-shaped API, as jobs read them.
    run_id = workflow_runs(o, "orders")[0].id
    props = o.platform.workflows.get_run_properties(TENANT, "orders", run_id)
    assert json.loads(props[EVENT_IDS_PROPERTY]) == ["e1", "e2", "e3"]


def test_batch_by_window_counts_from_the_oldest_pending_event(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    event_workflow(o, "clicks", size=10, window=60)
    put(o, "clicks", "a")
    o.clock.advance(timedelta(seconds=40))
    put(o, "clicks", "b")
    o.clock.advance(timedelta(seconds=19))  # 59 s after "a"
    assert o.platform.scheduler.run_once().event_batches_fired == 0
    assert workflow_runs(o, "clicks") == []
    o.clock.advance(timedelta(seconds=1))  # 60 s after "a": the window is over
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "clicks") == [["a", "b"]]
    assert pending(o, "clicks") == []
    # A later event opens a new window of its own.
    put(o, "clicks", "c")
    o.clock.advance(timedelta(seconds=59))
    assert o.platform.scheduler.run_once().event_batches_fired == 0
    o.clock.advance(timedelta(seconds=1))
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "clicks") == [["a", "b"], ["c"]]


def test_exactly_once_across_passes_and_a_rerun_of_the_same_pass(make_orchestra, database_url) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(database_url)
    job = event_workflow(o, "once", size=2)
    put(o, "once", "x1", "x2", "x3")
    now = o.clock()
    assert fire_event_batches(o.platform.db, now, o.platform.scheduler._new_run_id) == 1
    # The same pass again (same clock), then two more passes: nothing new fires.
    assert fire_event_batches(o.platform.db, now, o.platform.scheduler._new_run_id) == 0
    assert o.platform.scheduler.run_once().event_batches_fired == 0
    # A second scheduler (on PostgreSQL both lead; on SQLite the lease keeps it out) fires nothing either.
    first = o.platform.scheduler
    second = Scheduler(o.platform.db, first._dispatcher, clock=o.clock, config=first.config, holder="second")
    assert second.run_once().event_batches_fired == 0
    assert len(workflow_runs(o, "once")) == 1 == len(job_runs(o, job))
    # Re-sending events already stored stores nothing (EventBridge may deliver twice).
    again = o.platform.workflows.put_events(TENANT, "once", {"events": [event("x1"), event("x2")]})
    assert again.event_ids == [] and again.duplicate_ids == ["x1", "x2"]
    # Even if the batch's events were un-marked (a crash between writes cannot do it: one transaction marks and
    # fires), the unique firing row refuses a second run of the same batch.
    with o.platform.db.transaction() as session:
        for row in session.scalars(select(WorkflowEventRow).where(WorkflowEventRow.event_id.in_(["x1", "x2"]))):
            row.fire_key, row.workflow_run_id = None, None
    assert o.platform.scheduler.run_once().event_batches_fired == 0
    assert len(workflow_runs(o, "once")) == 1 == len(job_runs(o, job))
    with o.platform.db.transaction() as session:
        keys = list(session.scalars(select(TriggerFiringRow.fire_key)))
    assert keys == [batch_fire_key("x1")]
    assert pending(o, "once") == ["x3"]


def test_a_second_workflow_is_unaffected(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    first = event_workflow(o, "first", size=2)
    second = event_workflow(o, "second", size=2)
    put(o, "first", "f1", "f2")
    put(o, "second", "s1")
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "first") == [["f1", "f2"]]
    assert workflow_runs(o, "second") == [] and job_runs(o, second) == []
    assert pending(o, "second") == ["s1"]
    # The same event id in another workflow is another event.
    put(o, "second", "f1")
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "second") == [["s1", "f1"]]
    assert len(job_runs(o, first)) == 1 == len(job_runs(o, second))


def test_a_deactivated_trigger_takes_and_consumes_no_events(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    event_workflow(o, "paused", size=5, window=30)
    put(o, "paused", "p1", "p2")
    o.platform.triggers.stop(TENANT, "paused-on-event")
    o.clock.advance(timedelta(minutes=5))
    assert o.platform.scheduler.run_once().event_batches_fired == 0
    assert workflow_runs(o, "paused") == []
    assert pending(o, "paused") == ["p1", "p2"]
    with pytest.raises(InvalidInputError, match=r"Name: .*no ACTIVATED EVENT trigger.*DEACTIVATED"):
        put(o, "paused", "p3")
    # Started again, it fires its pending events: their window is long over.
    o.platform.triggers.start(TENANT, "paused-on-event")
    assert o.platform.scheduler.run_once().event_batches_fired == 1
    assert batches(o, "paused") == [["p1", "p2"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "event"),
        ({"detail-type": "T", "detail": {}}, "event.source"),
        ({"source": "s", "detail": {}}, "event.detail-type"),
        ({"source": "s", "detail-type": "T"}, "event.detail"),
        ({"source": "s", "detail-type": "T", "detail": "text"}, "event.detail"),
        ({"source": "s" * 257, "detail-type": "T", "detail": {}}, "event.source"),
        ({"source": "s", "detail-type": "T", "detail": {}, "time": "yesterday"}, "event.time"),
        ({"source": "s", "detail-type": "T", "detail": {}, "colour": "red"}, "event.colour"),
        ({"source": "s", "detail-type": "T", "detail": {"x": "y" * 300_000}}, "event"),
        ({"events": []}, "events"),
        ({"events": "e"}, "events"),
        ({"events": [event(str(i)) for i in range(101)]}, "events"),
        ({"events": [event("a"), {"source": "s", "detail": {}}]}, "events[1].detail-type"),
        ({"events": [event("a"), event("a")]}, "events[1].id"),
        ({"events": [event("a")], "more": 1}, "more"),
    ],
)
def test_bad_events_are_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_events(body)
    assert caught.value.field == field


def test_events_for_a_workflow_without_an_event_trigger_are_refused(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    with pytest.raises(EntityNotFoundError, match="nowhere"):
        put(o, "nowhere", "n1")
    o.platform.workflows.create(TENANT, "manual")
    manual = TriggerSpec("ON_DEMAND", [{"JobName": o.job("m")}], workflow_name="manual")
    o.platform.triggers.create(TENANT, "go", manual)
    with pytest.raises(InvalidInputError, match="has none"):
        put(o, "manual", "n1")
    # Not yet activated (no StartOnCreation): refused, and nothing is stored.
    o.platform.workflows.create(TENANT, "later")
    spec = TriggerSpec("EVENT", [{"JobName": "m"}], workflow_name="later")
    o.platform.triggers.create(TENANT, "later-ev", spec)
    with pytest.raises(InvalidInputError, match="later-ev is CREATED"):
        put(o, "later", "n1")
    assert pending(o, "later") == []


def test_rest_and_a_webhook_of_the_platforms_own_events_start_the_workflow(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    job = event_workflow(o, "after-etl", size=1)
    o.job("etl")
    with serve(o.platform) as http:
        one = http.post("/v1/workflows/after-etl/events", json=event("r1"))
        assert one.status_code == 202, one.text
        assert one.json() == {
            "workflow_name": "after-etl",
            "trigger_name": "after-etl-on-event",
            "event_ids": ["r1"],
            "duplicate_event_ids": [],
        }
        bad = http.post("/v1/workflows/after-etl/events", json={"events": [{"source": "s", "detail": {}}]})
        assert bad.status_code == 400 and "events[0].detail-type" in bad.text
        missing = http.post("/v1/workflows/nope/events", json=event("r2"))
        assert missing.status_code == 404, missing.text
        # The webhook path: the platform's own job state-change events, delivered to the workflow's URL.
        o.platform.events.add_webhook(TENANT, str(http.base_url).rstrip("/") + "/v1/workflows/after-etl/events")
        run = o.platform.runs.start(TENANT, "etl")
        assert o.platform.events.deliver_due() >= 1
    assert o.platform.scheduler.run_once().event_batches_fired == 2
    runs = workflow_runs(o, "after-etl")
    assert len(runs) == 2 and len(job_runs(o, job)) == 2
    with o.platform.db.transaction() as session:
        delivered = session.scalars(
            select(WorkflowEventRow).where(WorkflowEventRow.detail_type == "Glue Job State Change")
        ).one()
    assert delivered.source == "aws.glue"
    assert delivered.detail["jobName"] == "etl" and delivered.detail["jobRunId"] == run.id
    assert delivered.detail["state"] == "SUCCEEDED"
