"""The client's namespaces against the in-memory `/v1` API: what goes on the wire and what comes back."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import ValidationError

from glueworks.sdk import (
    AlreadyExistsException,
    APIError,
    Client,
    EntityNotFoundException,
    JobCommand,
    JobCreate,
    JobRunState,
    JobUpdate,
    WorkerType,
)
from tests.sdk._fakes import FakeApi, FakeClock


def make_job(client: Client, name: str, **fields: object) -> None:
    client.jobs.create(name=name, command={"script_location": f"file:///s/{name}.py"}, **fields)


def body(request: httpx.Request) -> object:
    return json.loads(request.content)


def test_create_sends_only_the_fields_given(client: Client, api: FakeApi) -> None:
    job = client.jobs.create(
        name="nightly", command={"script_location": "s3://b/etl.py"}, worker_type="G.1X", number_of_workers=2
    )
    request = api.requests[-1]
    assert (request.method, request.url.path) == ("POST", "/v1/jobs")
    assert body(request) == {
        "name": "nightly",
        "command": {"script_location": "s3://b/etl.py"},
        "worker_type": "G.1X",
        "number_of_workers": 2,
    }
    assert job.worker_type is WorkerType.G_1X
    assert job.command.name == "glueetl"
    assert job.created_on.tzinfo is not None


def test_create_takes_a_model_too(client: Client, api: FakeApi) -> None:
    model = JobCreate(name="m", command=JobCommand(script_location="x"), default_arguments={"--a": "1"})
    assert client.jobs.create(model).default_arguments == {"--a": "1"}
    with pytest.raises(TypeError, match="not both"):
        client.jobs.create(model, name="other")


def test_bad_fields_fail_before_any_request(client: Client, api: FakeApi) -> None:
    with pytest.raises(ValidationError, match="max_capacity"):
        client.jobs.create(name="x", command={"script_location": "y"}, max_capacity="lots")
    with pytest.raises(ValidationError, match="worker_type"):
        client.runs.start("x", worker_type="G.3X")
    assert api.requests == []


def test_server_errors_become_their_classes(client: Client) -> None:
    make_job(client, "dup")
    with pytest.raises(AlreadyExistsException, match="job dup already exists") as info:
        make_job(client, "dup")
    assert info.value.status_code == 409
    with pytest.raises(EntityNotFoundException, match="job ghost not found"):
        client.jobs.get("ghost")


def test_names_are_quoted_into_one_path_segment(client: Client, api: FakeApi) -> None:
    make_job(client, "a b/c?d")
    assert client.jobs.get("a b/c?d").name == "a b/c?d"
    assert api.requests[-1].url.raw_path == b"/v1/jobs/a%20b%2Fc%3Fd"
    with pytest.raises(ValueError, match="name must not be empty"):
        client.jobs.get("")


def test_list_is_one_page_and_iter_walks_them_all(client: Client, api: FakeApi) -> None:
    names = [f"job{i}" for i in range(5)]
    for name in names:
        make_job(client, name)
    first = client.jobs.list(max_results=3)
    assert [j.name for j in first.jobs] == names[:3] and first.next_token is not None
    assert api.requests[-1].url.params["max_results"] == "3"
    before = len(api.requests)
    assert [j.name for j in client.jobs.iter()] == names
    assert len(api.requests) - before == 3  # page size 2: pages of 2, 2 and 1
    assert "next_token" not in api.requests[before].url.params


def test_iter_stops_on_a_server_that_repeats_its_token(clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"jobs": [], "next_token": "same"})

    client = Client(http_client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=clock.sleep)
    with pytest.raises(APIError, match="same next_token twice"):
        list(client.jobs.iter())


def test_update_sends_only_what_changes(client: Client, api: FakeApi) -> None:
    make_job(client, "u", description="old", max_retries=1)
    job = client.jobs.update("u", description=None, timeout=30)
    assert (api.requests[-1].method, body(api.requests[-1])) == ("PATCH", {"description": None, "timeout": 30})
    assert (job.description, job.timeout, job.max_retries) == (None, 30, 1)
    assert client.jobs.update("u", JobUpdate(max_retries=4)).max_retries == 4


def test_delete_returns_the_name(client: Client) -> None:
    make_job(client, "gone")
    assert client.jobs.delete("gone") == "gone"
    with pytest.raises(EntityNotFoundException):
        client.jobs.delete("gone")


@pytest.mark.parametrize(
    ("filename", "source", "content_type"),
    [("etl.py", "print('hé')\n", "text/x-python"), ("lib.zip", b"PK\x03\x04", "application/octet-stream")],
)
def test_upload_sends_the_raw_script(
    client: Client, api: FakeApi, filename: str, source: str | bytes, content_type: str
) -> None:
    upload = client.scripts.upload(filename, source)
    raw = source.encode() if isinstance(source, str) else source
    request = api.requests[-1]
    assert (request.method, request.url.path) == ("PUT", f"/v1/scripts/{filename}")
    assert request.headers["content-type"] == content_type
    assert api.scripts[filename] == raw
    assert upload.size == len(raw)
    assert upload.script_location.endswith(filename)


def test_upload_refuses_a_path(client: Client) -> None:
    with pytest.raises(ValueError, match="bare file name"):
        client.scripts.upload("dir/etl.py", "x")


def test_start_sends_arguments_and_overrides(client: Client, api: FakeApi) -> None:
    make_job(client, "r", default_arguments={"--day": "mon", "--keep": "job"})
    run = client.runs.start("r", {"--day": "tue"}, timeout=5, worker_type=WorkerType.G_2X, number_of_workers=3)
    assert body(api.requests[-1]) == {
        "arguments": {"--day": "tue"},
        "timeout": 5,
        "worker_type": "G.2X",
        "number_of_workers": 3,
    }
    assert run.job_run_state is JobRunState.STARTING
    assert run.arguments == {"--day": "tue", "--keep": "job"}


def test_runs_get_list_stop_and_metrics(client: Client, api: FakeApi) -> None:
    make_job(client, "r")
    ids = [client.runs.start("r").id for _ in range(3)]
    assert [r.id for r in client.runs.iter("r")] == ids[::-1]  # newest first
    assert len(client.runs.list("r", max_results=1).runs) == 1
    assert client.runs.get(ids[0]).job_run_state is JobRunState.STARTING
    assert client.runs.get(ids[0]).metrics.records_read == 10
    assert client.runs.metrics(ids[0]).records_written == 9
    assert client.runs.stop(ids[0]).job_run_state is JobRunState.STOPPING
    assert api.requests[-1].url.path == f"/v1/runs/{ids[0]}/stop"
    assert client.runs.get(ids[0]).job_run_state is JobRunState.STOPPED


def test_logs_reads_from_an_offset(client: Client, api: FakeApi) -> None:
    make_job(client, "r")
    run_id = client.runs.start("r").id
    api.log_chunks[run_id] = ["one\n", "two\n"]
    first = client.runs.logs(run_id)
    assert (first.text, first.next_offset, first.complete) == ("one\n", 4, False)
    second = client.runs.logs(run_id, offset=first.next_offset)
    assert api.requests[-1].url.params["offset"] == "4"
    assert second.text == "two\n"
    with pytest.raises(ValueError, match="offset"):
        client.runs.logs(run_id, offset=-1)


def test_health_and_headers(api: FakeApi) -> None:
    with api.client(api_key="s3cret") as client:
        assert client.health().status == "ok"
    request = api.requests[-1]
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["user-agent"].startswith("glueworks-sdk/")
    with api.client() as anonymous:
        anonymous.health()
    assert "authorization" not in api.requests[-1].headers


def test_endpoint_and_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        Client("127.0.0.1:8080")
    with pytest.raises(ValueError, match="timeout"):
        Client(timeout=0)
    with pytest.raises(ValueError, match="max_retries"):
        Client(max_retries=-1)


def test_close_leaves_a_callers_http_client_open(api: FakeApi) -> None:
    http = httpx.Client(transport=api.transport())
    with Client(http_client=http) as client:
        client.health()
    assert not http.is_closed
    http.close()
    owned = Client()
    owned.close()
    assert owned._transport._http.is_closed
