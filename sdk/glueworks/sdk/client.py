"""The glueworks client: `Client` and its namespaces `jobs`, `scripts`, `runs` and `catalog`."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import httpx

from glueworks.sdk._catalog import Catalog
from glueworks.sdk._constants import DEFAULT_ENDPOINT, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from glueworks.sdk._crawlers import Classifiers, Crawlers
from glueworks.sdk._jobs import Jobs
from glueworks.sdk._orchestration import Triggers, Workflows
from glueworks.sdk._query import Query
from glueworks.sdk._runs import Runs
from glueworks.sdk._scripts import Scripts
from glueworks.sdk._transport import Transport
from glueworks.sdk.models import Health


class Client:
    """A client of the glueworks REST API `/v1`.

    Requests that are safe to repeat are retried with exponential backoff and jitter: a connection that
    failed before the request was sent, and 429/502/503/504 replies to GET, PUT and DELETE. A POST that may
    have created something is never retried.

    Args:
        endpoint: Base URL of the platform.
        api_key: Sent as `Authorization: Bearer <api_key>`; not needed for an embedded server on loopback.
        timeout: Seconds allowed for each HTTP request.
        max_retries: Retries after the first try, for requests that are safe to retry.
        http_client: An httpx client to send with (e.g. one with a mock or ASGI transport). The caller
            keeps ownership: `close()` does not close it.
        clock: Monotonic seconds, for waiter deadlines (a seam for tests).
        sleep: Waits the given seconds, between retries and polls (a seam for tests).
        rng: Returns a float in [0, 1) for the backoff jitter (a seam for tests).

    Attributes:
        jobs: Job operations (`Jobs`).
        scripts: Script uploads (`Scripts`).
        runs: Run operations, waiter, logs and metrics (`Runs`).
        catalog: The Data Catalog: databases, tables and partitions (`Catalog`).
        crawlers: Crawlers, their crawls, metrics and schedules (`Crawlers`).
        classifiers: Custom classifiers of crawlers (`Classifiers`).
        query: SQL over catalog tables: `client.query("SELECT ...")`, `client.query.arrow(...)` (`Query`).
        triggers: Triggers (`Triggers`); workflows: workflows and their runs (`Workflows`).

    Raises:
        ValueError: If `endpoint` is not an http(s) URL, or `timeout`/`max_retries` is out of range.

    Example:
        >>> with Client("http://127.0.0.1:8080") as client:  # doctest: +SKIP
        ...     url = client.scripts.upload("etl.py", source).script_location
        ...     client.jobs.create(name="nightly", command={"script_location": url})
        ...     run = client.runs.wait(client.runs.start("nightly").id)
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._transport = Transport(
            endpoint,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            sleep=sleep,
            rng=rng,
        )
        self.jobs = Jobs(self._transport)
        self.scripts = Scripts(self._transport)
        self.runs = Runs(self._transport, clock, sleep)
        self.catalog = Catalog(self._transport)
        self.crawlers = Crawlers(self._transport, clock, sleep)
        self.classifiers = Classifiers(self._transport)
        self.query = Query(self._transport)
        self.triggers = Triggers(self._transport)  # docs/scheduling.md
        self.workflows = Workflows(self._transport)

    @property
    def endpoint(self) -> str:
        """The base URL this client talks to."""
        return self._transport.endpoint

    def health(self) -> Health:
        """Return the server's health and version.

        Raises:
            APIConnectionError: The server could not be reached.
        """
        return self._transport.request_model(Health, "GET", "/health")

    def close(self) -> None:
        """Release the HTTP connections, unless the caller supplied the httpx client."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(endpoint={self.endpoint!r})"
