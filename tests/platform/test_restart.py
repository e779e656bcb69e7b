"""A platform restart: every run in flight is reconciled, none is left STARTING, RUNNING, STOPPING or WAITING.

The first platform is stopped with runs RUNNING and WAITING (its drivers die with it, as in a crash of the
platform's process). A new platform on the same database and data folder ends the lost runs FAILED as
infrastructure failures, retries the ones whose MaxRetries allows it, and dispatches the waiting runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import TERMINAL, create_job, glue_client, wait_for_run
from tests.platform.lifecycle_helpers import live_platform

pytestmark = pytest.mark.ray

# Runs until released: through a gate file for first attempts, at once for retries and runs given --quick.
SCRIPT = """
import os, sys, time
argv = sys.argv
if "--quick" in argv or argv[argv.index("--JOB_RUN_ID") + 1].endswith("_attempt_1"):
    sys.exit(0)
gate = argv[argv.index("--gate") + 1]
while not os.path.exists(gate):
    time.sleep(0.05)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def platform_on(
    ray_cluster: None, tmp_path: Path, database_url: str | None
) -> Iterator[Callable[[], Any]]:
    """Start a platform on this test's database and data folder; call again after leaving to restart."""

    def start() -> Any:
        return live_platform(tmp_path, database_url, retry_base_delay=0.05, retry_max_delay=0.1)

    yield start


def runs_of(client: Any, name: str) -> dict[str, dict[str, Any]]:
    return {run["Id"]: run for run in client.get_job_runs(JobName=name)["JobRuns"]}


def test_runs_in_flight_are_reconciled_after_a_restart(platform_on: Callable[[], Any], tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    arguments = {"--gate": str(gate)}
    with platform_on() as (url, _):
        server = LiveServer(url=url, root=tmp_path, platform=None)
        client = glue_client(server)
        retried = create_job(client, server, SCRIPT, MaxRetries=1, MaxCapacity=2.0)
        plain = create_job(
            client, server, SCRIPT, ExecutionProperty={"MaxConcurrentRuns": 1}, JobRunQueuingEnabled=True,
            MaxCapacity=2.0,
        )
        first = client.start_job_run(JobName=retried, Arguments=arguments)["JobRunId"]
        running = client.start_job_run(JobName=plain, Arguments=arguments)["JobRunId"]
        waiting = client.start_job_run(JobName=plain, Arguments={**arguments, "--quick": "1"})["JobRunId"]
        for job, run_id in ((retried, first), (plain, running)):
            assert wait_for_run(client, job, run_id, states={"RUNNING", *TERMINAL}, timeout=60)["JobRunState"] == (
                "RUNNING"
            )
        assert client.get_job_run(JobName=plain, RunId=waiting)["JobRun"]["JobRunState"] == "WAITING"
    # The first platform is gone, and its job drivers with it. The runs' rows still say RUNNING and WAITING.

    with platform_on() as (url, _):
        client = glue_client(LiveServer(url=url, root=tmp_path, platform=None))
        lost = wait_for_run(client, retried, first, timeout=60)
        assert lost["JobRunState"] == "FAILED"
        assert lost["ErrorMessage"].startswith("Infrastructure failure:")
        retry = wait_for_run(client, retried, f"{first}_attempt_1", timeout=90)
        assert (retry["JobRunState"], retry["Attempt"], retry["PreviousRunId"]) == ("SUCCEEDED", 1, first)

        ended = wait_for_run(client, plain, running, timeout=60)
        assert ended["JobRunState"] == "FAILED" and "platform restarted" in ended["ErrorMessage"]
        assert wait_for_run(client, plain, waiting, timeout=90)["JobRunState"] == "SUCCEEDED"

        deadline = time.monotonic() + 30
        while True:
            states = {run["JobRunState"] for job in (retried, plain) for run in runs_of(client, job).values()}
            if states <= TERMINAL or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert states <= TERMINAL, states
        assert set(runs_of(client, retried)) == {first, f"{first}_attempt_1"}
        assert set(runs_of(client, plain)) == {running, waiting}
