"""Example-script fixtures: run an example with ``run-local`` (in process) or as a platform job.

`example_runner` is parametrized: every example test runs once through
`glueworks.runtime.local_run.run_local` (the local executor) and once as a job on a live
platform (the Ray executor), and checks the same expectations both times.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from glueworks.runtime.local_run import run_local
from glueworks.sdk import Client
from glueworks.sdk.models import JobRunState
from tests.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class ExampleRun:
    """What an example run reports: the final state, error message and metrics."""

    succeeded: bool
    error: str | None
    metrics: dict[str, Any]


#: Runs ``examples/<name>/job.py`` with arguments (``{"--name": value}``) and returns the outcome.
Runner = Callable[[str, Mapping[str, str]], ExampleRun]


def read_lines(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Good records and the number of malformed lines of a JSON-lines file (blank lines skipped)."""
    good: list[dict[str, Any]] = []
    malformed = 0
    for raw in path.read_bytes().split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            record = None
        if isinstance(record, dict):
            good.append(record)
        else:
            malformed += 1
    return good, malformed


def run_with_local_runner(example: str, arguments: Mapping[str, str], errors: Path) -> ExampleRun:
    argv = [token for name, value in arguments.items() for token in (name, value)]
    result = run_local(EXAMPLES / example / "job.py", argv, error_records_location=str(errors))
    return ExampleRun(result.succeeded, result.error, result.metrics)


def run_as_platform_job(client: Client, example: str, arguments: Mapping[str, str], base_url: str = "") -> ExampleRun:
    name = f"{example}-{uuid.uuid4().hex[:8]}".replace("_", "-")
    source = (EXAMPLES / example / "job.py").read_bytes()
    location = client.scripts.upload(f"{name}.py", source).script_location
    client.jobs.create(name=name, command={"script_location": location}, default_arguments=dict(arguments))
    run = client.runs.start(name)
    final = client.runs.wait(run.id, timeout=180, poll_interval=0.2)
    if base_url:
        wait_until_published(base_url, run.id)
    metrics = client.runs.metrics(run.id).model_dump()
    return ExampleRun(final.job_run_state == JobRunState.SUCCEEDED, final.error_message, metrics)


def wait_until_published(base_url: str, run_id: str, timeout: float = 60) -> None:
    """A SUCCEEDED run's outputs are published right after the commit that made it SUCCEEDED: wait for that."""
    deadline = time.monotonic() + timeout
    while True:
        outputs = httpx.get(f"{base_url}/v1/runs/{run_id}/outputs", timeout=30).json()["outputs"]
        if all(o["state"] == "PUBLISHED" for o in outputs):
            return
        assert time.monotonic() < deadline, f"outputs of run {run_id} not published: {outputs}"
        time.sleep(0.05)


@pytest.fixture(params=["run-local", pytest.param("platform", marks=pytest.mark.ray)])
def example_runner(request: pytest.FixtureRequest, tmp_path: Path) -> Runner:
    """Each way to run an example script: `run_local` in this process, and a platform job."""
    if request.param == "run-local":
        return lambda example, arguments: run_with_local_runner(example, arguments, tmp_path / "errors.jsonl")
    server: LiveServer = request.getfixturevalue("server")
    client = Client(server.url)
    request.addfinalizer(client.close)
    return lambda example, arguments: run_as_platform_job(client, example, arguments, server.url)
