"""The crawl runner: a small pool of threads that runs crawls off the request threads, each cancellable.

StartCrawler records the crawl and hands its work here; the request returns at once. Each crawl gets a
:class:`threading.Event` that StopCrawler sets; the work checks it between steps (the crawl engine's progress
callback raises :class:`CrawlCancelled` when it is set). Closing the runner cancels every crawl and waits for
the threads, so a crawl never outlives the platform's database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["CrawlCancelled", "CrawlRunner"]

log = logging.getLogger(__name__)

CrawlWork = Callable[[threading.Event], None]


class CrawlCancelled(Exception):
    """Raised inside a crawl's work when its cancel event is set."""


class CrawlRunner:
    """Runs crawl work on at most ``max_workers`` threads; work beyond that waits its turn.

    Args:
        max_workers: crawls that run at the same time.
    """

    def __init__(self, max_workers: int = 2) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._pool: ThreadPoolExecutor | None = None
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, crawl_id: str, work: CrawlWork) -> None:
        """Run ``work(cancel_event)`` on a pool thread.

        Raises:
            RuntimeError: the runner is closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the crawl runner is closed")
            if self._pool is None:  # built on first use: nothing is started by merely building the platform
                self._pool = ThreadPoolExecutor(self._max_workers, thread_name_prefix="glueworks-crawl")
            event = threading.Event()
            self._events[crawl_id] = event
            future = self._pool.submit(work, event)
        future.add_done_callback(lambda done: self._finished(crawl_id, done))

    def cancel(self, crawl_id: str) -> bool:
        """Ask a crawl to stop; False when this runner has no such crawl in flight."""
        with self._lock:
            event = self._events.get(crawl_id)
        if event is None:
            return False
        event.set()
        return True

    def active(self) -> set[str]:
        """The crawl ids submitted and not finished yet."""
        with self._lock:
            return set(self._events)

    def close(self) -> None:
        """Cancel every crawl and wait for the threads to end."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            events = list(self._events.values())
        for event in events:
            event.set()
        if pool is not None:
            pool.shutdown(wait=True)

    def _finished(self, crawl_id: str, done: Future[None]) -> None:
        with self._lock:
            self._events.pop(crawl_id, None)
        error = done.exception()
        if error is not None:  # the work records its own failures; this is a bug in it
            log.error("crawl %s ended with an unhandled error", crawl_id, exc_info=error)
