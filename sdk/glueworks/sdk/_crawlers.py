"""`client.crawlers` and `client.classifiers`: crawlers, their crawls and schedules, and custom classifiers.

Bodies are Glue's shapes with snake_case member names, passed as keyword arguments, e.g.
`targets={"s3_targets": [{"path": "s3://lake/events/", "exclusions": ["**.tmp"]}]}`. The server checks them
against Glue's model and its error names any bad member (`targets.s3_targets[0].path`).

Example:
    >>> client.crawlers.create("events", role="etl", database_name="lake",  # doctest: +SKIP
    ...                        targets={"s3_targets": [{"path": "s3://lake/events/"}]})
    >>> client.crawlers.start("events")  # doctest: +SKIP
    >>> crawler = client.crawlers.wait("events")  # doctest: +SKIP
    >>> crawler.last_crawl.status  # doctest: +SKIP
    'SUCCEEDED'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from glueworks.sdk._transport import Transport, path_segment
from glueworks.sdk.errors import APIError, WaitTimeoutError
from glueworks.sdk.models_crawlers import (
    Classifier,
    ClassifierList,
    Crawler,
    CrawlerDeleted,
    CrawlerList,
    CrawlerMetrics,
    CrawlList,
    CrawlStarted,
)

__all__ = ["Classifiers", "Crawlers"]

_CLASSIFIER_KINDS = ("grok", "xml", "json", "csv")


def _params(**values: str | int | None) -> dict[str, str | int]:
    return {key: value for key, value in values.items() if value is not None}


def _crawler(name: str) -> str:
    return f"/crawlers/{path_segment(name, 'name')}"


class Crawlers:
    """Crawlers; reached as `client.crawlers`.

    Args:
        transport: The client's transport.
        clock: Monotonic seconds, for `wait` deadlines.
        sleep: Waits the given seconds between polls.
    """

    def __init__(self, transport: Transport, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._transport = transport
        self._clock = clock
        self._sleep = sleep

    def create(self, name: str, *, role: str, targets: dict[str, Any], **fields: Any) -> Crawler:
        """Create a crawler.

        Args:
            name: Crawler name.
            role: Kept as Glue keeps it (glueworks runs crawls with the platform's own storage access).
            targets: `{"s3_targets": [{"path": ..., "exclusions": [...], "sample_size": n}]}`; a path is an
                `s3://` URL or a local folder the platform may read.
            **fields: Other `CreateCrawler` members in snake_case: `database_name`, `description`,
                `classifiers`, `table_prefix`, `schema_change_policy`, `recrawl_policy`, `configuration`
                (a JSON string), `schedule` (`cron(...)`), `tags`.

        Raises:
            AlreadyExistsException: A crawler with that name exists.
            InvalidInputException: A member is invalid (the error names it).
        """
        body = {"name": name, "role": role, "targets": targets, **fields}
        return self._transport.request_model(Crawler, "POST", "/crawlers", json=body)

    def get(self, name: str) -> Crawler:
        """Return the crawler `name`.

        Raises:
            EntityNotFoundException: There is no such crawler.
        """
        return self._transport.request_model(Crawler, "GET", _crawler(name))

    def list(self, *, max_results: int | None = None, next_token: str | None = None) -> CrawlerList:
        """Return one page of crawlers; use `iter()` to walk all pages."""
        params = _params(max_results=max_results, next_token=next_token)
        return self._transport.request_model(CrawlerList, "GET", "/crawlers", params=params)

    def iter(self, *, max_results: int | None = None) -> Iterator[Crawler]:
        """Yield every crawler, one request per page."""
        token: str | None = None
        while True:
            page = self.list(max_results=max_results, next_token=token)
            yield from page.crawlers
            if page.next_token is None:
                return
            if page.next_token == token:
                raise APIError(f"server returned the same next_token twice ({token!r}) listing crawlers")
            token = page.next_token

    def update(self, name: str, **fields: Any) -> Crawler:
        """Change the members given (Glue `UpdateCrawler`); the others keep their values.

        Raises:
            EntityNotFoundException: There is no such crawler.
            CrawlerRunningException: The crawler is running (an `APIError` with that code).
        """
        return self._transport.request_model(Crawler, "PATCH", _crawler(name), json=fields)

    def delete(self, name: str) -> str:
        """Delete a crawler and its crawl history (the tables it wrote stay); returns its name."""
        return self._transport.request_model(CrawlerDeleted, "DELETE", _crawler(name)).name

    def start(self, name: str) -> CrawlStarted:
        """Start a crawl; it runs in the background (see `wait`).

        Raises:
            CrawlerRunningException: The crawler is already running (an `APIError` with that code).
        """
        return self._transport.request_model(CrawlStarted, "POST", f"{_crawler(name)}/start")

    def stop(self, name: str) -> Crawler:
        """Stop the running crawl; it ends CANCELLED and writes nothing.

        Raises:
            CrawlerNotRunningException, CrawlerStoppingException: as `APIError` with that code.
        """
        return self._transport.request_model(Crawler, "POST", f"{_crawler(name)}/stop")

    def wait(self, name: str, *, timeout: float = 600.0, poll: float = 1.0) -> Crawler:
        """Poll until the crawler is READY again and return it (read `last_crawl.status`).

        Raises:
            WaitTimeoutError: It was still running after `timeout` seconds.
        """
        deadline = self._clock() + timeout
        while True:
            crawler = self.get(name)
            if crawler.state == "READY":
                return crawler
            if self._clock() >= deadline:
                raise WaitTimeoutError(f"crawler {name} is still {crawler.state} after {timeout:g} s")
            self._sleep(poll)

    def crawls(
        self,
        name: str,
        *,
        state: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> CrawlList:
        """Return one page of the crawler's crawls, newest first; `state` keeps only crawls in that state."""
        params = _params(state=state, max_results=max_results, next_token=next_token)
        return self._transport.request_model(CrawlList, "GET", f"{_crawler(name)}/crawls", params=params)

    def metrics(self, name: str) -> CrawlerMetrics:
        """Return the crawler's metrics (runtimes, tables created/updated/deleted by its latest crawl)."""
        return self._transport.request_model(CrawlerMetrics, "GET", f"{_crawler(name)}/metrics")

    def update_schedule(self, name: str, schedule: str | None) -> Crawler:
        """Set the schedule (`cron(m h dom mon dow year)`), or remove it with None."""
        body = {"schedule": schedule}
        return self._transport.request_model(Crawler, "PUT", f"{_crawler(name)}/schedule", json=body)

    def start_schedule(self, name: str) -> Crawler:
        """Make the schedule SCHEDULED."""
        return self._transport.request_model(Crawler, "POST", f"{_crawler(name)}/schedule/start")

    def stop_schedule(self, name: str) -> Crawler:
        """Make the schedule NOT_SCHEDULED."""
        return self._transport.request_model(Crawler, "POST", f"{_crawler(name)}/schedule/stop")


class Classifiers:
    """Custom classifiers; reached as `client.classifiers`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, kind: str, name: str, **fields: Any) -> Classifier:
        """Create a classifier.

        Args:
            kind: `grok`, `xml`, `json` or `csv`.
            name: Classifier name.
            **fields: The kind's Glue members in snake_case: `classification` and `grok_pattern` (grok),
                `row_tag` (xml), `json_path` (json), `delimiter`, `contains_header`, `header` (csv)...

        Raises:
            ValueError: `kind` is not one of the four.
            AlreadyExistsException: A classifier with that name exists.
            InvalidInputException: A member is invalid (the error names it).
        """
        body = {self._member(kind): {"name": name, **fields}}
        return self._transport.request_model(Classifier, "POST", "/classifiers", json=body)

    def get(self, name: str) -> Classifier:
        """Return the classifier `name`."""
        return self._transport.request_model(Classifier, "GET", f"/classifiers/{path_segment(name, 'name')}")

    def list(self, *, max_results: int | None = None, next_token: str | None = None) -> ClassifierList:
        """Return one page of classifiers."""
        params = _params(max_results=max_results, next_token=next_token)
        return self._transport.request_model(ClassifierList, "GET", "/classifiers", params=params)

    def iter(self, *, max_results: int | None = None) -> Iterator[Classifier]:
        """Yield every classifier, one request per page."""
        token: str | None = None
        while True:
            page = self.list(max_results=max_results, next_token=token)
            yield from page.classifiers
            if page.next_token is None:
                return
            token = page.next_token

    def update(self, kind: str, name: str, **fields: Any) -> Classifier:
        """Change the members given; the kind cannot change."""
        body = {self._member(kind): fields}
        path = f"/classifiers/{path_segment(name, 'name')}"
        return self._transport.request_model(Classifier, "PATCH", path, json=body)

    def delete(self, name: str) -> str:
        """Delete a classifier; returns its name."""
        path = f"/classifiers/{path_segment(name, 'name')}"
        return self._transport.request_model(CrawlerDeleted, "DELETE", path).name

    @staticmethod
    def _member(kind: str) -> str:
        if kind not in _CLASSIFIER_KINDS:
            raise ValueError(f"kind must be one of {', '.join(_CLASSIFIER_KINDS)}, got {kind!r}")
        return f"{kind}_classifier"
