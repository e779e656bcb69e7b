"""Glue job operations through an unmodified boto3 client, once on SQLite and once on PostgreSQL.

Also the run operations whose answer needs no Ray run: unknown jobs and runs, refused scripts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import PLAIN_SCRIPT, create_job, glue_client, job_names, unique, write_script


@pytest.fixture
def client(any_server: LiveServer) -> Any:
    return glue_client(any_server)


def test_create_then_get_returns_the_glue_job_shape(any_server: LiveServer, client: Any) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    location = write_script(any_server, PLAIN_SCRIPT)
    name = unique("shape")
    answer = client.create_job(
        Name=name,
        Description="nightly load",
        Role="arn:aws:iam::123456789012:role/etl",
        Command={"Name": "glueetl", "ScriptLocation": location, "PythonVersion": "3"},
        DefaultArguments={"--day": "mon", "--TempDir": "/tmp/t"},
        NonOverridableArguments={"--mode": "strict"},
        ExecutionProperty={"MaxConcurrentRuns": 3},
        MaxRetries=2,
        WorkerType="G.2X",
        NumberOfWorkers=4,
        GlueVersion="5.0",
        Tags={"team": "data"},
        ExecutionClass="STANDARD",
    )
    assert answer["Name"] == name
    job = client.get_job(JobName=name)["Job"]
    assert {key: job[key] for key in job if key not in ("CreatedOn", "LastModifiedOn")} == {
        "Name": name,
        "JobMode": "SCRIPT",
        "Description": "nightly load",
        "Role": "arn:aws:iam::123456789012:role/etl",
        "ExecutionProperty": {"MaxConcurrentRuns": 3},
        "Command": {"Name": "glueetl", "ScriptLocation": location, "PythonVersion": "3"},
        "DefaultArguments": {"--day": "mon", "--TempDir": "/tmp/t"},
        "NonOverridableArguments": {"--mode": "strict"},
        "MaxRetries": 2,
        "Timeout": 2880,  # Glue's default, filled in
        "WorkerType": "G.2X",
        "NumberOfWorkers": 4,
        "GlueVersion": "5.0",
        "ExecutionClass": "STANDARD",
    }
    # Epoch-second numbers on the wire; botocore turns them back into aware datetimes.
    assert before <= job["CreatedOn"] <= datetime.now(UTC) + timedelta(seconds=5)
    assert job["LastModifiedOn"] == job["CreatedOn"]


def test_max_capacity_and_the_deprecated_allocated_capacity(any_server: LiveServer, client: Any) -> None:
    dpus = create_job(client, any_server, MaxCapacity=5.0)
    assert client.get_job(JobName=dpus)["Job"]["MaxCapacity"] == 5.0
    legacy = create_job(client, any_server, AllocatedCapacity=3)
    job = client.get_job(JobName=legacy)["Job"]
    assert (job["MaxCapacity"], "WorkerType" in job) == (3.0, False)


def test_get_jobs_and_list_jobs_page_through_every_job_once(any_server: LiveServer, client: Any) -> None:
    tag = unique("batch")
    mine = {create_job(client, any_server, Tags={"batch": tag}) for _ in range(3)}
    other = create_job(client, any_server, Tags={"batch": "other"})

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = client.get_jobs(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["Jobs"]) <= 2
        seen += [job["Name"] for job in page["Jobs"]]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
    assert len(seen) == len(set(seen)), "a job appeared on two pages"
    assert mine | {other} <= set(seen)
    assert pages >= 2

    tagged = [
        name for page in client.get_paginator("list_jobs").paginate(Tags={"batch": tag}) for name in page["JobNames"]
    ]
    assert sorted(tagged) == sorted(mine)
    assert other in job_names(client)


def test_batch_get_jobs_reports_the_missing(any_server: LiveServer, client: Any) -> None:
    first, second = create_job(client, any_server), create_job(client, any_server)
    missing = unique("missing")
    answer = client.batch_get_jobs(JobNames=[second, missing, first])
    assert [job["Name"] for job in answer["Jobs"]] == [second, first]
    assert answer["JobsNotFound"] == [missing]


def test_update_job_replaces_the_definition(any_server: LiveServer, client: Any) -> None:
    name = create_job(
        client,
        any_server,
        Description="v1",
        DefaultArguments={"--day": "mon"},
        MaxRetries=3,
        Timeout=60,
        Tags={"owner": "ana"},
    )
    original = client.get_job(JobName=name)["Job"]
    # No Command: the script is kept. Everything else absent resets to its default.
    assert client.update_job(JobName=name, JobUpdate={"Role": "r2", "Description": "v2"})["JobName"] == name
    job = client.get_job(JobName=name)["Job"]
    assert job["Command"] == original["Command"]
    assert (job["Role"], job["Description"], job["DefaultArguments"]) == ("r2", "v2", {})
    assert (job["MaxRetries"], job["Timeout"]) == (0, 2880)
    assert job["LastModifiedOn"] >= original["LastModifiedOn"]
    assert job["CreatedOn"] == original["CreatedOn"]
    tagged = client.list_jobs(Tags={"owner": "ana"}, MaxResults=1000)["JobNames"]
    assert name in tagged  # tags are not part of a JobUpdate

    new_location = write_script(any_server, "print('v3')\n")
    client.update_job(
        JobName=name,
        JobUpdate={"Role": "r3", "Command": {"Name": "pythonshell", "ScriptLocation": new_location}, "MaxCapacity": 1},
    )
    job = client.get_job(JobName=name)["Job"]
    assert job["Command"] == {"Name": "pythonshell", "ScriptLocation": new_location, "PythonVersion": "3"}
    assert job["MaxCapacity"] == 1.0


def test_update_job_errors_leave_the_job_unchanged(any_server: LiveServer, client: Any) -> None:
    name = create_job(client, any_server, Description="keep")
    original = client.get_job(JobName=name)["Job"]
    with pytest.raises(client.exceptions.InvalidInputException, match=r"JobUpdate\.Command\.ScriptLocation"):
        client.update_job(JobName=name, JobUpdate={"Role": "r", "Command": {"Name": "glueetl"}})
    with pytest.raises(client.exceptions.InvalidInputException, match="NumberOfWorkers"):
        client.update_job(JobName=name, JobUpdate={"Role": "r", "WorkerType": "G.1X"})
    with pytest.raises(client.exceptions.EntityNotFoundException, match="not found"):
        client.update_job(JobName=unique("ghost"), JobUpdate={"Role": "r"})
    assert client.get_job(JobName=name)["Job"] == original


def test_delete_job_returns_its_name_and_is_idempotent(any_server: LiveServer, client: Any) -> None:
    name = create_job(client, any_server)
    assert client.delete_job(JobName=name)["JobName"] == name
    assert name not in job_names(client)
    with pytest.raises(client.exceptions.EntityNotFoundException):
        client.get_job(JobName=name)
    assert client.delete_job(JobName=name)["JobName"] == name  # as in Glue: no error


def test_unknown_job(client: Any) -> None:
    ghost = unique("ghost")
    before = job_names(client)
    with pytest.raises(client.exceptions.EntityNotFoundException, match=ghost):
        client.get_job(JobName=ghost)
    with pytest.raises(client.exceptions.EntityNotFoundException, match=ghost):
        client.start_job_run(JobName=ghost)
    with pytest.raises(client.exceptions.EntityNotFoundException, match=ghost):
        client.get_job_runs(JobName=ghost)
    assert job_names(client) == before


def test_unknown_run(any_server: LiveServer, client: Any) -> None:
    name = create_job(client, any_server)
    run_id = "jr_" + "0" * 64
    with pytest.raises(client.exceptions.EntityNotFoundException, match=run_id):
        client.get_job_run(JobName=name, RunId=run_id)
    answer = client.batch_stop_job_run(JobName=name, JobRunIds=[run_id])
    assert answer["SuccessfulSubmissions"] == []
    assert answer["Errors"] == [
        {
            "JobName": name,
            "JobRunId": run_id,
            "ErrorDetail": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": f"run {run_id} not found"},
        }
    ]
    assert client.get_job_runs(JobName=name)["JobRuns"] == []


def test_duplicate_job_name(any_server: LiveServer, client: Any) -> None:
    name = create_job(client, any_server, Description="first")
    before = job_names(client)
    with pytest.raises(client.exceptions.AlreadyExistsException, match=name):
        create_job(client, any_server, Name=name, Description="second")
    assert job_names(client) == before
    assert client.get_job(JobName=name)["Job"]["Description"] == "first"


def test_script_that_does_not_exist(any_server: LiveServer, client: Any) -> None:
    before = job_names(client)
    missing = f"file://{any_server.root / 'glue-scripts' / 'nowhere.py'}"
    with pytest.raises(client.exceptions.InvalidInputException) as caught:
        client.create_job(Name=unique("missing"), Role="r", Command={"Name": "glueetl", "ScriptLocation": missing})
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("Command.ScriptLocation: script not found")
    assert "nowhere.py" in message
    assert job_names(client) == before


def test_script_outside_the_allowed_folders(client: Any) -> None:
    before = job_names(client)
    with pytest.raises(client.exceptions.InvalidInputException, match=r"Command\.ScriptLocation: .*outside"):
        client.create_job(Name=unique("outside"), Role="r", Command={"Name": "glueetl", "ScriptLocation": "/etc/hosts"})
    assert job_names(client) == before


def test_script_with_a_syntax_error(any_server: LiveServer, client: Any) -> None:
    before = job_names(client)
    with pytest.raises(client.exceptions.InvalidInputException) as caught:
        create_job(client, any_server, source="x = 1\ndef broken(:\n    pass\n")
    message = caught.value.response["Error"]["Message"]
    assert message.startswith("Command.ScriptLocation: syntax error in")
    assert "line 2" in message
    assert job_names(client) == before

    # A script broken after the job was created is refused at StartJobRun, and no run is recorded.
    name = create_job(client, any_server)
    location = client.get_job(JobName=name)["Job"]["Command"]["ScriptLocation"]
    Path(location.removeprefix("file://")).write_text("print('ok'\n")
    with pytest.raises(client.exceptions.InvalidInputException, match=r"syntax error.*line 1"):
        client.start_job_run(JobName=name)
    assert client.get_job_runs(JobName=name)["JobRuns"] == []
