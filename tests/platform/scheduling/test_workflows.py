"""Workflows and triggers through the services, with the in-process backend and an injected clock (no Ray).

A → (B, C) on A SUCCEEDED → D on B AND C: order, statistics, resume of a failed node, stop, limits, bad input.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import TriggerActionRow
from glueworks.platform.errors import ConcurrentRunsExceededError, EntityNotFoundError, InvalidInputError
from glueworks.platform.scheduling.graph import node_id
from glueworks.platform.services.triggers import TriggerSpec
from glueworks.platform.services.workflows import IllegalWorkflowStateError
from tests.platform.scheduling.conftest import TENANT, Orchestra


def cond(*jobs: str, state: str = "SUCCEEDED", logical: str = "AND") -> dict[str, Any]:
    return {
        "Logical": logical,
        "Conditions": [{"LogicalOperator": "EQUALS", "JobName": j, "State": state} for j in jobs],
    }


def diamond(o: Orchestra, wf: str = "etl", **workflow: Any) -> None:
    for job in ("A", "B", "C", "D"):
        o.job(job)
    o.platform.workflows.create(TENANT, wf, default_run_properties={"source": "s3://in"}, **workflow)
    t = o.platform.triggers
    t.create(TENANT, "start", TriggerSpec("ON_DEMAND", [{"JobName": "A"}], workflow_name=wf))
    t.create(
        TENANT,
        "after-a",
        TriggerSpec("CONDITIONAL", [{"JobName": "B"}, {"JobName": "C"}], workflow_name=wf, predicate=cond("A")),
        start_on_creation=True,
    )
    t.create(
        TENANT,
        "after-bc",
        TriggerSpec("CONDITIONAL", [{"JobName": "D"}], workflow_name=wf, predicate=cond("B", "C")),
        start_on_creation=True,
    )


def job_runs(o: Orchestra) -> list[JobRunRow]:
    with o.platform.db.transaction() as session:
        return list(session.scalars(select(JobRunRow).order_by(JobRunRow.started_on, JobRunRow.id)))


def settle(o: Orchestra, passes: int = 6) -> None:
    """Scheduler passes one (simulated) second apart."""
    for _ in range(passes):
        o.clock.advance(timedelta(seconds=1))
        o.platform.scheduler.run_once()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None (a SQLite file) or a fresh database on the embedded PostgreSQL server."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_diamond_runs_in_order_and_a_failed_node_is_resumed(make_orchestra, database_url) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(database_url)
    diamond(o)
    o.launcher.outcomes["C"] = "FAILED"
    run_id = o.platform.workflows.start_run(TENANT, "etl", {"day": "2026-03-01"})
    settle(o)
    view = o.platform.workflows.get_run(TENANT, "etl", run_id, include_graph=True)
    assert view.run.status == "COMPLETED"
    assert view.statistics["TotalActions"] == 3
    assert view.statistics["SucceededActions"] == 2 and view.statistics["FailedActions"] == 1
    assert job_runs(o)[0].job_name == "A"
    assert sorted(r.job_name for r in job_runs(o)) == ["A", "B", "C"]  # D waits for B AND C
    for run in job_runs(o):
        assert run.arguments["--WORKFLOW_NAME"] == "etl" and run.arguments["--WORKFLOW_RUN_ID"] == run_id
    assert o.platform.workflows.get_run_properties(TENANT, "etl", run_id) == {"source": "s3://in", "day": "2026-03-01"}
    nodes = {n.node.name: n for n in view.nodes}
    assert [r.state for r in nodes["C"].job_runs] == ["FAILED"]
    assert nodes["after-a"].trigger is not None
    assert (node_id("JOB", "A"), node_id("TRIGGER", "after-a")) in view.graph.edges  # type: ignore[union-attr]

    # A node that did not fail is not resumable; neither is a run that is still going.
    with pytest.raises(IllegalWorkflowStateError, match="not resumable"):
        o.platform.workflows.resume_run(TENANT, "etl", run_id, [node_id("JOB", "B")])
    with pytest.raises(InvalidInputError, match=r"NodeIds\[0\]"):
        o.platform.workflows.resume_run(TENANT, "etl", run_id, [node_id("TRIGGER", "after-a")])

    o.launcher.outcomes["C"] = "SUCCEEDED"
    new_id, resumed = o.platform.workflows.resume_run(TENANT, "etl", run_id, [node_id("JOB", "C")])
    assert resumed == [node_id("JOB", "C")]
    settle(o)
    again = o.platform.workflows.get_run(TENANT, "etl", new_id)
    assert again.run.previous_run_id == run_id and again.run.status == "COMPLETED"
    assert again.statistics["SucceededActions"] == 2 == again.statistics["TotalActions"]  # C again, then D
    runs = job_runs(o)
    assert sorted(r.job_name for r in runs) == ["A", "B", "C", "C", "D"]  # A and B were not run again
    assert runs[-1].job_name == "D" and runs[-1].arguments["--WORKFLOW_RUN_ID"] == new_id
    assert again.run.properties["day"] == "2026-03-01"
    with pytest.raises(IllegalWorkflowStateError):
        o.platform.workflows.resume_run(TENANT, "etl", new_id, [node_id("JOB", "C")])


def test_run_properties_stop_and_limits(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    diamond(o, max_concurrent_runs=1)
    o.launcher.hold.add("B")
    run_id = o.platform.workflows.start_run(TENANT, "etl")
    settle(o, 2)
    with pytest.raises(ConcurrentRunsExceededError):
        o.platform.workflows.start_run(TENANT, "etl")
    o.platform.workflows.put_run_properties(TENANT, "etl", run_id, {"rows": "42"})
    assert o.platform.workflows.get_run_properties(TENANT, "etl", run_id)["rows"] == "42"
    with pytest.raises(IllegalWorkflowStateError):
        o.platform.workflows.resume_run(TENANT, "etl", run_id, [node_id("JOB", "B")])
    o.platform.workflows.stop_run(TENANT, "etl", run_id)
    settle(o, 2)
    view = o.platform.workflows.get_run(TENANT, "etl", run_id)
    assert view.run.status == "STOPPED"
    assert view.statistics["StoppedActions"] == 1  # B was stopped; D never started
    with pytest.raises(IllegalWorkflowStateError):
        o.platform.workflows.stop_run(TENANT, "etl", run_id)
    with pytest.raises(IllegalWorkflowStateError):
        o.platform.workflows.put_run_properties(TENANT, "etl", run_id, {"late": "1"})


def test_bad_definitions_are_refused_naming_the_field(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    diamond(o)
    t = o.platform.triggers
    with pytest.raises(InvalidInputError, match=r"Schedule.*Day-of-month and Day-of-week"):
        t.create(TENANT, "both-days", TriggerSpec("SCHEDULED", [{"JobName": "A"}], schedule="cron(0 12 * * * *)"))
    with pytest.raises(InvalidInputError, match=r"Schedule.*Hours"):
        t.create(TENANT, "bad-hour", TriggerSpec("SCHEDULED", [{"JobName": "A"}], schedule="cron(0 25 * * ? *)"))
    with pytest.raises(InvalidInputError, match=r"Schedule.*minimum interval"):
        t.create(TENANT, "too-often", TriggerSpec("SCHEDULED", [{"JobName": "A"}], schedule="cron(0/2 * * * ? *)"))
    with pytest.raises(EntityNotFoundError, match=r"Predicate.Conditions\[1\].JobName.*nope"):
        t.create(TENANT, "ghost", TriggerSpec("CONDITIONAL", [{"JobName": "A"}], predicate=cond("B", "nope")))
    with pytest.raises(EntityNotFoundError, match=r"Actions\[0\].JobName"):
        t.create(TENANT, "ghost2", TriggerSpec("ON_DEMAND", [{"JobName": "nope"}]))
    with pytest.raises(InvalidInputError, match=r"Predicate.Logical"):
        t.create(
            TENANT,
            "nolog",
            TriggerSpec("CONDITIONAL", [{"JobName": "A"}], predicate={"Conditions": cond("B", "C")["Conditions"]}),
        )
    with pytest.raises(InvalidInputError, match=r"cycle.*JOB D"):
        t.create(
            TENANT, "loop", TriggerSpec("CONDITIONAL", [{"JobName": "A"}], workflow_name="etl", predicate=cond("D"))
        )
    with pytest.raises(InvalidInputError, match="StartOnCreation"):
        t.create(TENANT, "od", TriggerSpec("ON_DEMAND", [{"JobName": "A"}]), start_on_creation=True)
    with pytest.raises(InvalidInputError, match=r"EventBatchingCondition.BatchSize"):
        t.create(
            TENANT, "ev", TriggerSpec("EVENT", [{"JobName": "A"}], workflow_name="etl", event_batching={"BatchSize": 0})
        )
    # An update that would close a cycle is refused too, and leaves the trigger as it was.
    with pytest.raises(InvalidInputError, match="cycle"):
        t.update(TENANT, "after-a", {"predicate": cond("D")})
    assert t.get(TENANT, "after-a").predicate == cond("A")


def test_trigger_on_a_deleted_job_ends_in_error(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    o.job("gone")
    o.platform.triggers.create(TENANT, "on-demand", TriggerSpec("ON_DEMAND", [{"JobName": "gone", "Timeout": 5}]))
    o.platform.jobs.delete(TENANT, "gone")
    o.platform.triggers.start(TENANT, "on-demand")
    with o.platform.db.transaction() as session:
        action = session.scalars(select(TriggerActionRow)).one()
    assert action.status == "ERROR" and "gone" in (action.error_message or "")
    assert o.platform.triggers.get(TENANT, "on-demand").state == "CREATED"  # ON_DEMAND triggers stay CREATED


def test_conditional_outside_a_workflow_fires_once_per_new_satisfying_run(make_orchestra, database_url) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(database_url)
    o.job("up")
    o.job("down")
    o.platform.triggers.create(
        TENANT, "chain", TriggerSpec("CONDITIONAL", [{"JobName": "down"}], predicate=cond("up")), start_on_creation=True
    )
    settle(o, 2)
    assert not [r for r in job_runs(o) if r.job_name == "down"]
    o.platform.runs.start(TENANT, "up")
    settle(o, 3)
    assert len([r for r in job_runs(o) if r.job_name == "down"]) == 1
    o.platform.runs.start(TENANT, "up")
    settle(o, 3)
    downs = [r for r in job_runs(o) if r.job_name == "down"]
    assert len(downs) == 2 and {r.trigger_name for r in downs} == {"chain"}
    o.platform.triggers.stop(TENANT, "chain")
    o.platform.runs.start(TENANT, "up")
    settle(o, 2)
    assert len([r for r in job_runs(o) if r.job_name == "down"]) == 2  # a deactivated trigger does not fire
