"""REST /v1 jobs on a live server, once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import uuid

import httpx
import pytest

from glueworks.sdk import AlreadyExistsException, Client, EntityNotFoundException, InvalidInputException
from glueworks.sdk.models import JobCommand, JobCreate
from tests.conftest import LiveServer

SCRIPT = "import sys\nprint('args', sys.argv[1:])\n"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def client(any_server: LiveServer) -> Client:
    return Client(any_server.url)


def make_job(client: Client, name: str, **fields: object) -> None:
    location = client.scripts.upload("job.py", SCRIPT).script_location
    client.jobs.create(JobCreate(name=name, command=JobCommand(script_location=location), **fields))  # type: ignore[arg-type]


def test_create_get_update_delete(client: Client) -> None:
    name = unique("crud")
    make_job(client, name, default_arguments={"--a": "1"}, worker_type="G.1X", number_of_workers=2)
    job = client.jobs.get(name)
    assert job.default_arguments == {"--a": "1"}
    assert job.number_of_workers == 2
    assert job.timeout == 2880  # Glue's default is filled in
    updated = client.jobs.update(name, description="nightly", max_retries=3)
    assert (updated.description, updated.max_retries, updated.default_arguments) == ("nightly", 3, {"--a": "1"})
    assert updated.last_modified_on >= job.last_modified_on
    assert client.jobs.delete(name) == name
    with pytest.raises(EntityNotFoundException, match=name):
        client.jobs.get(name)


def test_list_pages_cover_every_job_once(client: Client) -> None:
    names = {unique("page") for _ in range(5)}
    for name in names:
        make_job(client, name)
    seen: list[str] = []
    token = None
    while True:
        page = client.jobs.list(max_results=2, next_token=token)
        assert len(page.jobs) <= 2
        seen += [job.name for job in page.jobs]
        token = page.next_token
        if token is None:
            break
    assert names <= set(seen)
    assert len(seen) == len(set(seen))


def test_duplicate_name_is_rejected_and_keeps_the_first(client: Client) -> None:
    name = unique("dup")
    make_job(client, name, description="first")
    with pytest.raises(AlreadyExistsException, match=name):
        make_job(client, name, description="second")
    assert client.jobs.get(name).description == "first"


@pytest.mark.parametrize(
    ("name", "problem"),
    [("x" * 256, "at most 255"), ("bad\x01name", "control characters"), ("a/b", "'/'")],
)
def test_bad_names_are_rejected(client: Client, name: str, problem: str) -> None:
    with pytest.raises(InvalidInputException, match="Name") as info:
        make_job(client, name)
    assert problem in info.value.message


def test_bad_fields_name_the_field(client: Client, any_server: LiveServer) -> None:
    before = len(client.jobs.list(max_results=1000).jobs)
    location = client.scripts.upload("ok.py", SCRIPT).script_location
    body = {"name": unique("bad"), "command": {"script_location": location}}
    cases = [
        ({**body, "worker_type": "G.99X"}, "worker_type"),
        ({**body, "max_retries": "many"}, "max_retries"),
        ({**body, "surprise": 1}, "surprise"),
        ({**body, "worker_type": "G.1X"}, "NumberOfWorkers"),
        ({**body, "max_retries": 11}, "MaxRetries"),
        ({"command": {"script_location": location}}, "name"),
    ]
    for payload, field in cases:
        response = httpx.post(f"{any_server.url}/v1/jobs", json=payload)
        assert response.status_code == 400, payload
        error = response.json()["error"]
        assert error["code"] == "InvalidInputException"
        assert field in error["message"], (field, error)
    assert len(client.jobs.list(max_results=1000).jobs) == before


def test_missing_and_invalid_scripts_are_rejected(client: Client, any_server: LiveServer) -> None:
    missing = any_server.root / "nope.py"
    with pytest.raises(InvalidInputException, match="script not found"):
        client.jobs.create(name=unique("missing"), command={"script_location": f"file://{missing}"})
    broken = any_server.root / "broken.py"
    broken.write_text("def f(:\n    pass\n")
    with pytest.raises(InvalidInputException, match="line 1"):
        client.jobs.create(name=unique("broken"), command={"script_location": f"file://{broken}"})
    with pytest.raises(InvalidInputException, match="syntax error"):
        client.scripts.upload("broken.py", "x = (\n")
    with pytest.raises(InvalidInputException, match="outside the folders"):
        client.jobs.create(name=unique("etc"), command={"script_location": "file:///etc/passwd"})
    with pytest.raises(InvalidInputException, match="scheme"):
        client.jobs.create(name=unique("http"), command={"script_location": "http://169.254.169.254/x.py"})


def test_unknown_job_is_not_found(client: Client) -> None:
    with pytest.raises(EntityNotFoundException):
        client.jobs.update("no-such-job", description="x")
    with pytest.raises(EntityNotFoundException):
        client.runs.start("no-such-job")


def test_openapi_documents_the_v1_routes(any_server: LiveServer) -> None:
    paths = httpx.get(f"{any_server.url}/openapi.json").json()["paths"]
    for path in ("/v1/jobs", "/v1/jobs/{name}", "/v1/jobs/{name}/runs", "/v1/runs/{run_id}",
                 "/v1/runs/{run_id}/logs", "/v1/runs/{run_id}/metrics", "/v1/scripts/{filename}"):
        assert path in paths
