"""The generic checks of Glue requests against botocore's service model, and the JSON 1.1 reading rules.

These run on the real installed model, without a server: each check is one function of the front door.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from glueworks.platform.api.glue import OPERATIONS, glue_model
from glueworks.platform.api.glue.errors import glue_error
from glueworks.platform.api.glue.protocol import parse_body, resolve_operation
from glueworks.platform.errors import (
    EntityNotFoundError,
    GlueworksError,
    InvalidInputError,
    SerializationError,
    UnknownOperationError,
)

COMMAND = {"Name": "glueetl", "ScriptLocation": "s3://bucket/script.py"}


def create(**members: Any) -> dict[str, Any]:
    return glue_model().validate_input("CreateJob", {"Name": "job", "Role": "r", "Command": COMMAND, **members})


def invalid(operation: str, params: dict[str, Any]) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        glue_model().validate_input(operation, params)
    return caught.value


def test_a_valid_body_passes_without_null_and_unknown_members() -> None:
    params = create(Description=None, Frobnicate=1, DefaultArguments={"--day": "mon"}, MaxCapacity=2)
    assert params == {
        "Name": "job",
        "Role": "r",
        "Command": COMMAND,
        "DefaultArguments": {"--day": "mon"},
        "MaxCapacity": 2.0,
    }
    assert isinstance(params["MaxCapacity"], float)


@pytest.mark.parametrize(
    ("params", "path", "words"),
    [
        ({"Name": "j", "Command": COMMAND}, "Role", "is required"),
        ({"Name": "j", "Role": None, "Command": COMMAND}, "Role", "is required"),
        ({"Name": "j", "Role": "r", "Command": "s3://b/k.py"}, "Command", "must be an object"),
        ({"Name": "j", "Role": "r", "Command": {**COMMAND, "ScriptLocation": 7}}, "Command.ScriptLocation", "string"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "MaxRetries": True}, "MaxRetries", "integer, got a boolean"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "MaxRetries": 1.5}, "MaxRetries", "integer"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "NumberOfWorkers": 2**31}, "NumberOfWorkers", "between"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "Timeout": 0}, "Timeout", "between 1 and"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "MaxCapacity": "2"}, "MaxCapacity", "must be a number"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "WorkerType": "G.99X"}, "WorkerType", "'G.99X' is not one"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "DefaultArguments": ["--a"]}, "DefaultArguments", "map"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "DefaultArguments": {"--a": 1}}, "DefaultArguments.--a", ""),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "Tags": {"k": "v" * 257}}, "Tags.k", "at most 256"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "Tags": {"": "v"}}, "Tags key ''", "at least 1"),
        ({"Name": "j" * 256, "Role": "r", "Command": COMMAND}, "Name", "at most 255 characters long, got 256"),
        ({"Name": "", "Role": "r", "Command": COMMAND}, "Name", "at least 1"),
        ({"Name": "bad\nname", "Role": "r", "Command": COMMAND}, "Name", "pattern"),
        ({"Name": "j", "Role": "r", "Command": COMMAND, "GlueVersion": "five"}, "GlueVersion", "pattern"),
        ({"Name": "j", "Role": "r", "Command": {**COMMAND, "PythonVersion": "3.8"}}, "Command.PythonVersion", ""),
        (
            {"Name": "j", "Role": "r", "Command": COMMAND, "ExecutionProperty": {"MaxConcurrentRuns": "2"}},
            "ExecutionProperty.MaxConcurrentRuns",
            "integer",
        ),
    ],
)
def test_each_problem_names_its_member(params: dict[str, Any], path: str, words: str) -> None:
    error = invalid("CreateJob", params)
    assert error.field == path
    assert error.message.startswith(f"{path}: ")
    assert words in error.message


def test_list_items_and_counts_are_checked() -> None:
    assert invalid("BatchGetJobs", {"JobNames": ["a", 3]}).field == "JobNames[1]"
    assert "at least 1 items" in invalid("BatchStopJobRun", {"JobName": "j", "JobRunIds": []}).message
    too_many = invalid("BatchStopJobRun", {"JobName": "j", "JobRunIds": [f"jr_{i}" for i in range(26)]})
    assert (too_many.field, "at most 25 items" in too_many.message) == ("JobRunIds", True)
    assert invalid("GetJobRuns", {"JobName": "j", "MaxResults": 201}).field == "MaxResults"


def test_patterns_follow_the_model_not_python_quirks() -> None:
    # The model writes astral characters as UTF-16 surrogate pairs; a name with one is valid in Glue.
    assert create(Name="daily-😀-job")["Name"] == "daily-😀-job"
    assert create(Command={**COMMAND, "PythonVersion": "3.9"})["Command"]["PythonVersion"] == "3.9"
    # glueworks widens PythonVersion: its job runtime is Python 3.11.
    assert create(Command={**COMMAND, "PythonVersion": "3.11"})["Command"]["PythonVersion"] == "3.11"


def test_whole_numbers_written_as_floats_are_integers_and_numbers_must_be_finite() -> None:
    assert create(MaxRetries=3.0)["MaxRetries"] == 3
    assert invalid("CreateJob", {"Name": "j", "Role": "r", "Command": COMMAND, "MaxCapacity": float("inf")}).field == (
        "MaxCapacity"
    )


def test_every_implemented_operation_is_a_glue_operation_with_an_input_shape() -> None:
    model = glue_model()
    assert OPERATIONS, "no operations registered"
    for name in OPERATIONS:
        assert model.has_operation(name)
        assert model.input_shape_name(name) is not None


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (None, "missing X-Amz-Target"),
        ("", "missing X-Amz-Target"),
        ("AWSGlue.MakeCoffee", "'AWSGlue.MakeCoffee' is not a Glue operation"),
        ("DynamoDB_20120810.GetItem", "'DynamoDB_20120810.GetItem' is not a Glue operation"),
        ("AWSGlue.CreateDevEndpoint", "CreateDevEndpoint is a Glue operation that is not implemented in glueworks yet"),
    ],
)
def test_unknown_and_unimplemented_operations(target: str | None, words: str) -> None:
    with pytest.raises(UnknownOperationError, match=re.escape(words)):
        resolve_operation(glue_model(), target, OPERATIONS)


def test_resolves_an_implemented_operation() -> None:
    assert resolve_operation(glue_model(), "AWSGlue.GetJobRuns", OPERATIONS) == "GetJobRuns"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"Name": "j",', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b'"GetJobs"', "must be a JSON object, got str"),
        (b'{"MaxResults": NaN}', "NaN is not a JSON number"),
        (b'{"Name": "\xff"}', "not UTF-8 (byte 10)"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_bodies_that_are_not_json_objects(body: bytes, words: str) -> None:
    with pytest.raises(SerializationError, match=re.escape(words)):
        parse_body(body)


def test_an_empty_body_reads_as_an_empty_object() -> None:
    assert parse_body(b"") == {}
    assert parse_body(b"  \n") == {}
    assert parse_body(json.dumps({"JobName": "j"}).encode()) == {"JobName": "j"}


def test_domain_errors_keep_their_code_and_message() -> None:
    error = glue_error(EntityNotFoundError("job 'x' not found"), request_id="r-1")
    assert (error.code, error.status, error.body()) == (
        "EntityNotFoundException",
        400,
        {"__type": "EntityNotFoundException", "message": "job 'x' not found"},
    )
    assert glue_error(GlueworksError("cannot reach the database"), request_id="r-2").status == 500


def test_unexpected_errors_are_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        error = glue_error(KeyError("secret-column"), request_id="r-3", operation="GetJob")
    assert (error.code, error.status) == ("InternalServiceException", 500)
    assert "secret-column" not in error.message
    assert "r-3" in error.message
    assert "secret-column" in caplog.text and "r-3" in caplog.text
