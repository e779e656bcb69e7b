"""The Glue JSON 1.1 wire protocol on a live server: raw requests, botocore's parser, request ids, bad input.

Runs once on SQLite and once on PostgreSQL. Every bad request must leave the job list as it was.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import (
    botocore_error,
    create_job,
    error_of,
    glue_client,
    job_names,
    raw_call,
    unique,
    write_script,
)


@pytest.fixture
def client(any_server: LiveServer) -> Any:
    return glue_client(any_server)


@pytest.fixture
def loose(any_server: LiveServer) -> Any:
    """A boto3 client that sends what it is given: client-side validation off, so the server must catch it."""
    return glue_client(any_server, validate=False)


def test_success_is_json_1_1_with_a_request_id(any_server: LiveServer, client: Any) -> None:
    first = client.get_jobs(MaxResults=1)["ResponseMetadata"]
    second = client.get_jobs(MaxResults=1)["ResponseMetadata"]
    assert first["HTTPStatusCode"] == 200
    assert first["RequestId"] and first["RequestId"] != second["RequestId"]
    response = raw_call(any_server, "AWSGlue.GetJobs", b"")  # no body at all reads as {}
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-amz-json-1.1"
    assert response.headers["x-amzn-RequestId"]
    assert isinstance(json.loads(response.content)["Jobs"], list)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"Name": "half-a-job", "Role": "r",', "not valid JSON"),
        (b'["Name", "half-a-job"]', "must be a JSON object"),
        (b'{"Name": "bad-\xff", "Role": "r"}', "not UTF-8"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_serialization_error(
    any_server: LiveServer, client: Any, body: bytes, words: str
) -> None:
    before = job_names(client)
    response = raw_call(any_server, "AWSGlue.CreateJob", body)
    assert error_of(response)[0] == "SerializationException"
    error = botocore_error(response)["Error"]
    assert error["Code"] == "SerializationException"
    assert words in error["Message"]
    assert job_names(client) == before


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (None, "missing X-Amz-Target"),
        ("AWSGlue.MakeCoffee", "AWSGlue.MakeCoffee"),
        ("AmazonSQS.CreateJob", "AmazonSQS.CreateJob"),
        ("AWSGlue.CreateDevEndpoint", "not implemented in glueworks yet"),
    ],
)
def test_unknown_and_unimplemented_targets(any_server: LiveServer, client: Any, target: str | None, words: str) -> None:
    before = job_names(client)
    body = json.dumps({"Name": unique("target"), "Role": "r", "Command": {"ScriptLocation": "/x.py"}})
    response = raw_call(any_server, target, body)
    code, message = error_of(response)
    assert code == "UnknownOperationException"
    assert words in message
    assert botocore_error(response)["Error"]["Code"] == "UnknownOperationException"
    assert job_names(client) == before


def test_unimplemented_operation_through_boto3(client: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.create_dev_endpoint(EndpointName=unique("endpoint"), RoleArn="arn:aws:iam::000000000000:role/r")
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "CreateDevEndpoint" in error["Message"] and "not implemented in glueworks yet" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["RequestId"]


def test_missing_required_member(any_server: LiveServer, loose: Any) -> None:
    before = job_names(loose)
    location = write_script(any_server, "print('hi')\n")
    with pytest.raises(loose.exceptions.InvalidInputException, match=r"Role: is required"):
        loose.create_job(Name=unique("norole"), Command={"Name": "glueetl", "ScriptLocation": location})
    with pytest.raises(loose.exceptions.InvalidInputException, match=r"Command\.ScriptLocation: is required"):
        loose.create_job(Name=unique("noscript"), Role="r", Command={"Name": "glueetl"})
    with pytest.raises(loose.exceptions.InvalidInputException, match=r"JobName: is required"):
        loose.get_job()
    assert job_names(loose) == before


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"NumberOfWorkers": "ten", "WorkerType": "G.1X"}, "NumberOfWorkers: must be an integer, got a string"),
        ({"MaxRetries": True}, "MaxRetries: must be an integer, got a boolean"),
        ({"Timeout": 2**40}, "Timeout: must be between 1 and 2147483647"),
        ({"ExecutionProperty": {"MaxConcurrentRuns": "many"}}, "ExecutionProperty.MaxConcurrentRuns: must be an"),
        ({"Description": 42}, "Description: must be a string, got a number"),
    ],
)
def test_wrong_types(any_server: LiveServer, loose: Any, members: dict[str, Any], words: str) -> None:
    before = job_names(loose)
    with pytest.raises(loose.exceptions.InvalidInputException) as caught:
        create_job(loose, any_server, **members)
    assert words in caught.value.response["Error"]["Message"]
    assert job_names(loose) == before


def test_wrong_type_for_a_map(any_server: LiveServer, client: Any) -> None:
    before = job_names(client)
    body = {
        "Name": unique("map"),
        "Role": "r",
        "Command": {"Name": "glueetl", "ScriptLocation": write_script(any_server, "print(1)\n")},
        "DefaultArguments": ["--day", "mon"],
    }
    code, message = error_of(raw_call(any_server, "AWSGlue.CreateJob", json.dumps(body)))
    assert code == "InvalidInputException"
    assert message == "DefaultArguments: must be an object (a map), got a list"
    assert job_names(client) == before


def test_unknown_enum_value(any_server: LiveServer, loose: Any) -> None:
    before = job_names(loose)
    with pytest.raises(loose.exceptions.InvalidInputException) as caught:
        create_job(loose, any_server, WorkerType="G.99X", NumberOfWorkers=2)
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("WorkerType: 'G.99X' is not one of")
    assert "G.1X" in message
    assert job_names(loose) == before


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("n" * 256, "Name: must be at most 255 characters long, got 256"),
        ("", "Name: must be at least 1 characters long"),
        ("nightly\nload", "Name: holds characters or a form not allowed"),
        ("team/nightly", "Name: may hold printable characters only"),
        (" padded", "Name: may hold printable characters only"),
    ],
)
def test_bad_job_names(any_server: LiveServer, loose: Any, name: str, words: str) -> None:
    before = job_names(loose)
    with pytest.raises(loose.exceptions.InvalidInputException) as caught:
        create_job(loose, any_server, Name=name)
    assert words in caught.value.response["Error"]["Message"]
    assert job_names(loose) == before


def test_bad_paging_input(client: Any, loose: Any) -> None:
    with pytest.raises(loose.exceptions.InvalidInputException, match="MaxResults: must be between 1 and 1000"):
        loose.get_jobs(MaxResults=0)
    with pytest.raises(client.exceptions.InvalidInputException, match="NextToken: is not a token this API issued"):
        client.get_jobs(NextToken="not-a-token")


def test_unknown_members_are_ignored(any_server: LiveServer, client: Any) -> None:
    name = unique("extra")
    body = {
        "Name": name,
        "Role": "r",
        "Command": {"Name": "glueetl", "ScriptLocation": write_script(any_server, "print(1)\n")},
        "FutureMember": {"Nested": [1, 2]},
        "Description": None,
    }
    response = raw_call(any_server, "AWSGlue.CreateJob", json.dumps(body))
    assert response.status_code == 200, response.text
    assert json.loads(response.content) == {"Name": name}
    assert "Description" not in client.get_job(JobName=name)["Job"]
    client.delete_job(JobName=name)


def test_members_whose_promise_glueworks_cannot_keep_are_refused(any_server: LiveServer, client: Any) -> None:
    before = job_names(client)
    with pytest.raises(client.exceptions.InvalidInputException, match=r"SecurityConfiguration: .*not supported"):
        create_job(client, any_server, SecurityConfiguration="kms-at-rest")
    assert job_names(client) == before
