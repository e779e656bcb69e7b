"""Runs through REST /v1 and the SDK on a live server with a real Ray launcher."""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from glueworks.platform.context import Platform
from glueworks.platform.db import JobRunRow
from glueworks.sdk import Client, ConcurrentRunsExceededException
from glueworks.sdk.errors import APIError
from glueworks.sdk.models import TERMINAL_STATES, JobRunState
from tests.conftest import LiveServer

pytestmark = pytest.mark.ray


def job_with(client: Client, source: str, **fields: object) -> str:
    name = f"run-{uuid.uuid4().hex[:8]}"
    location = client.scripts.upload(f"{name}.py", source).script_location
    client.jobs.create(name=name, command={"script_location": location}, **fields)
    return name


def wait_for_log(client: Client, run_id: str, pattern: str, timeout: float = 60) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, client.runs.logs(run_id).text)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} never appeared in the log of {run_id}")


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Client:
    return Client(server.url)


def test_run_succeeds_with_arguments_logs_and_metrics(client: Client) -> None:
    script = "import sys\nprint('ARGV=' + ' '.join(sys.argv[1:]), flush=True)\n"
    name = job_with(
        client, script, default_arguments={"--day": "mon", "--keep": "job"}, non_overridable_arguments={"--keep": "job"}
    )
    run = client.runs.start(name, arguments={"--day": "tue", "--keep": "run"})
    assert run.job_run_state in (JobRunState.STARTING, JobRunState.RUNNING, JobRunState.SUCCEEDED)
    final = client.runs.wait(run.id, timeout=120, poll_interval=0.1)
    assert final.job_run_state == JobRunState.SUCCEEDED, final.error_message
    assert final.arguments == {"--day": "tue", "--keep": "job"}
    assert final.completed_on is not None and final.completed_on >= final.started_on
    assert final.dpu_seconds is not None and final.dpu_seconds >= 0
    log = client.runs.logs(run.id)
    assert log.complete
    argv = re.search(r"ARGV=(.*)", log.text)
    assert argv is not None
    assert "--day tue" in argv.group(1) and "--keep job" in argv.group(1)
    assert f"--JOB_NAME {name}" in argv.group(1) and f"--JOB_RUN_ID {run.id}" in argv.group(1)
    assert client.runs.metrics(run.id).execution_time >= 0


def test_failing_script_reports_type_message_and_line(client: Client) -> None:
    name = job_with(client, "x = 1\n\nraise ValueError('amount must be positive')\n")
    final = client.runs.wait(client.runs.start(name).id, timeout=120, poll_interval=0.1)
    assert final.job_run_state == JobRunState.FAILED
    assert final.error_message is not None
    assert "ValueError" in final.error_message
    assert "amount must be positive" in final.error_message
    assert "line 3" in final.error_message


def test_stop_a_long_run(client: Client) -> None:
    name = job_with(client, "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.1)\n")
    run = client.runs.start(name)
    client.runs.wait(run.id, timeout=60, poll_interval=0.05, terminal_states={JobRunState.RUNNING, *TERMINAL_STATES})
    wait_for_log(client, run.id, "started")
    stopping = client.runs.stop(run.id)
    assert stopping.job_run_state in (JobRunState.STOPPING, JobRunState.STOPPED)
    final = client.runs.wait(run.id, timeout=60, poll_interval=0.1)
    assert final.job_run_state == JobRunState.STOPPED


def test_concurrent_runs_beyond_the_limit_are_refused(client: Client) -> None:
    name = job_with(client, "import time\ntime.sleep(30)\n", execution_property={"max_concurrent_runs": 1})
    first = client.runs.start(name)
    with pytest.raises(ConcurrentRunsExceededException, match="MaxConcurrentRuns"):
        client.runs.start(name)
    assert len(client.runs.list(name).runs) == 1
    client.runs.stop(first.id)
    assert client.runs.wait(first.id, timeout=60, poll_interval=0.1).job_run_state == JobRunState.STOPPED


def test_a_run_whose_driver_dies_ends_failed(client: Client) -> None:
    script = "import os, time\nprint('PID', os.getpid(), flush=True)\ntime.sleep(60)\n"
    name = job_with(client, script)
    run = client.runs.start(name)
    pid = int(wait_for_log(client, run.id, r"PID (\d+)").group(1))
    os.kill(pid, signal.SIGKILL)  # the Ray worker vanishes behind the platform's back
    final = client.runs.wait(run.id, timeout=60, poll_interval=0.1)
    assert final.job_run_state == JobRunState.FAILED
    assert final.error_message is not None and "job driver lost" in final.error_message


def test_reconciler_ends_runs_the_launcher_never_knew(client: Client, server: LiveServer) -> None:
    """A run left RUNNING by an earlier platform process (its Ray gone) is ended, never stuck."""
    name = job_with(client, "pass\n")
    platform = server.platform
    assert isinstance(platform, Platform)
    old = datetime.now(UTC) - timedelta(minutes=5)
    with platform.db.transaction() as session:
        session.add(
            JobRunRow(
                id="jr_" + "0" * 60 + uuid.uuid4().hex[:4], tenant_id="default", job_name=name, attempt=0,
                state="RUNNING", arguments={}, started_on=old, last_modified_on=old, running_on=old,
                execution_time=0, script_location="file:///gone.py", metrics={},
            )
        )
    orphan = client.runs.list(name).runs[0]
    final = client.runs.wait(orphan.id, timeout=30, poll_interval=0.1)
    assert final.job_run_state == JobRunState.FAILED
    assert final.error_message is not None and "vanished" in final.error_message


def test_a_long_poll_answers_when_the_run_changes_state(client: Client) -> None:
    """``GET /runs/{id}?changed_from=RUNNING&wait_seconds=N`` is held while the run runs and answered by its end."""
    name = job_with(client, "import time\nprint('UP', flush=True)\ntime.sleep(3)\n")
    run = client.runs.start(name)
    wait_for_log(client, run.id, "UP")
    path = f"/runs/{run.id}"
    held = client._transport.request("GET", path, params={"changed_from": "STOPPED", "wait_seconds": 5}).json()
    assert held["job_run_state"] == "RUNNING"  # not the state it was asked to change from: answered at once
    ended = client._transport.request("GET", path, params={"changed_from": "RUNNING", "wait_seconds": 20}).json()
    assert ended["job_run_state"] == "SUCCEEDED"  # held until the run ended (20 s is far more than it needs)
    looks: list[JobRunState] = []
    assert client.runs.wait(run.id, poll_interval=20, on_update=lambda r: looks.append(r.job_run_state))
    assert looks == [JobRunState.SUCCEEDED]
    with pytest.raises(APIError, match="wait_seconds"):  # a hold beyond the limit is refused
        client._transport.request("GET", path, params={"changed_from": "RUNNING", "wait_seconds": 21})
