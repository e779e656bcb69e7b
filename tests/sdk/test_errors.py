"""The error tree and the one table from Glue error code to class."""

from __future__ import annotations

import pickle

import pytest

from glueworks.sdk import errors
from glueworks.sdk.errors import (
    ERROR_CLASSES,
    APIConnectionError,
    APIError,
    GlueworksError,
    WaitTimeoutError,
    error_from_code,
)
from glueworks.sdk.models import JobRun

# The REST contract's table of codes and statuses.
CONTRACT = {
    "EntityNotFoundException": 404,
    "AlreadyExistsException": 409,
    "InvalidInputException": 400,
    "ValidationException": 400,
    "ConcurrentRunsExceededException": 429,
    "ConcurrentModificationException": 409,
    "ResourceNumberLimitExceededException": 429,
    "IdempotentParameterMismatchException": 409,
    "AccessDeniedException": 403,
    "ThrottlingException": 429,
    "OperationTimeoutException": 504,
    "InternalServiceException": 500,
}


def test_the_table_covers_exactly_the_contracts_codes() -> None:
    assert set(ERROR_CLASSES) == set(CONTRACT)


@pytest.mark.parametrize(("code", "status"), sorted(CONTRACT.items()))
def test_every_code_maps_to_its_own_class(code: str, status: int) -> None:
    cls = ERROR_CLASSES[code]
    assert cls.__name__ == code
    assert getattr(errors, code) is cls
    assert issubclass(cls, APIError) and cls is not APIError
    assert cls.status == status
    err = error_from_code(code, f"message for {code}", status)
    assert type(err) is cls
    assert (err.code, err.message, err.status_code) == (code, f"message for {code}", status)
    assert str(err) == f"{code}: message for {code}"


def test_an_unknown_code_is_a_plain_api_error() -> None:
    err = error_from_code("QuotaOfTheFutureException", "too many dragons", 418)
    assert type(err) is APIError
    assert (err.code, err.message, err.status_code) == ("QuotaOfTheFutureException", "too many dragons", 418)


def test_classes_fill_in_their_own_code_and_status() -> None:
    err = errors.EntityNotFoundException("job x not found")
    assert (err.code, err.status_code, str(err)) == (
        "EntityNotFoundException",
        404,
        "EntityNotFoundException: job x not found",
    )
    assert APIError("no code").code == "" and str(APIError("no code")) == "no code"


def test_errors_survive_pickling() -> None:
    err = errors.ConcurrentRunsExceededException("job x has 1 active run", status_code=429)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err)
    assert (again.code, again.message, again.status_code) == (err.code, err.message, err.status_code)
    run = JobRun.model_validate(
        {
            "id": "r",
            "job_name": "j",
            "job_run_state": "RUNNING",
            "started_on": "2026-11-01T00:00:00Z",
            "last_modified_on": "2026-11-01T00:00:00Z",
        }
    )
    timeout = pickle.loads(pickle.dumps(WaitTimeoutError("still RUNNING", run)))
    assert timeout.last_run == run and str(timeout) == "still RUNNING"


def test_the_tree_and_its_builtin_bases() -> None:
    for cls in (APIError, APIConnectionError, WaitTimeoutError):
        assert issubclass(cls, GlueworksError)
    assert issubclass(APIConnectionError, ConnectionError)
    assert issubclass(WaitTimeoutError, TimeoutError)
    assert not issubclass(APIError, OSError)


def test_the_module_docstring_draws_the_whole_tree() -> None:
    doc = errors.__doc__ or ""
    names = ["GlueworksError", "APIError", "APIConnectionError", "WaitTimeoutError", *CONTRACT]
    for name in names:
        assert f"* {name}" in doc, name
    for code, status in CONTRACT.items():
        assert f"* {code} ({status})" in doc, code
