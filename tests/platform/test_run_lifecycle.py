"""Run lifecycle: retries with backoff, failure kinds, timeouts, queuing (WAITING), capacity and FLEX.

The rules are checked exactly on the real run service and database with a hand-driven backend and clock;
the end-to-end tests run real scripts on Ray through boto3.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from glueworks.platform.db import JobRunRow
from glueworks.platform.errors import ConcurrentRunsExceededError, InvalidInputError
from glueworks.platform.launchers import RunOutcome
from glueworks.platform.services import RunOverrides
from glueworks.platform.services.run_policy import (
    ClusterLoad,
    capacity_wait,
    failure_kind,
    retry_delay,
    retry_run_id,
    with_kind_prefix,
)
from tests.conftest import LiveServer
from tests.platform.glue_helpers import TERMINAL, create_job, glue_client, wait_for_run
from tests.platform.lifecycle_helpers import Stack, live_platform, service_stack

# -- the rules on their own ----------------------------------------------------------------------------------


def test_retry_ids_name_the_first_attempt() -> None:
    assert retry_run_id("jr_abc", 1) == "jr_abc_attempt_1"
    assert retry_run_id("jr_abc_attempt_1", 2) == "jr_abc_attempt_2"


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("draw", [0.0, 0.3, 0.999])
def test_backoff_doubles_up_to_the_cap_with_equal_jitter(attempt: int, draw: float) -> None:
    delay = retry_delay(attempt, base=10.0, cap=60.0, random=lambda: draw)
    ceiling = min(60.0, 10.0 * 2 ** (attempt - 1))
    assert ceiling / 2 <= delay <= ceiling
    assert delay == pytest.approx(ceiling / 2 + draw * ceiling / 2)
    if attempt > 1:
        assert delay >= retry_delay(attempt - 1, base=10.0, cap=60.0, random=lambda: draw)


def test_failure_kinds_and_their_messages() -> None:
    assert failure_kind("FAILED", None) == "USER"
    assert failure_kind("FAILED", "INFRASTRUCTURE") == "INFRASTRUCTURE"
    assert failure_kind("TIMEOUT", "INFRASTRUCTURE") is None
    assert with_kind_prefix("USER", "ValueError: x") == "ValueError: x"
    message = with_kind_prefix("INFRASTRUCTURE", "driver lost")
    assert message == "Infrastructure failure: driver lost"
    assert with_kind_prefix("INFRASTRUCTURE", message) == message


def test_capacity_rules_for_standard_and_flex() -> None:
    idle = ClusterLoad(cluster_cpus=2, in_use=0, overcommit=1.0)
    busy = ClusterLoad(cluster_cpus=2, in_use=2, overcommit=1.0)
    assert capacity_wait("STANDARD", 2, idle) is None
    assert "cluster capacity" in (capacity_wait("STANDARD", 1, busy) or "")
    assert capacity_wait("STANDARD", 2, ClusterLoad(2, 2, overcommit=2.0)) is None  # within the overcommit
    assert "needs 2 free CPUs" in (capacity_wait("FLEX", 2, ClusterLoad(2, 2, overcommit=2.0)) or "")
    assert capacity_wait("FLEX", 2, idle) is None
    waiting = ClusterLoad(2, 0, 1.0, standard_waiting=True)
    assert "STANDARD runs are waiting" in (capacity_wait("FLEX", 1, waiting) or "")
    assert capacity_wait("STANDARD", 8, ClusterLoad(None, 99, 1.0)) is None  # unknown cluster: no rule


# -- the service, on SQLite and PostgreSQL -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    url = request.getfixturevalue("fresh_postgres_url") if request.param == "postgresql" else None
    with service_stack(tmp_path, url) as built:
        yield built


def state(stack: Stack, run_id: str) -> str:
    return stack.runs.get("default", run_id).state


def test_beyond_max_concurrent_runs_queued_runs_wait_and_start_oldest_first(stack: Stack) -> None:
    name = stack.job("queued", max_concurrent_runs=1, job_run_queuing_enabled=True, max_capacity=2.0)
    first = stack.runs.start("default", name)
    assert first.state == "STARTING" and first.state_detail is None and first.job_run_queuing_enabled
    second = stack.runs.start("default", name)
    stack.clock.advance(1)
    third = stack.runs.start("default", name)
    assert (second.state, third.state) == ("WAITING", "WAITING")
    assert second.state_detail is not None and "MaxConcurrentRuns is 1" in second.state_detail
    # A start that opts out of queuing is refused, as without queuing.
    with pytest.raises(ConcurrentRunsExceededError, match="MaxConcurrentRuns is 1"):
        stack.runs.start("default", name, RunOverrides(job_run_queuing_enabled=False))
    assert [r.run_id for r in stack.launcher.submitted] == [first.id]

    stack.launcher.run(first.id)
    stack.launcher.finish(first.id, RunOutcome("SUCCEEDED"))
    assert (state(stack, second.id), state(stack, third.id)) == ("STARTING", "WAITING")
    assert stack.runs.get("default", second.id).state_detail is None
    stack.launcher.finish(second.id, RunOutcome("FAILED", "boom"))
    assert state(stack, third.id) == "STARTING"
    assert [r.run_id for r in stack.launcher.submitted] == [first.id, second.id, third.id]
    assert stack.runs.get("default", third.id).execution_time == 0


def test_without_queuing_runs_beyond_the_limit_are_refused(stack: Stack) -> None:
    name = stack.job("refused", max_concurrent_runs=1, max_capacity=2.0)
    stack.runs.start("default", name)
    with pytest.raises(ConcurrentRunsExceededError):
        stack.runs.start("default", name)
    queued = stack.runs.start("default", name, RunOverrides(job_run_queuing_enabled=True))
    assert queued.state == "WAITING"


def test_runs_beyond_the_clusters_cpus_wait_and_flex_only_takes_spare_capacity(tmp_path: Path) -> None:
    with service_stack(tmp_path, cluster_cpus=2, cpu_overcommit=1.0) as stack:
        big = stack.job("big", max_concurrent_runs=10)  # 10 G.1X workers: asks all 2 CPUs
        flex = stack.job("flexible", max_concurrent_runs=10, execution_class="FLEX")
        first = stack.runs.start("default", big)
        flexible = stack.runs.start("default", flex)
        assert first.state == "STARTING"
        assert flexible.state == "WAITING" and "spare capacity" in (flexible.state_detail or "")
        stack.clock.advance(1)
        second = stack.runs.start("default", big)
        assert second.state == "WAITING" and "cluster capacity" in (second.state_detail or "")
        assert second.execution_class == "STANDARD" and flexible.execution_class == "FLEX"

        # STANDARD first: when the first run ends, the waiting STANDARD run starts, though FLEX asked earlier.
        stack.launcher.finish(first.id, RunOutcome("SUCCEEDED"))
        assert (state(stack, second.id), state(stack, flexible.id)) == ("STARTING", "WAITING")
        stack.launcher.finish(second.id, RunOutcome("SUCCEEDED"))
        assert state(stack, flexible.id) == "STARTING"


def test_flex_never_overcommits_while_standard_does(tmp_path: Path) -> None:
    with service_stack(tmp_path, cluster_cpus=2, cpu_overcommit=2.0) as stack:
        name = stack.job("mixed", max_concurrent_runs=10)
        first = stack.runs.start("default", name)
        second = stack.runs.start("default", name)
        flexible = stack.runs.start("default", name, RunOverrides(execution_class="FLEX"))
        assert (first.state, second.state) == ("STARTING", "STARTING")
        assert flexible.state == "WAITING" and "needs 2 free CPUs" in (flexible.state_detail or "")
        stack.launcher.finish(first.id, RunOutcome("SUCCEEDED"))
        assert state(stack, flexible.id) == "WAITING"
        stack.launcher.finish(second.id, RunOutcome("SUCCEEDED"))
        assert state(stack, flexible.id) == "STARTING"
        with pytest.raises(InvalidInputError, match="ExecutionClass"):
            stack.runs.start("default", name, RunOverrides(execution_class="CHEAP"))


def test_failed_runs_are_retried_as_new_attempts_after_backoff(stack: Stack) -> None:
    name = stack.job("retried", max_retries=2, max_capacity=2.0)
    first = stack.runs.start("default", name, RunOverrides(arguments={"--day": "mon"}, trigger_name="nightly"))
    stack.launcher.run(first.id)
    stack.launcher.finish(first.id, RunOutcome("FAILED", "ValueError: bad row"))
    failed = stack.runs.get("default", first.id)
    assert (failed.state, failed.failure_kind, failed.error_message) == ("FAILED", "USER", "ValueError: bad row")

    retry_id = f"{first.id}_attempt_1"
    retry = stack.runs.get("default", retry_id)
    assert (retry.state, retry.attempt, retry.previous_run_id, retry.trigger_name) == (
        "WAITING", 1, first.id, "nightly"
    )
    assert retry.arguments == failed.arguments
    delay = 10.0 / 2 + stack.draws[-1] * 10.0 / 2  # equal jitter over the first backoff
    assert retry.not_before == stack.clock.now + timedelta(seconds=delay)
    assert retry.state_detail is not None and "retry 1 of 2 after a user failure" in retry.state_detail
    assert stack.runs.dispatch() == 0  # not before its backoff passed
    stack.clock.advance(delay)
    assert stack.runs.dispatch() == 1
    assert state(stack, retry_id) == "STARTING"
    assert stack.launcher.submitted[-1].attempt == 1
    assert "--JOB_RUN_ID" in stack.launcher.submitted[-1].argv and retry_id in stack.launcher.submitted[-1].argv

    stack.launcher.finish(retry_id, RunOutcome("FAILED", "driver lost", failure_kind="INFRASTRUCTURE"))
    lost = stack.runs.get("default", retry_id)
    assert lost.failure_kind == "INFRASTRUCTURE"
    assert lost.error_message == "Infrastructure failure: driver lost"
    last_id = f"{first.id}_attempt_2"
    assert stack.runs.get("default", last_id).previous_run_id == retry_id
    stack.clock.advance(60)
    stack.runs.dispatch()
    stack.launcher.finish(last_id, RunOutcome("FAILED", "still bad"))
    runs, _ = stack.runs.page("default", name, None, None)
    assert sorted(run.id for run in runs) == sorted([first.id, retry_id, last_id])  # MaxRetries=2: no third
    assert {run.state for run in runs} == {"FAILED"}


def test_timeouts_and_stops_are_not_retried(stack: Stack) -> None:
    name = stack.job("not-retried", max_retries=3, max_capacity=2.0, max_concurrent_runs=2)
    timed_out = stack.runs.start("default", name)
    stopped = stack.runs.start("default", name)
    stack.launcher.finish(timed_out.id, RunOutcome("TIMEOUT", "run exceeded its timeout"))
    stack.runs.stop("default", name, [stopped.id])
    runs, _ = stack.runs.page("default", name, None, None)
    assert sorted((run.id, run.state) for run in runs) == sorted(
        [(timed_out.id, "TIMEOUT"), (stopped.id, "STOPPED")]
    )
    assert all(run.failure_kind is None for run in runs)


def test_a_refused_launch_is_an_infrastructure_failure_and_is_retried(stack: Stack) -> None:
    name = stack.job("refused-launch", max_retries=1, max_capacity=2.0)
    stack.launcher.refuse = True
    run = stack.runs.start("default", name)
    assert (run.state, run.failure_kind) == ("FAILED", "INFRASTRUCTURE")
    assert run.error_message is not None
    assert run.error_message.startswith("Infrastructure failure: could not launch the run: backend unavailable")
    stack.launcher.refuse = False
    stack.clock.advance(60)
    assert stack.runs.dispatch() == 1
    assert state(stack, f"{run.id}_attempt_1") == "STARTING"


def test_a_waiting_run_stops_at_once_and_never_launches(stack: Stack) -> None:
    name = stack.job("stop-waiting", max_concurrent_runs=1, job_run_queuing_enabled=True, max_capacity=2.0)
    first = stack.runs.start("default", name)
    waiting = stack.runs.start("default", name)
    stopping, failures = stack.runs.stop("default", name, [waiting.id])
    assert (stopping, failures) == ([waiting.id], [])
    assert state(stack, waiting.id) == "STOPPED"
    stack.launcher.finish(first.id, RunOutcome("SUCCEEDED"))
    assert [r.run_id for r in stack.launcher.submitted] == [first.id]


def test_lost_runs_end_as_infrastructure_failures_and_waiting_runs_are_dispatched(stack: Stack) -> None:
    name = stack.job("lost", max_concurrent_runs=1, job_run_queuing_enabled=True, max_capacity=2.0)
    running = stack.runs.start("default", name)
    stack.launcher.run(running.id)
    waiting = stack.runs.start("default", name)
    stack.launcher.forget_all()  # Ray went away behind the platform's back
    assert stack.runs.reconcile() == 0  # the grace period protects runs that may still be launching
    assert stack.runs.reconcile(startup=True) == 1
    lost = stack.runs.get("default", running.id)
    assert (lost.state, lost.failure_kind) == ("FAILED", "INFRASTRUCTURE")
    assert state(stack, waiting.id) == "STARTING"


def test_hooks_run_inside_the_state_change_transaction(stack: Stack) -> None:
    seen: list[tuple[str | None, str]] = []
    ended: list[tuple[str, str]] = []

    def on_state(session: Session, run: JobRunRow, previous: str | None) -> None:
        assert session.in_transaction()
        seen.append((previous, run.state))

    def on_terminal(session: Session, run: JobRunRow, outcome: RunOutcome) -> None:
        if outcome.metrics.get("refuse_commit"):
            raise RuntimeError("output commit failed")
        ended.append((run.id, run.state))

    stack.runs.state_hooks.append(on_state)
    stack.runs.terminal_hooks.append(on_terminal)
    name = stack.job("hooked", max_capacity=2.0, max_concurrent_runs=2)
    run = stack.runs.start("default", name)
    stack.launcher.run(run.id)
    stack.launcher.finish(run.id, RunOutcome("SUCCEEDED"))
    assert seen == [(None, "STARTING"), ("STARTING", "RUNNING"), ("RUNNING", "SUCCEEDED")]
    assert ended == [(run.id, "SUCCEEDED")]

    other = stack.runs.start("default", name)
    stack.launcher.run(other.id)
    with pytest.raises(RuntimeError, match="output commit failed"):
        stack.runs.on_finished("default", other.id, RunOutcome("SUCCEEDED", metrics={"refuse_commit": 1}))
    assert state(stack, other.id) == "RUNNING"  # the hook's failure rolled the terminal state back


# -- end to end: real scripts on Ray through boto3 -------------------------------------------------------------

FLAKY_SCRIPT = """
import sys
run_id = sys.argv[sys.argv.index("--JOB_RUN_ID") + 1]
if not run_id.endswith("_attempt_2"):
    raise RuntimeError("fails before its second retry: " + run_id)
print("third time lucky", flush=True)
"""
SLEEPING_SCRIPT = "import time\ntime.sleep(120)\n"
GATED_SCRIPT = """
import os, sys, time
gate = sys.argv[sys.argv.index("--gate") + 1]
while not os.path.exists(gate):
    time.sleep(0.05)
"""


@pytest.fixture(scope="module")
def live(ray_cluster: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("lifecycle")
    # One minute of Timeout lasts one second here, and retries wait a tenth of a second at most.
    with live_platform(root, timeout_minute_seconds=1.0, retry_base_delay=0.05, retry_max_delay=0.1) as (url, _):
        yield LiveServer(url=url, root=root, platform=None)


@pytest.fixture(scope="module")
def client(live: Any) -> Any:
    return glue_client(live)


def job_runs(client: Any, name: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = client.get_job_runs(JobName=name)["JobRuns"]
    return runs


def wait_until(condition: Any, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.mark.ray
def test_a_failing_script_is_retried_until_it_succeeds(live: Any, client: Any) -> None:
    name = create_job(client, live, FLAKY_SCRIPT, MaxRetries=2)
    first = client.start_job_run(JobName=name)["JobRunId"]
    wait_until(lambda: any(run["JobRunState"] == "SUCCEEDED" for run in job_runs(client, name)))
    runs = {run["Id"]: run for run in job_runs(client, name)}
    assert set(runs) == {first, f"{first}_attempt_1", f"{first}_attempt_2"}
    assert runs[first]["JobRunState"] == "FAILED"
    # The script's own error, unless Ray lost the driver first (a busy machine): then it says so.
    message = runs[first]["ErrorMessage"]
    assert "fails before its second retry" in message or message.startswith("Infrastructure failure:")
    assert runs[first]["Attempt"] == 0 and "PreviousRunId" not in runs[first]
    second = runs[f"{first}_attempt_1"]
    assert (second["Attempt"], second["PreviousRunId"], second["JobRunState"]) == (1, first, "FAILED")
    third = runs[f"{first}_attempt_2"]
    assert (third["Attempt"], third["PreviousRunId"]) == (2, f"{first}_attempt_1")
    assert third["JobRunState"] == "SUCCEEDED" and third["ExecutionClass"] == "STANDARD"
    assert client.get_job_run(JobName=name, RunId=third["Id"])["JobRun"]["Id"] == third["Id"]


@pytest.mark.ray
def test_a_run_past_its_timeout_ends_in_timeout_and_is_not_retried(live: Any, client: Any) -> None:
    name = create_job(client, live, SLEEPING_SCRIPT, MaxRetries=2, Timeout=2)
    run_id = client.start_job_run(JobName=name, Timeout=1)["JobRunId"]
    final = wait_for_run(client, name, run_id, timeout=60)
    assert final["JobRunState"] == "TIMEOUT"
    assert "timeout" in final["ErrorMessage"]
    # A retry would have been created, WAITING, in the same transaction that recorded the terminal state.
    assert [run["Id"] for run in job_runs(client, name)] == [run_id]


@pytest.mark.ray
def test_queued_runs_wait_with_a_reason_and_start_when_the_slot_frees(live: Any, client: Any) -> None:
    gate = live.root / f"gate-{time.monotonic_ns()}"
    name = create_job(client, live, GATED_SCRIPT, ExecutionProperty={"MaxConcurrentRuns": 1}, MaxCapacity=2.0)
    arguments = {"--gate": str(gate)}
    with pytest.raises(client.exceptions.InvalidInputException, match="ExecutionClass"):
        client.start_job_run(JobName=name, ExecutionClass="CHEAP")
    first = client.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    second = client.start_job_run(JobName=name, Arguments=arguments, JobRunQueuingEnabled=True)["JobRunId"]
    with pytest.raises(client.exceptions.ConcurrentRunsExceededException):
        client.start_job_run(JobName=name, Arguments=arguments)
    waiting = client.get_job_run(JobName=name, RunId=second)["JobRun"]
    assert waiting["JobRunState"] == "WAITING" and waiting["JobRunQueuingEnabled"] is True
    assert "MaxConcurrentRuns is 1" in waiting["StateDetail"]
    assert wait_for_run(client, name, first, states={"RUNNING", *TERMINAL})["JobRunState"] == "RUNNING"
    gate.touch()
    assert wait_for_run(client, name, first)["JobRunState"] == "SUCCEEDED"
    done = wait_for_run(client, name, second)
    assert done["JobRunState"] == "SUCCEEDED" and "StateDetail" not in done
