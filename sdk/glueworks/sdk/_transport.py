"""HTTP transport of the SDK: URLs, auth, decoding, error mapping and the retry policy.

Retries happen here and nowhere else (retries at two layers multiply). A request is retried only when
doing it twice cannot do harm:

* the connection failed before the request was sent (connect error, connect or pool timeout), for any
  method, since the server never saw it;
* the reply was 429, 502, 503 or 504 to an idempotent method (GET, PUT, DELETE), except a 429 whose code
  says a quota or concurrency limit was hit, since waiting does not clear those.

A POST or PATCH that may have reached the server is never retried. The wait before a retry is the server's
`Retry-After` (seconds, capped) when it sends one, else capped exponential backoff with jitter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from glueworks.sdk._constants import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRY_JITTER,
)
from glueworks.sdk.errors import APIConnectionError, APIError, error_from_code
from glueworks.sdk.models import ErrorBody

ModelT = TypeVar("ModelT", bound=BaseModel)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# 429 codes that report a limit, not load: retrying cannot succeed until something else changes.
NON_TRANSIENT_429_CODES = frozenset({"ConcurrentRunsExceededException", "ResourceNumberLimitExceededException"})
# Errors raised before any byte of the request left this process.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def path_segment(value: str, field: str) -> str:
    """Quote one URL path segment (a job name, run id or file name).

    Args:
        value: The raw value.
        field: The argument name, used in the error message.

    Returns:
        The percent-encoded segment.

    Raises:
        ValueError: If the value is empty.
    """
    if not value:
        raise ValueError(f"{field} must not be empty")
    return quote(value, safe="")


def _sdk_version() -> str:
    try:
        return metadata.version("glueworks")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class Transport:
    """Sends requests to one glueworks endpoint and turns replies into models or errors.

    Args:
        endpoint: Base URL of the server, e.g. `http://127.0.0.1:8080`.
        api_key: Sent as a bearer token when given.
        timeout: Seconds allowed for each HTTP request.
        max_retries: Retries after the first try for requests that are safe to retry.
        http_client: An httpx client to send with; the caller keeps ownership of it. When None, the
            transport makes its own and closes it in `close()`.
        sleep: Called with seconds to wait before a retry (a seam for tests).
        rng: Returns a float in [0, 1) for the backoff jitter (a seam for tests).

    Raises:
        ValueError: If `endpoint` is not an http(s) URL, or `timeout`/`max_retries` is negative.
    """

    def __init__(
        self,
        endpoint: str,
        api_key: str | None,
        *,
        timeout: float,
        max_retries: int,
        http_client: httpx.Client | None,
        sleep: Callable[[float], None],
        rng: Callable[[], float],
    ) -> None:
        endpoint = endpoint.rstrip("/")
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"endpoint must be an http:// or https:// URL, got {endpoint!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_retries = max_retries
        self._sleep = sleep
        self._rng = rng
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=timeout)
        self._headers = {"Accept": "application/json", "User-Agent": f"glueworks-sdk/{_sdk_version()}"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def close(self) -> None:
        """Close the HTTP client if this transport made it."""
        if self._owns_http:
            self._http.close()

    def request_model(
        self,
        model: type[ModelT],
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ModelT:
        """Send a request and decode a successful reply into `model`.

        Args:
            model: The response model.
            method: HTTP method.
            path: Path below `/v1`, already quoted, e.g. `/jobs/nightly`.
            params: Query parameters; None values must be left out by the caller.
            json: A JSON body.
            content: A raw body.
            content_type: Content-Type of a raw body.

        Returns:
            The decoded reply.

        Raises:
            APIError: The server answered with an error, or with a body that is not a `model`.
            APIConnectionError: The server could not be reached.
        """
        response = self.request(
            method, path, params=params, json=json, content=content, content_type=content_type, headers=headers
        )
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise APIError(
                f"unexpected reply to {method} {response.request.url}: {exc}", "", response.status_code
            ) from exc

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request, retrying where safe, and return the successful reply.

        Args:
            method: HTTP method.
            path: Path below `/v1`, already quoted.
            params: Query parameters.
            json: A JSON body.
            content: A raw body.
            content_type: Content-Type of a raw body.
            headers: Extra request headers. A POST carrying an `Idempotency-Key` is retried like an idempotent
                method: the server answers a repeat with the result of the first request.

        Returns:
            The 2xx reply, fully read.

        Raises:
            APIError: The server answered with an error status (after any retries).
            APIConnectionError: The server could not be reached (after any retries).
        """
        method = method.upper()
        url = f"{self.endpoint}/v1{path}"
        sent_headers = {**self._headers, **(headers or {})}
        if content_type is not None:
            sent_headers["Content-Type"] = content_type
        # A keyed request repeats safely: the server answers a repeat with the first request's result.
        retry_as = "PUT" if "Idempotency-Key" in sent_headers else method
        retries = 0
        while True:
            try:
                response = self._http.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    json=json,
                    content=content,
                    headers=sent_headers,
                    timeout=self.timeout,
                )
            except _NOT_SENT_ERRORS as exc:
                if retries < self.max_retries:
                    self._sleep(self._backoff(retries))
                    retries += 1
                    continue
                raise APIConnectionError(f"cannot connect to {self.endpoint} ({method} {url}): {exc}") from exc
            except httpx.TransportError as exc:
                if retry_as != method and retries < self.max_retries:
                    self._sleep(self._backoff(retries))
                    retries += 1
                    continue
                # The request may have reached the server: retrying could repeat its effect.
                raise APIConnectionError(f"{method} {url} failed: {exc}") from exc
            if response.is_success:
                return response
            error = self._error(method, response)
            if retries < self.max_retries and self._should_retry(retry_as, response.status_code, error):
                self._sleep(self._retry_delay(retries, response))
                retries += 1
                continue
            raise error

    @staticmethod
    def _should_retry(method: str, status: int, error: APIError) -> bool:
        if method not in IDEMPOTENT_METHODS or status not in RETRYABLE_STATUSES:
            return False
        return not (status == 429 and error.code in NON_TRANSIENT_429_CODES)

    def _retry_delay(self, retries: int, response: httpx.Response) -> float:
        retry_after = response.headers.get("Retry-After")
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = math.nan  # an HTTP-date: fall back to our own backoff
            if math.isfinite(seconds) and seconds >= 0:
                return min(seconds, MAX_RETRY_AFTER)
        return self._backoff(retries)

    def _backoff(self, retries: int) -> float:
        base: float = min(INITIAL_RETRY_DELAY * 2.0**retries, MAX_RETRY_DELAY)
        return base * (1 - RETRY_JITTER * self._rng())

    @staticmethod
    def _error(method: str, response: httpx.Response) -> APIError:
        try:
            body = ErrorBody.model_validate_json(response.content)
        except ValidationError:
            # Not our error body (a proxy, or not a glueworks server): keep what there is.
            text = response.text.strip()[:300] or response.reason_phrase
            return APIError(
                f"HTTP {response.status_code} from {method} {response.request.url}: {text}",
                "",
                response.status_code,
            )
        return error_from_code(body.error.code, body.error.message, response.status_code)
