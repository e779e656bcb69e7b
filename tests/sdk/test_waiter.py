"""The run waiter and the log follower, on an injected clock (no real sleeping)."""

from __future__ import annotations

import pytest

from glueworks.sdk import TERMINAL_STATES, Client, JobRun, JobRunState, WaitTimeoutError
from tests.sdk._fakes import FakeApi, FakeClock


@pytest.fixture
def job(client: Client) -> str:
    client.jobs.create(name="w", command={"script_location": "file:///s/w.py"})
    return "w"


def test_wait_long_polls_until_terminal_and_reports_every_look(
    client: Client, api: FakeApi, clock: FakeClock, job: str
) -> None:
    api.run_plan = ["STARTING", "WAITING", "RUNNING", "RUNNING", "FAILED"]
    run_id = client.runs.start(job).id
    seen: list[JobRun] = []
    final = client.runs.wait(run_id, poll_interval=2.0, on_update=seen.append)
    assert [r.job_run_state.value for r in seen] == api.run_plan
    assert final == seen[-1]
    assert final.job_run_state is JobRunState.FAILED and final.error_message
    assert final.metrics.records_read == 10 * (len(api.run_plan) - 1)
    # The client never sleeps: the server answers each change at once and held the one poll that saw none.
    assert clock.sleeps == []
    assert api.holds == [2.0]


def test_wait_returns_at_once_for_a_finished_run(client: Client, api: FakeApi, clock: FakeClock, job: str) -> None:
    api.run_plan = ["SUCCEEDED"]
    assert client.runs.wait(client.runs.start(job).id).job_run_state is JobRunState.SUCCEEDED
    assert clock.sleeps == []


def test_wait_times_out_without_oversleeping(client: Client, api: FakeApi, clock: FakeClock, job: str) -> None:
    api.run_plan = ["RUNNING"]
    run_id = client.runs.start(job).id
    start = clock.now
    with pytest.raises(WaitTimeoutError, match=f"run {run_id} still RUNNING after waiting 5 s") as info:
        client.runs.wait(run_id, timeout=5, poll_interval=2)
    assert api.holds == [2, 2, 1]  # the last poll ends exactly at the deadline
    assert clock.now - start == 5
    assert info.value.last_run is not None and info.value.last_run.id == run_id
    assert isinstance(info.value, TimeoutError)


def test_a_zero_timeout_looks_once(client: Client, api: FakeApi, clock: FakeClock, job: str) -> None:
    api.run_plan = ["RUNNING", "SUCCEEDED"]
    run_id = client.runs.start(job).id
    with pytest.raises(WaitTimeoutError):
        client.runs.wait(run_id, timeout=0)
    assert api.holds == []


def test_custom_terminal_states(client: Client, api: FakeApi, job: str) -> None:
    api.run_plan = ["STARTING", "RUNNING", "SUCCEEDED"]
    run_id = client.runs.start(job).id
    running = client.runs.wait(run_id, terminal_states={JobRunState.RUNNING, *TERMINAL_STATES})
    assert running.job_run_state is JobRunState.RUNNING


@pytest.mark.parametrize(("kwargs", "field"), [({"poll_interval": 0}, "poll_interval"), ({"timeout": -1}, "timeout")])
def test_wait_checks_its_arguments(client: Client, kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        client.runs.wait("jr_x", **kwargs)  # type: ignore[arg-type]


def test_follow_reads_the_whole_log_then_stops(client: Client, api: FakeApi, clock: FakeClock, job: str) -> None:
    api.run_plan = ["SUCCEEDED"]
    run_id = client.runs.start(job).id
    client.runs.get(run_id)  # the run is now terminal
    api.log_chunks[run_id] = ["a\n", "", "b\n", "", "c\n"]
    chunks = list(client.runs.iter_logs(run_id, follow=True, poll_interval=3))
    assert "".join(c.text for c in chunks) == "a\nb\nc\n"
    assert [c.offset for c in chunks] == [0, 2, 4]
    assert clock.sleeps == [3, 3]  # one per poll that brought nothing new


def test_without_follow_reading_stops_when_nothing_new_comes(
    client: Client, api: FakeApi, clock: FakeClock, job: str
) -> None:
    run_id = client.runs.start(job).id  # still running: the log is not complete
    api.log_chunks[run_id] = ["a\n", "b\n", "", "late\n"]
    text = "".join(c.text for c in client.runs.iter_logs(run_id))
    assert text == "a\nb\n"
    assert clock.sleeps == []


def test_follow_resumes_from_an_offset(client: Client, api: FakeApi, job: str) -> None:
    api.run_plan = ["SUCCEEDED"]
    run_id = client.runs.start(job).id
    client.runs.get(run_id)
    api.log_chunks[run_id] = ["0123456789"]
    assert [c.text for c in client.runs.iter_logs(run_id, offset=4, follow=True)] == ["456789"]
