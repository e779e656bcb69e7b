"""Defaults of the SDK client, in one place."""

from __future__ import annotations

DEFAULT_ENDPOINT = "http://127.0.0.1:8080"
#: Seconds to wait for each HTTP request.
DEFAULT_TIMEOUT = 30.0
#: Retries after the first try, for requests that are safe to retry.
DEFAULT_MAX_RETRIES = 2
#: Backoff before the first retry, in seconds; it doubles per retry up to MAX_RETRY_DELAY.
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: Fraction of each backoff taken off at random, so clients that failed together do not retry together.
RETRY_JITTER = 0.25
#: A server's Retry-After longer than this is capped to it.
MAX_RETRY_AFTER = 60.0
#: Seconds between polls of a waiter, and of `runs logs --follow`.
DEFAULT_POLL_INTERVAL = 0.5
