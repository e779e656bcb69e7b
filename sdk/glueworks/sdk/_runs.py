"""`client.runs`: start, inspect, list, stop and wait for job runs; read their logs and metrics."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping

from glueworks.sdk._constants import DEFAULT_POLL_INTERVAL
from glueworks.sdk._transport import Transport, path_segment
from glueworks.sdk.errors import APIError, WaitTimeoutError
from glueworks.sdk.models import (
    MAX_WAIT_SECONDS,
    TERMINAL_STATES,
    ExecutionClass,
    JobRun,
    JobRunList,
    JobRunState,
    RunLogs,
    RunMetrics,
    RunStart,
    WorkerType,
)


class Runs:
    """Operations on job runs; reached as `client.runs`.

    Args:
        transport: The client's transport.
        clock: Monotonic seconds, used for wait deadlines (a seam for tests).
        sleep: Waits the given seconds between polls (a seam for tests).
    """

    def __init__(self, transport: Transport, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._transport = transport
        self._clock = clock
        self._sleep = sleep

    def start(
        self,
        job_name: str,
        arguments: Mapping[str, str] | None = None,
        *,
        timeout: int | None = None,
        worker_type: WorkerType | str | None = None,
        number_of_workers: int | None = None,
        max_capacity: float | None = None,
        job_run_queuing_enabled: bool | None = None,
        execution_class: ExecutionClass | str | None = None,
        idempotency_key: str | None = None,
    ) -> JobRun:
        """Start a run of a job. Without `idempotency_key` never retried once sent, so one call starts at most one run.

        Args:
            job_name: The job to run.
            arguments: Run arguments, merged over the job's default arguments.
            timeout: Run timeout in minutes, overriding the job's.
            worker_type: Worker type for this run.
            number_of_workers: Number of workers for this run.
            max_capacity: Capacity in DPUs for this run.
            job_run_queuing_enabled: Wait (state WAITING) instead of failing when the job is at its
                MaxConcurrentRuns; None takes the job's setting.
            execution_class: STANDARD, or FLEX to run only on spare capacity; None takes the job's setting.
            idempotency_key: Sent as the `Idempotency-Key` header: a repeat of the same call (also by the
                transport's own retries, which the key makes safe) returns the same run.

        Returns:
            The new run, usually in state STARTING (WAITING when queued).

        Raises:
            pydantic.ValidationError: If an argument has the wrong shape (names the field).
            EntityNotFoundException: There is no such job.
            ConcurrentRunsExceededException: The job already has its maximum number of active runs.
            IdempotentParameterMismatchException: The key was used before for another request.
        """
        fields: dict[str, object] = {
            "timeout": timeout,
            "worker_type": worker_type,
            "number_of_workers": number_of_workers,
            "max_capacity": max_capacity,
            "job_run_queuing_enabled": job_run_queuing_enabled,
            "execution_class": execution_class,
        }
        body = RunStart.model_validate(
            {"arguments": dict(arguments or {}), **{k: v for k, v in fields.items() if v is not None}}
        )
        return self._transport.request_model(
            JobRun,
            "POST",
            f"/jobs/{path_segment(job_name, 'job_name')}/runs",
            json=body.model_dump(mode="json", exclude_unset=True),
            headers=None if idempotency_key is None else {"Idempotency-Key": idempotency_key},
        )

    def get(self, run_id: str) -> JobRun:
        """Return a run.

        Raises:
            EntityNotFoundException: There is no such run.
        """
        return self._transport.request_model(JobRun, "GET", f"/runs/{path_segment(run_id, 'run_id')}")

    def list(self, job_name: str, *, max_results: int | None = None, next_token: str | None = None) -> JobRunList:
        """Return one page of a job's runs, newest first; use `iter()` to walk all pages.

        Args:
            job_name: The job.
            max_results: Most runs to return in the page; None takes the server's default.
            next_token: The `next_token` of the previous page.
        """
        params: dict[str, str | int] = {}
        if max_results is not None:
            params["max_results"] = max_results
        if next_token is not None:
            params["next_token"] = next_token
        return self._transport.request_model(
            JobRunList, "GET", f"/jobs/{path_segment(job_name, 'job_name')}/runs", params=params
        )

    def iter(self, job_name: str, *, max_results: int | None = None) -> Iterator[JobRun]:
        """Yield every run of a job, newest first, fetching pages as needed (one request per page)."""
        token: str | None = None
        while True:
            page = self.list(job_name, max_results=max_results, next_token=token)
            yield from page.runs
            if page.next_token is None:
                return
            if page.next_token == token:
                raise APIError(f"server returned the same next_token twice ({token!r}) listing runs")
            token = page.next_token

    def stop(self, run_id: str) -> JobRun:
        """Ask a run to stop. The run goes to STOPPING, then STOPPED; use `wait()` to see it end.

        Returns:
            The run as it is right after the request.
        """
        return self._transport.request_model(JobRun, "POST", f"/runs/{path_segment(run_id, 'run_id')}/stop")

    def wait(
        self,
        run_id: str,
        timeout: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        terminal_states: Collection[JobRunState] = TERMINAL_STATES,
        on_update: Callable[[JobRun], None] | None = None,
    ) -> JobRun:
        """Wait for a run to reach one of `terminal_states`.

        Long polls: each request is held by the server until the run changes state, or for at most
        `poll_interval` seconds (capped at `MAX_WAIT_SECONDS` and below the client's request timeout),
        so a change is seen at once and a quiet run costs one request per `poll_interval`. A run that
        ends badly is returned, not raised: check `job_run_state` (and `error_message`).

        Args:
            run_id: The run.
            timeout: Seconds to wait at most; None waits for as long as it takes.
            poll_interval: Longest time between two looks at the run (and `on_update` calls).
            terminal_states: States that end the wait.
            on_update: Called with the run after every look, the last one included.

        Returns:
            The run in its terminal state.

        Raises:
            ValueError: If `poll_interval` is not > 0 or `timeout` is negative.
            WaitTimeoutError: `timeout` passed first; `last_run` holds the run as last seen.
            EntityNotFoundException: There is no such run.

        Example:
            >>> run = client.runs.wait(client.runs.start("nightly").id, timeout=600)  # doctest: +SKIP
            >>> run.job_run_state
            <JobRunState.SUCCEEDED: 'SUCCEEDED'>
        """
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be > 0 seconds, got {poll_interval!r}")
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {timeout!r}")
        deadline = None if timeout is None else self._clock() + timeout
        # Held below the request timeout, so a quiet run's poll is answered, not cut off.
        longest = min(poll_interval, MAX_WAIT_SECONDS, max(self._transport.timeout - 1.0, 0.1))
        run = self.get(run_id)
        while True:
            if on_update is not None:
                on_update(run)
            if run.job_run_state in terminal_states:
                return run
            hold = longest
            if deadline is not None:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    raise WaitTimeoutError(f"run {run_id} still {run.job_run_state} after waiting {timeout:g} s", run)
                # The last poll ends at the deadline rather than overrunning it.
                hold = min(hold, remaining)
            run = self._transport.request_model(
                JobRun,
                "GET",
                f"/runs/{path_segment(run_id, 'run_id')}",
                params={"changed_from": run.job_run_state.value, "wait_seconds": hold},
            )

    def logs(self, run_id: str, offset: int = 0) -> RunLogs:
        """Return the run's log text from `offset` on (the server may return it in chunks).

        Args:
            run_id: The run.
            offset: Where to start; pass the previous chunk's `next_offset` to continue.
        """
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset!r}")
        return self._transport.request_model(
            RunLogs, "GET", f"/runs/{path_segment(run_id, 'run_id')}/logs", params={"offset": offset}
        )

    def iter_logs(
        self,
        run_id: str,
        *,
        offset: int = 0,
        follow: bool = False,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Iterator[RunLogs]:
        """Yield the run's log text in chunks, from `offset` on.

        Without `follow`, stops once the log written so far has been read. With `follow`, keeps polling
        (every `poll_interval` seconds while there is no new text) until the run is terminal and all of
        its text has been read.

        Args:
            run_id: The run.
            offset: Where to start.
            follow: Keep reading as the log grows, until the run ends.
            poll_interval: Seconds to wait when a poll brought no new text.

        Yields:
            Each chunk that holds text.

        Raises:
            ValueError: If `poll_interval` is not > 0.
            EntityNotFoundException: There is no such run.
        """
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be > 0 seconds, got {poll_interval!r}")
        while True:
            chunk = self.logs(run_id, offset)
            if chunk.text:
                yield chunk
            if chunk.complete:
                return
            if chunk.next_offset <= offset:
                # Nothing new: the log read so far is all there is for now.
                if not follow:
                    return
                self._sleep(poll_interval)
            offset = max(offset, chunk.next_offset)

    def metrics(self, run_id: str) -> RunMetrics:
        """Return what the run has done so far (final once it is terminal)."""
        return self._transport.request_model(RunMetrics, "GET", f"/runs/{path_segment(run_id, 'run_id')}/metrics")
