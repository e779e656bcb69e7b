"""Long polls of runs: a waiter sleeps until a run's state change is committed, not in a loop of reads.

`RunService` has every transaction that changes a run's state `watch`ed; when it commits, every
sleeping waiter wakes and reads its run again. A change committed by another process (another
replica of the platform) sends no wake-up, so a waiter also reads its run again every
`SLICE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from glueworks.platform.db import JobRunRow

#: Longest a waiter sleeps before it reads its run again.
SLICE_SECONDS = 1.0


class RunChanges:
    """Committed run state changes, counted, for waiters to sleep on."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    def watch(self, session: Session) -> None:
        """Wake the waiters once `session`'s transaction (which changes a run's state) commits."""
        event.listen(session, "after_commit", self._committed, once=True)

    def wait(self, read: Callable[[], JobRunRow], changed_from: str, timeout: float) -> JobRunRow:
        """``read()`` as soon as the run it reads is not in state `changed_from`, or once `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while True:
            with self._condition:
                generation = self._generation
            run = read()
            remaining = deadline - time.monotonic()
            if run.state != changed_from or remaining <= 0:
                return run
            self._sleep_past(generation, min(remaining, SLICE_SECONDS))

    def _sleep_past(self, generation: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._generation != generation, timeout=timeout)

    def _committed(self, _session: Session) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()
