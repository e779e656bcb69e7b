"""Idempotent starts: the same key and request give the same run; another request under the key is refused.

On REST the key is the ``Idempotency-Key`` header; on the Glue door it is the run argument
``--glueworks-idempotency-key``. Concurrent duplicates never create two runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from glueworks.platform.errors import (
    ConcurrentRunsExceededError,
    IdempotentParameterMismatchError,
    InvalidInputError,
)
from glueworks.platform.services import RunOverrides
from tests.conftest import LiveServer
from tests.platform.glue_helpers import create_job, glue_client, isolated_aws_env
from tests.platform.lifecycle_helpers import Stack, service_stack

KEY_ARGUMENT = "--glueworks-idempotency-key"
GATED = "import os, sys, time\ngate = sys.argv[sys.argv.index('--gate') + 1]\nwhile not os.path.exists(gate):\n" \
    "    time.sleep(0.05)\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    url = request.getfixturevalue("fresh_postgres_url") if request.param == "postgresql" else None
    with service_stack(tmp_path, url) as built:
        yield built


def test_same_key_and_request_return_the_same_run(stack: Stack) -> None:
    name = stack.job("keyed", max_concurrent_runs=1, max_capacity=2.0)
    key = "nightly-2026-11-01"
    first = stack.runs.start("default", name, RunOverrides(arguments={"--day": "mon"}), idempotency_key=key)
    again = stack.runs.start("default", name, RunOverrides(arguments={"--day": "mon"}), idempotency_key=key)
    assert again.id == first.id
    assert len(stack.launcher.submitted) == 1
    # The repeat is answered before the concurrency limit is looked at: it is not a new run.
    runs, _ = stack.runs.page("default", name, None, None)
    assert [run.id for run in runs] == [first.id]


def test_same_key_with_another_request_is_refused_naming_the_key(stack: Stack) -> None:
    name = stack.job("mismatch", max_concurrent_runs=5, max_capacity=2.0)
    stack.runs.start("default", name, RunOverrides(arguments={"--day": "mon"}), idempotency_key="k-1")
    with pytest.raises(IdempotentParameterMismatchError, match="'k-1'"):
        stack.runs.start("default", name, RunOverrides(arguments={"--day": "tue"}), idempotency_key="k-1")
    with pytest.raises(IdempotentParameterMismatchError):
        stack.runs.start("default", name, RunOverrides(arguments={"--day": "mon"}, timeout=5), idempotency_key="k-1")
    # Keys belong to a job: another job may use the same key for its own run.
    other = stack.job("other", max_capacity=2.0)
    assert stack.runs.start("default", other, idempotency_key="k-1").job_name == other
    with pytest.raises(InvalidInputError, match="IdempotencyKey"):
        stack.runs.start("default", name, idempotency_key="x" * 256)


def test_a_failed_start_under_a_key_can_be_repeated_once_the_cause_is_fixed(stack: Stack) -> None:
    name = stack.job("full", max_concurrent_runs=1, max_capacity=2.0)
    stack.runs.start("default", name)
    with pytest.raises(ConcurrentRunsExceededError):
        stack.runs.start("default", name, idempotency_key="retry-me")
    runs, _ = stack.runs.page("default", name, None, None)
    assert len(runs) == 1  # a refused start keeps no run, so the key is still free


# -- live, through both doors ----------------------------------------------------------------------------------


@pytest.mark.ray
def test_rest_idempotency_key_header(any_server: LiveServer) -> None:
    with httpx.Client(base_url=any_server.url + "/v1", timeout=30) as http:
        script = http.put(f"/scripts/idem-{uuid.uuid4().hex[:6]}.py", content=b"print('hi')\n")
        assert script.status_code == 200, script.text
        name = f"idem-{uuid.uuid4().hex[:8]}"
        created = http.post(
            "/jobs", json={"name": name, "command": {"script_location": script.json()["script_location"]}}
        )
        assert created.status_code == 201, created.text
        key = {"Idempotency-Key": uuid.uuid4().hex}
        first = http.post(f"/jobs/{name}/runs", json={"arguments": {"--a": "1"}}, headers=key)
        again = http.post(f"/jobs/{name}/runs", json={"arguments": {"--a": "1"}}, headers=key)
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        other = http.post(f"/jobs/{name}/runs", json={"arguments": {"--a": "2"}}, headers=key)
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "IdempotentParameterMismatchException"
        assert key["Idempotency-Key"] in other.json()["error"]["message"]
        empty = http.post(f"/jobs/{name}/runs", json={}, headers={"Idempotency-Key": ""})
        assert empty.status_code == 400 and "Idempotency-Key" in empty.text
        listed = http.get(f"/jobs/{name}/runs").json()["runs"]
        assert [run["id"] for run in listed] == [first.json()["id"]]


@pytest.mark.ray
def test_a_hundred_concurrent_identical_glue_starts_create_one_run(any_server: LiveServer) -> None:
    setup = glue_client(any_server)
    gate = any_server.root / f"gate-{uuid.uuid4().hex}"
    # MaxConcurrentRuns 1 without queuing: a second run could not even start, so duplicates would also show
    # up as ConcurrentRunsExceeded errors.
    name = create_job(setup, any_server, GATED, ExecutionProperty={"MaxConcurrentRuns": 1}, MaxCapacity=2.0)
    arguments = {"--gate": str(gate), KEY_ARGUMENT: f"tick-{uuid.uuid4().hex}"}
    with isolated_aws_env(any_server.root):
        clients = [glue_client(any_server) for _ in range(8)]

    def start(index: int) -> str:
        run_id: str = clients[index % len(clients)].start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
        return run_id

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            ids = list(pool.map(start, range(100)))
        assert len(ids) == 100 and len(set(ids)) == 1
        runs: list[dict[str, Any]] = setup.get_job_runs(JobName=name)["JobRuns"]
        assert [run["Id"] for run in runs] == ids[:1]
        assert KEY_ARGUMENT not in runs[0].get("Arguments", {})  # the key never reaches the script
        with pytest.raises(setup.exceptions.IdempotentParameterMismatchException, match="tick-"):
            setup.start_job_run(JobName=name, Arguments={**arguments, "--gate": "elsewhere"})
    finally:
        gate.touch()


@pytest.mark.ray
def test_the_sdk_sends_the_key_and_reads_the_lifecycle_fields(any_server: LiveServer) -> None:
    from glueworks.sdk import Client, ExecutionClass, IdempotentParameterMismatchException, JobRunState

    client = Client(any_server.url)
    name = f"sdk-idem-{uuid.uuid4().hex[:8]}"
    location = client.scripts.upload(f"{name}.py", b"print('hi')\n").script_location
    client.jobs.create(
        name=name, command={"script_location": location}, job_run_queuing_enabled=True,
        execution_property={"max_concurrent_runs": 1},
    )
    assert client.jobs.get(name).job_run_queuing_enabled is True
    first = client.runs.start(name, {"--a": "1"}, idempotency_key="sdk-key")
    assert client.runs.start(name, {"--a": "1"}, idempotency_key="sdk-key").id == first.id
    with pytest.raises(IdempotentParameterMismatchException, match="sdk-key"):
        client.runs.start(name, {"--a": "2"}, idempotency_key="sdk-key")
    queued = client.runs.start(name, execution_class=ExecutionClass.STANDARD)
    assert queued.job_run_queuing_enabled is True and queued.execution_class is ExecutionClass.STANDARD
    final = client.runs.wait(queued.id, timeout=120, poll_interval=0.1)
    assert final.job_run_state is JobRunState.SUCCEEDED and final.state_detail is None
    assert client.runs.wait(first.id, timeout=120, poll_interval=0.1).job_run_state is JobRunState.SUCCEEDED
