"""Wire models of the REST API `/v1`, shared by the server, the SDK and the CLI.

Models are split by direction. Inputs (`JobCreate`, `JobUpdate`, `RunStart` and the shapes nested in them)
forbid unknown fields, so a misspelt field is an error that names it instead of being ignored. Outputs (`Job`,
`JobRun`, `RunMetrics`, the list pages, ...) allow unknown fields, so a newer server never breaks an older
client. Only pure shape is checked here (types, non-negative numbers); business rules (name patterns, worker
limits, which capacity settings go together) belong to the server's service layer.

Every datetime is timezone-aware UTC: an aware value is converted to UTC, and a naive value (as some
databases return them) is taken to be UTC already.

Example:
    >>> job = JobCreate(name="daily", command=JobCommand(script_location="file:///tmp/etl.py"))
    >>> job.model_dump(mode="json", exclude_unset=True)
    {'name': 'daily', 'command': {'script_location': 'file:///tmp/etl.py'}}
    >>> JobRunState("FAILED").is_terminal()
    True
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "TERMINAL_STATES",
    "ErrorBody",
    "ErrorDetail",
    "ExecutionClass",
    "ExecutionProperty",
    "Health",
    "Job",
    "JobCommand",
    "JobCreate",
    "JobDeleted",
    "JobList",
    "JobRun",
    "JobRunList",
    "JobRunState",
    "JobUpdate",
    "RunLogs",
    "RunMetrics",
    "RunStart",
    "ScriptUpload",
    "UtcDatetime",
    "WorkerType",
]


def _as_utc(value: datetime) -> datetime:
    # Naive values come from stores that drop the zone (SQLite); everything we write is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
"""A datetime that is always timezone-aware UTC after validation."""

NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]


class _Input(BaseModel):
    """Base of request bodies: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


class _Output(BaseModel):
    """Base of response bodies: unknown fields are kept, so newer servers do not break older clients."""

    model_config = ConfigDict(extra="allow")


class WorkerType(StrEnum):
    """Glue worker types; the capacity each one stands for is defined by the autoscaler."""

    STANDARD = "Standard"
    G_1X = "G.1X"
    G_2X = "G.2X"
    G_025X = "G.025X"
    G_4X = "G.4X"
    G_8X = "G.8X"
    Z_2X = "Z.2X"


class ExecutionClass(StrEnum):
    """How a run is scheduled, as in Glue: FLEX runs start only on spare capacity, after STANDARD runs."""

    STANDARD = "STANDARD"
    FLEX = "FLEX"


class JobRunState(StrEnum):
    """The lifecycle state of a job run, as in Glue's `JobRunState`."""

    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"
    WAITING = "WAITING"
    EXPIRED = "EXPIRED"

    def is_terminal(self) -> bool:
        """Return True if a run in this state will never change state again."""
        return self in TERMINAL_STATES


TERMINAL_STATES: frozenset[JobRunState] = frozenset(
    {
        JobRunState.STOPPED,
        JobRunState.SUCCEEDED,
        JobRunState.FAILED,
        JobRunState.TIMEOUT,
        JobRunState.ERROR,
        JobRunState.EXPIRED,
    }
)
"""The states a run ends in; shared by the server, the SDK waiter and the CLI."""

MAX_WAIT_SECONDS = 20
"""Longest a long poll of a run (``GET /v1/runs/{id}?changed_from=…&wait_seconds=…``) is held; shared by the
server and the SDK waiter (as SQS's ``WaitTimeSeconds``: a proxy may cut longer requests)."""


class JobCommand(_Input):
    """What a job runs.

    Attributes:
        name: The command kind, `glueetl` for a Python ETL script.
        script_location: URL of the script, e.g. the `script_location` returned by a script upload.
        python_version: Python major version of the script.
        runtime: Runtime name for runtimes that need one (Glue's `Runtime`, e.g. `Ray2.4`).
    """

    name: str = "glueetl"
    script_location: str
    python_version: str | None = "3"
    runtime: str | None = None


class ExecutionProperty(_Input):
    """Execution limits of a job.

    Attributes:
        max_concurrent_runs: How many runs of the job may be active at once; starting one more fails with
            `ConcurrentRunsExceededException`.
    """

    max_concurrent_runs: NonNegativeInt = 1


class _JobSettings(BaseModel):
    """The settings a job is created with, shared by `JobCreate` and `Job`."""

    name: str
    description: str | None = None
    role: str | None = None
    command: JobCommand
    default_arguments: dict[str, str] = Field(default_factory=dict)
    non_overridable_arguments: dict[str, str] = Field(default_factory=dict)
    max_retries: NonNegativeInt = 0
    timeout: Annotated[int | None, Field(ge=0, description="Run timeout in minutes.")] = None
    worker_type: WorkerType | None = None
    number_of_workers: Annotated[int | None, Field(ge=0)] = None
    max_capacity: Annotated[float | None, Field(ge=0)] = None
    execution_property: ExecutionProperty = Field(default_factory=ExecutionProperty)
    glue_version: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    job_run_queuing_enabled: bool = False
    execution_class: ExecutionClass | None = None


class JobCreate(_JobSettings, _Input):
    """Body of `POST /v1/jobs`.

    Attributes:
        name: Unique job name within the tenant.
        description: Free text.
        role: Role the job runs as (kept for Glue compatibility).
        command: The script to run.
        default_arguments: Arguments every run gets unless the run overrides them (`--key` style keys).
        non_overridable_arguments: Arguments a run cannot override.
        max_retries: How many times a failed run is retried.
        timeout: Run timeout in minutes; None takes the server default.
        worker_type: Worker type; use with `number_of_workers`.
        number_of_workers: Number of workers of `worker_type`.
        max_capacity: Capacity in DPUs, for jobs that do not set a worker type.
        execution_property: Concurrency limit.
        glue_version: Glue version label.
        tags: Free key/value labels.
        job_run_queuing_enabled: Runs beyond `max_concurrent_runs` wait (WAITING) instead of being refused.
        execution_class: FLEX runs start only on spare capacity; None means STANDARD.
    """


# Settings every job has: sending null for one of them in an update is an error, not a way to clear it.
_NOT_NULLABLE_ON_UPDATE = (
    "command",
    "default_arguments",
    "non_overridable_arguments",
    "max_retries",
    "execution_property",
    "tags",
    "job_run_queuing_enabled",
)


class JobUpdate(_Input):
    """Body of `PATCH /v1/jobs/{name}`: only the fields that are set are changed.

    A field left out keeps its value. A field sent as null is cleared, which only the optional fields
    allow; `changes()` returns exactly the fields that were set.
    """

    description: str | None = None
    role: str | None = None
    command: JobCommand | None = None
    default_arguments: dict[str, str] | None = None
    non_overridable_arguments: dict[str, str] | None = None
    max_retries: NonNegativeInt | None = None
    timeout: Annotated[int | None, Field(ge=0, description="Run timeout in minutes.")] = None
    worker_type: WorkerType | None = None
    number_of_workers: Annotated[int | None, Field(ge=0)] = None
    max_capacity: Annotated[float | None, Field(ge=0)] = None
    execution_property: ExecutionProperty | None = None
    glue_version: str | None = None
    tags: dict[str, str] | None = None
    job_run_queuing_enabled: bool | None = None
    execution_class: ExecutionClass | None = None

    @field_validator(*_NOT_NULLABLE_ON_UPDATE)
    @classmethod
    def _reject_null(cls, value: object, info: ValidationInfo) -> object:
        # Runs only for values the caller gave, so a left-out field is never checked.
        if value is None:
            raise ValueError(f"{info.field_name} cannot be null; leave it out to keep the current value")
        return value

    def changes(self) -> dict[str, Any]:
        """Return the fields that were set, as plain Python values (nested models become dicts).

        Returns:
            A mapping of field name to new value, containing only the fields given by the caller.
        """
        return self.model_dump(exclude_unset=True)


class Job(_JobSettings, _Output):
    """A job, as returned by the server: `JobCreate`'s fields plus timestamps.

    Attributes:
        created_on: When the job was created (UTC).
        last_modified_on: When the job was last changed (UTC).
    """

    created_on: UtcDatetime
    last_modified_on: UtcDatetime


class JobDeleted(_Output):
    """Body returned by `DELETE /v1/jobs/{name}`."""

    name: str


class JobList(_Output):
    """One page of jobs; pass `next_token` back to get the next page (None on the last page)."""

    jobs: list[Job]
    next_token: str | None = None


class RunStart(_Input):
    """Body of `POST /v1/jobs/{name}/runs`; each field overrides the job's setting for this run only.

    Attributes:
        arguments: Run arguments, merged over the job's default arguments.
        timeout: Run timeout in minutes.
        worker_type: Worker type for this run.
        number_of_workers: Number of workers for this run.
        max_capacity: Capacity in DPUs for this run.
        job_run_queuing_enabled: Wait (WAITING) rather than fail when the job is at its concurrency limit;
            None takes the job's setting.
        execution_class: STANDARD or FLEX for this run; None takes the job's setting.
    """

    arguments: dict[str, str] = Field(default_factory=dict)
    timeout: Annotated[int | None, Field(ge=0, description="Run timeout in minutes.")] = None
    worker_type: WorkerType | None = None
    number_of_workers: Annotated[int | None, Field(ge=0)] = None
    max_capacity: Annotated[float | None, Field(ge=0)] = None
    job_run_queuing_enabled: bool | None = None
    execution_class: ExecutionClass | None = None


class RunMetrics(_Output):
    """What a run has done so far; final once the run is terminal.

    Attributes:
        records_read: Records read from all sources.
        records_written: Records written to all sinks.
        error_records: Records set aside as bad (kept, with their reason, at `error_records_location`).
        bytes_read: Bytes read from all sources.
        bytes_written: Bytes written to all sinks.
        files_written: Files committed by all sinks.
        execution_time: Seconds the run has been executing.
        dpu_seconds: Capacity used, in DPU-seconds.
        output_locations: URLs of the committed outputs.
        error_records_location: URL where the error records were written, if any.
    """

    records_read: int = 0
    records_written: int = 0
    error_records: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    files_written: int = 0
    execution_time: int = 0
    dpu_seconds: float = 0.0
    output_locations: list[str] = Field(default_factory=list)
    error_records_location: str | None = None


class JobRun(_Output):
    """A job run, as in Glue's `JobRun`.

    Attributes:
        id: Run id.
        job_name: The job this is a run of.
        attempt: 0 for the first attempt, then 1, 2, ... for retries.
        previous_run_id: The run this one retries, if any.
        trigger_name: The trigger that started the run, if any.
        job_run_state: Current state.
        arguments: The effective run arguments.
        started_on: When the run was started (UTC).
        last_modified_on: When the run last changed (UTC).
        completed_on: When the run reached a terminal state (UTC), else None.
        execution_time: Seconds the run has been executing.
        error_message: Why the run failed, for failed runs.
        timeout: Run timeout in minutes.
        max_capacity: Capacity in DPUs.
        worker_type: Worker type.
        number_of_workers: Number of workers.
        dpu_seconds: Capacity used, in DPU-seconds.
        glue_version: Glue version label.
        log_group_name: Where the run's logs are kept.
        metrics: What the run has done so far.
        state_detail: Why the run is in its state, e.g. why it is WAITING (queued, capacity, retry backoff).
        execution_class: STANDARD or FLEX.
        job_run_queuing_enabled: Whether the run was allowed to wait for a slot.
        failure_kind: For FAILED runs: USER (the script raised) or INFRASTRUCTURE (driver lost, launch
            refused, platform restarted).
    """

    id: str
    job_name: str
    attempt: int = 0
    previous_run_id: str | None = None
    trigger_name: str | None = None
    job_run_state: JobRunState
    arguments: dict[str, str] = Field(default_factory=dict)
    started_on: UtcDatetime
    last_modified_on: UtcDatetime
    completed_on: UtcDatetime | None = None
    execution_time: int = 0
    error_message: str | None = None
    timeout: int | None = None
    max_capacity: float | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    dpu_seconds: float | None = None
    glue_version: str | None = None
    log_group_name: str | None = None
    metrics: RunMetrics = Field(default_factory=RunMetrics)
    state_detail: str | None = None
    execution_class: ExecutionClass = ExecutionClass.STANDARD
    job_run_queuing_enabled: bool = False
    failure_kind: str | None = None


class JobRunList(_Output):
    """One page of runs of a job, newest first; pass `next_token` back for the next page."""

    runs: list[JobRun]
    next_token: str | None = None


class RunLogs(_Output):
    """A chunk of a run's log text.

    Attributes:
        run_id: The run.
        offset: Where this chunk starts in the log.
        next_offset: Where the next chunk starts; pass it as `offset` to continue.
        text: The log text from `offset` to `next_offset`.
        complete: True when the run is terminal and all of its log text has been returned.
    """

    run_id: str
    offset: int
    next_offset: int
    text: str
    complete: bool


class ScriptUpload(_Output):
    """Body returned by `PUT /v1/scripts/{filename}`.

    Attributes:
        script_location: URL of the stored script; use it as `JobCommand.script_location`.
        size: Size of the stored script in bytes.
    """

    script_location: str
    size: int


class Health(_Output):
    """Body returned by `GET /v1/health`."""

    status: str
    version: str


class ErrorDetail(_Output):
    """The `error` object of an error response.

    Attributes:
        code: A Glue error code, e.g. `EntityNotFoundException`.
        message: What went wrong, naming the field for bad input.
    """

    code: str
    message: str


class ErrorBody(_Output):
    """The body of every response with status >= 400: `{"error": {"code": ..., "message": ...}}`."""

    error: ErrorDetail
