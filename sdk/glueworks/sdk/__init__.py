"""glueworks.sdk: the typed Python client of the glueworks platform, and the `glueworks` CLI.

Example:
    >>> from glueworks.sdk import Client  # doctest: +SKIP
    >>> with Client() as client:  # doctest: +SKIP
    ...     run = client.runs.wait(client.runs.start("nightly").id, timeout=600)
"""

from glueworks.sdk._jobs import Jobs
from glueworks.sdk._runs import Runs
from glueworks.sdk._scripts import Scripts
from glueworks.sdk.client import Client
from glueworks.sdk.errors import (
    ERROR_CLASSES,
    AccessDeniedException,
    AlreadyExistsException,
    APIConnectionError,
    APIError,
    ConcurrentModificationException,
    ConcurrentRunsExceededException,
    EntityNotFoundException,
    GlueworksError,
    IdempotentParameterMismatchException,
    InternalServiceException,
    InvalidInputException,
    OperationTimeoutException,
    ResourceNumberLimitExceededException,
    ThrottlingException,
    ValidationException,
    WaitTimeoutError,
)
from glueworks.sdk.models import (
    TERMINAL_STATES,
    ErrorBody,
    ErrorDetail,
    ExecutionProperty,
    Health,
    Job,
    JobCommand,
    JobCreate,
    JobDeleted,
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

__all__ = [
    "ERROR_CLASSES",
    "TERMINAL_STATES",
    "APIConnectionError",
    "APIError",
    "AccessDeniedException",
    "AlreadyExistsException",
    "Client",
    "ConcurrentModificationException",
    "ConcurrentRunsExceededException",
    "EntityNotFoundException",
    "ErrorBody",
    "ErrorDetail",
    "ExecutionProperty",
    "GlueworksError",
    "Health",
    "IdempotentParameterMismatchException",
    "InternalServiceException",
    "InvalidInputException",
    "Job",
    "JobCommand",
    "JobCreate",
    "JobDeleted",
    "JobList",
    "JobRun",
    "JobRunList",
    "JobRunState",
    "JobUpdate",
    "Jobs",
    "OperationTimeoutException",
    "ResourceNumberLimitExceededException",
    "RunLogs",
    "RunMetrics",
    "RunStart",
    "Runs",
    "ScriptUpload",
    "Scripts",
    "ThrottlingException",
    "ValidationException",
    "WaitTimeoutError",
    "WorkerType",
]
