"""The retry policy: only what is safe to repeat is repeated, with backoff, jitter and Retry-After."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from glueworks.sdk import (
    APIConnectionError,
    APIError,
    Client,
    ConcurrentRunsExceededException,
    InternalServiceException,
    ThrottlingException,
)
from glueworks.sdk._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY, RETRY_JITTER
from tests.sdk._fakes import FakeClock, error

Outcome = httpx.Response | Exception
RUN = {
    "id": "jr_1",
    "job_name": "j",
    "job_run_state": "RUNNING",
    "started_on": "2026-11-01T00:00:00Z",
    "last_modified_on": "2026-11-01T00:00:00Z",
}
UPLOAD = {"script_location": "file:///s/a.py", "size": 1}


class Scripted:
    """A transport handler that answers each request with the next scripted outcome."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    clock: FakeClock,
    *,
    max_retries: int = 2,
    rng: float = 0.0,
    api_key: str | None = None,
) -> Client:
    return Client(
        "http://127.0.0.1:8080/",
        api_key,
        max_retries=max_retries,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: rng,
    )


def unavailable() -> httpx.Response:
    return httpx.Response(503, text="upstream unavailable")


# The calls below cover each method the client uses: GET, PUT and DELETE are idempotent, POST and PATCH not.
IDEMPOTENT_CALLS: dict[str, tuple[Callable[[Client], object], httpx.Response]] = {
    "GET": (lambda c: c.runs.get("jr_1"), httpx.Response(200, json=RUN)),
    "PUT": (lambda c: c.scripts.upload("a.py", "x = 1\n"), httpx.Response(200, json=UPLOAD)),
    "DELETE": (lambda c: c.jobs.delete("j"), httpx.Response(200, json={"name": "j"})),
}
UNSAFE_CALLS: dict[str, Callable[[Client], object]] = {
    "POST start": lambda c: c.runs.start("j"),
    "POST stop": lambda c: c.runs.stop("jr_1"),
    "POST create": lambda c: c.jobs.create(name="j", command={"script_location": "x"}),
    "PATCH": lambda c: c.jobs.update("j", timeout=5),
}


@pytest.mark.parametrize("method", sorted(IDEMPOTENT_CALLS))
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_requests_are_retried_on_transient_statuses(method: str, status: int, clock: FakeClock) -> None:
    call, ok = IDEMPOTENT_CALLS[method]
    handler = Scripted(httpx.Response(status, text="busy"), httpx.Response(status, text="busy"), ok)
    call(make_client(handler, clock))
    assert [r.method for r in handler.requests] == [method] * 3
    assert clock.sleeps == [INITIAL_RETRY_DELAY, 2 * INITIAL_RETRY_DELAY]


@pytest.mark.parametrize("name", sorted(UNSAFE_CALLS))
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_requests_that_may_have_acted_are_never_retried(name: str, status: int, clock: FakeClock) -> None:
    handler = Scripted(httpx.Response(status, text="busy"), httpx.Response(200, json=RUN))
    with pytest.raises(APIError) as info:
        UNSAFE_CALLS[name](make_client(handler, clock))
    assert info.value.status_code == status
    assert len(handler.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("name", sorted(UNSAFE_CALLS))
@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("full")]
)
def test_any_request_is_retried_when_it_was_never_sent(name: str, failure: Exception, clock: FakeClock) -> None:
    ok = httpx.Response(
        200, json=RUN | {"name": "j", "command": {"script_location": "x"}, "created_on": RUN["started_on"]}
    )
    handler = Scripted(failure, ok)
    UNSAFE_CALLS[name](make_client(handler, clock))
    assert len(handler.requests) == 2
    assert clock.sleeps == [INITIAL_RETRY_DELAY]


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("no reply"), httpx.RemoteProtocolError("cut"), httpx.WriteError("broken")]
)
def test_failures_after_sending_are_not_retried(failure: Exception, clock: FakeClock) -> None:
    handler = Scripted(failure, httpx.Response(201, json=RUN))
    with pytest.raises(APIConnectionError, match=re.escape("POST http://127.0.0.1:8080/v1/jobs/j/runs")) as info:
        make_client(handler, clock).runs.start("j")
    assert info.value.__cause__ is failure
    assert len(handler.requests) == 1


def test_connection_errors_give_up_after_max_retries(clock: FakeClock) -> None:
    handler = Scripted(*[httpx.ConnectError("refused")] * 4)
    with pytest.raises(APIConnectionError, match=re.escape("cannot connect to http://127.0.0.1:8080")):
        make_client(handler, clock, max_retries=3).health()
    assert len(handler.requests) == 4
    assert clock.sleeps == [INITIAL_RETRY_DELAY * 2**i for i in range(3)]


def test_statuses_give_up_after_max_retries_with_the_last_error(clock: FakeClock) -> None:
    handler = Scripted(*[error(429, "ThrottlingException", "slow down")] * 3)
    with pytest.raises(ThrottlingException, match="slow down"):
        make_client(handler, clock).runs.get("jr_1")
    assert len(handler.requests) == 3


def test_max_retries_zero_tries_once(clock: FakeClock) -> None:
    handler = Scripted(unavailable(), httpx.Response(200, json=RUN))
    with pytest.raises(APIError):
        make_client(handler, clock, max_retries=0).runs.get("jr_1")
    assert len(handler.requests) == 1


@pytest.mark.parametrize("code", ["ConcurrentRunsExceededException", "ResourceNumberLimitExceededException"])
def test_a_429_that_reports_a_limit_is_not_retried(code: str, clock: FakeClock) -> None:
    handler = Scripted(error(429, code, "limit reached"), httpx.Response(200, json=UPLOAD))
    with pytest.raises(APIError) as info:
        make_client(handler, clock).scripts.upload("a.py", "x = 1\n")
    assert info.value.code == code
    assert len(handler.requests) == 1


def test_concurrent_runs_exceeded_on_start_is_raised_at_once(clock: FakeClock) -> None:
    handler = Scripted(error(429, "ConcurrentRunsExceededException", "job j has 1 active run"))
    with pytest.raises(ConcurrentRunsExceededException, match="1 active run"):
        make_client(handler, clock).runs.start("j")
    assert len(handler.requests) == 1


@pytest.mark.parametrize("status", [400, 404, 409, 500])
def test_other_statuses_are_not_retried(status: int, clock: FakeClock) -> None:
    handler = Scripted(httpx.Response(status, text="nope"), httpx.Response(200, json=RUN))
    with pytest.raises(APIError):
        make_client(handler, clock).runs.get("jr_1")
    assert len(handler.requests) == 1


def test_internal_service_exception_is_mapped_not_retried(clock: FakeClock) -> None:
    handler = Scripted(error(500, "InternalServiceException", "db down"))
    with pytest.raises(InternalServiceException, match="db down"):
        make_client(handler, clock).jobs.get("j")
    assert len(handler.requests) == 1


def test_retry_after_seconds_is_honoured_and_capped(clock: FakeClock) -> None:
    handler = Scripted(
        httpx.Response(503, headers={"Retry-After": "3"}),
        httpx.Response(503, headers={"Retry-After": str(MAX_RETRY_AFTER * 10)}),
        httpx.Response(200, json=RUN),
    )
    make_client(handler, clock).runs.get("jr_1")
    assert clock.sleeps == [3.0, MAX_RETRY_AFTER]


def test_an_unreadable_retry_after_falls_back_to_backoff(clock: FakeClock) -> None:
    handler = Scripted(
        httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
        httpx.Response(200, json=RUN),
    )
    make_client(handler, clock).runs.get("jr_1")
    assert clock.sleeps == [INITIAL_RETRY_DELAY]


def test_backoff_is_capped_and_jittered(clock: FakeClock) -> None:
    retries = 8
    handler = Scripted(*[unavailable()] * retries, httpx.Response(200, json=RUN))
    make_client(handler, clock, max_retries=retries, rng=0.999).runs.get("jr_1")
    expected = [min(INITIAL_RETRY_DELAY * 2**i, MAX_RETRY_DELAY) * (1 - RETRY_JITTER * 0.999) for i in range(retries)]
    assert clock.sleeps == pytest.approx(expected)
    assert max(clock.sleeps) <= MAX_RETRY_DELAY
    assert min(clock.sleeps) > INITIAL_RETRY_DELAY * (1 - RETRY_JITTER) - 1e-9


def test_a_body_that_is_not_an_error_envelope_keeps_status_and_text(clock: FakeClock) -> None:
    handler = Scripted(httpx.Response(418, text="<html>teapot</html>"))
    with pytest.raises(APIError) as info:
        make_client(handler, clock).jobs.get("j")
    assert type(info.value) is APIError
    assert info.value.status_code == 418 and info.value.code == ""
    assert "teapot" in info.value.message and "GET http://127.0.0.1:8080/v1/jobs/j" in info.value.message


def test_a_success_body_of_the_wrong_shape_is_an_api_error(clock: FakeClock) -> None:
    handler = Scripted(httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(APIError, match="unexpected reply to GET"):
        make_client(handler, clock).runs.get("jr_1")
