"""The wire models: round trips, direction (forbid vs allow), UTC datetimes, shape checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from glueworks.sdk import models
from glueworks.sdk.models import (
    TERMINAL_STATES,
    ErrorBody,
    ExecutionProperty,
    Job,
    JobCommand,
    JobCreate,
    JobList,
    JobRun,
    JobRunList,
    JobRunState,
    JobUpdate,
    RunLogs,
    RunMetrics,
    RunStart,
    ScriptUpload,
    WorkerType,
)

T0 = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def full_job() -> Job:
    return Job(
        name="nightly",
        description="loads events",
        role="etl",
        command=JobCommand(script_location="file:///s/etl.py", runtime="Ray2.60"),
        default_arguments={"--day": "mon"},
        non_overridable_arguments={"--env": "prod"},
        max_retries=2,
        timeout=60,
        worker_type=WorkerType.G_2X,
        number_of_workers=4,
        max_capacity=None,
        execution_property=ExecutionProperty(max_concurrent_runs=3),
        glue_version="5.0",
        tags={"team": "data"},
        created_on=T0,
        last_modified_on=T0 + timedelta(minutes=5),
    )


def full_run() -> JobRun:
    return JobRun(
        id="jr_1",
        job_name="nightly",
        attempt=1,
        previous_run_id="jr_0",
        trigger_name="hourly",
        job_run_state=JobRunState.FAILED,
        arguments={"--day": "tue"},
        started_on=T0,
        last_modified_on=T0 + timedelta(seconds=90),
        completed_on=T0 + timedelta(seconds=90),
        execution_time=88,
        error_message="ValueError: bad row",
        timeout=60,
        max_capacity=8.0,
        worker_type="G.2X",
        number_of_workers=4,
        dpu_seconds=704.0,
        glue_version="5.0",
        log_group_name="/glueworks/jobs",
        metrics=RunMetrics(
            records_read=1000,
            records_written=990,
            error_records=10,
            bytes_read=4096,
            bytes_written=2048,
            files_written=2,
            execution_time=88,
            dpu_seconds=704.0,
            output_locations=["s3://out/a"],
            error_records_location="s3://out/_errors",
        ),
    )


@pytest.mark.parametrize(
    "model",
    [
        full_job(),
        full_run(),
        JobList(jobs=[full_job()], next_token="2"),
        JobRunList(runs=[full_run()], next_token=None),
        RunLogs(run_id="jr_1", offset=0, next_offset=5, text="hello", complete=False),
        ScriptUpload(script_location="file:///s/etl.py", size=12),
        ErrorBody.model_validate({"error": {"code": "EntityNotFoundException", "message": "no job x"}}),
        JobCreate(name="a", command=JobCommand(script_location="s3://b/a.py"), worker_type=WorkerType.Z_2X),
        JobUpdate(description=None, timeout=30),
        RunStart(arguments={"--a": "1"}, number_of_workers=2),
    ],
    ids=lambda m: type(m).__name__,
)
def test_json_round_trip_is_lossless(model: BaseModel) -> None:
    # Request bodies travel without their unset fields (that is what makes PATCH partial).
    wire = model.model_dump_json(exclude_unset=isinstance(model, JobCreate | JobUpdate | RunStart))
    again = type(model).model_validate_json(wire)
    assert again == model
    assert again.model_dump(mode="json") == model.model_dump(mode="json")


def test_job_carries_every_create_field() -> None:
    create_fields = set(JobCreate.model_fields)
    assert create_fields <= set(Job.model_fields)
    assert set(Job.model_fields) - create_fields == {"created_on", "last_modified_on"}
    assert set(JobUpdate.model_fields) == create_fields - {"name"}


def test_inputs_reject_unknown_fields_and_name_them() -> None:
    with pytest.raises(ValidationError, match="max_concurent_runs"):
        JobCreate.model_validate(
            {"name": "a", "command": {"script_location": "x"}, "execution_property": {"max_concurent_runs": 2}}
        )
    with pytest.raises(ValidationError, match="argumnets"):
        RunStart.model_validate({"argumnets": {}})
    with pytest.raises(ValidationError, match="nme"):
        JobUpdate.model_validate({"nme": "b"})


def test_outputs_keep_fields_from_newer_servers() -> None:
    body = full_run().model_dump(mode="json") | {"queue_position": 3}
    body["metrics"]["shuffle_bytes"] = 7
    run = JobRun.model_validate(body)
    assert run.model_extra == {"queue_position": 3}
    assert run.metrics.model_extra == {"shuffle_bytes": 7}


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_retries", -1), ("timeout", -5), ("number_of_workers", -2), ("max_capacity", -0.5)],
)
def test_negative_numbers_are_rejected_naming_the_field(field: str, value: float) -> None:
    with pytest.raises(ValidationError) as info:
        JobCreate.model_validate({"name": "a", "command": {"script_location": "x"}, field: value})
    assert [err["loc"] for err in info.value.errors()] == [(field,)]


def test_unknown_worker_type_is_rejected() -> None:
    with pytest.raises(ValidationError, match="worker_type"):
        RunStart.model_validate({"worker_type": "G.3X"})


def test_datetimes_are_utc_whatever_comes_in() -> None:
    plus_two = timezone(timedelta(hours=2))
    job = full_job().model_dump() | {
        "created_on": datetime(2026, 11, 1, 14, 0, tzinfo=plus_two),
        "last_modified_on": "2026-11-01T12:00:00",  # naive, as SQLite returns it
    }
    parsed = Job.model_validate(job)
    assert parsed.created_on == T0 and parsed.created_on.tzinfo is UTC
    assert parsed.last_modified_on == T0 and parsed.last_modified_on.tzinfo is UTC
    assert parsed.model_dump(mode="json")["created_on"].endswith("Z")


def test_job_update_reports_only_what_was_set() -> None:
    update = JobUpdate.model_validate({"description": None, "default_arguments": {"--a": "2"}})
    assert update.changes() == {"description": None, "default_arguments": {"--a": "2"}}
    assert JobUpdate().changes() == {}


@pytest.mark.parametrize(
    "field", ["command", "default_arguments", "non_overridable_arguments", "max_retries", "execution_property", "tags"]
)
def test_job_update_refuses_null_for_settings_every_job_has(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        JobUpdate.model_validate({field: None})
    assert info.value.errors()[0]["loc"] == (field,)
    assert "cannot be null" in str(info.value)


def test_defaults_match_glue() -> None:
    job = JobCreate(name="a", command=JobCommand(script_location="x"))
    assert (job.command.name, job.command.python_version) == ("glueetl", "3")
    assert job.execution_property.max_concurrent_runs == 1
    assert job.max_retries == 0
    # Mutable defaults are not shared between instances.
    job.default_arguments["--x"] = "1"
    assert JobCreate(name="b", command=JobCommand(script_location="x")).default_arguments == {}


def test_terminal_states() -> None:
    assert {s.value for s in TERMINAL_STATES} == {"STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED"}
    for state in JobRunState:
        assert state.is_terminal() == (state in TERMINAL_STATES)
    assert not JobRunState.WAITING.is_terminal()
    assert JobRunState("RUNNING") is JobRunState.RUNNING


def test_worker_types_are_glues() -> None:
    assert [w.value for w in WorkerType] == ["Standard", "G.1X", "G.2X", "G.025X", "G.4X", "G.8X", "Z.2X"]


def test_module_exports_are_complete() -> None:
    # Their order is checked by ruff (RUF022).
    for name in models.__all__:
        assert hasattr(models, name), name
