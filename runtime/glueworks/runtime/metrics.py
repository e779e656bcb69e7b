"""Run metrics: thread-safe counters a progress poll can read while a run works."""

from __future__ import annotations

import threading
from typing import Any

COUNTERS = (
    "records_read",
    "records_written",
    "error_records",
    "bytes_read",
    "bytes_written",
    "files_written",
)
"""The counters every run reports; the platform stores exactly these."""


class RunMetrics:
    """Counters for one job run, safe to update and read from any thread.

    Reads count each input split once per run, however many times a script evaluates a frame
    over it. Writes count at commit, when output becomes visible. Error records count each
    distinct bad record once.

    Example:
        >>> metrics = RunMetrics()
        >>> metrics.add(records_read=10, bytes_read=512)
        >>> metrics.snapshot()["records_read"]
        10
    """

    _COUNTERS = COUNTERS

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self._COUNTERS, 0)
        self._locations: list[str] = []

    def add(
        self,
        *,
        records_read: int = 0,
        records_written: int = 0,
        error_records: int = 0,
        bytes_read: int = 0,
        bytes_written: int = 0,
        files_written: int = 0,
    ) -> None:
        """Add to counters (all at once, so a snapshot never sees half an update)."""
        deltas = {
            "records_read": records_read,
            "records_written": records_written,
            "error_records": error_records,
            "bytes_read": bytes_read,
            "bytes_written": bytes_written,
            "files_written": files_written,
        }
        for name, delta in deltas.items():
            if delta < 0:
                raise ValueError(f"{name}: counters only grow, got {delta}")
        with self._lock:
            for name, delta in deltas.items():
                self._counts[name] += delta

    def settle_error_records(self, count: int) -> None:
        """Set the error-record count to the exact distinct count, found at the end of a run.

        During a run a record met by two actions in differently made batches counts twice (see
        `JobRunContext.record_split`); the end of the run counts the distinct records and may lower it.
        """
        if count < 0:
            raise ValueError(f"error_records: must be >= 0, got {count}")
        with self._lock:
            self._counts["error_records"] = count

    def add_output_location(self, location: str) -> None:
        """Record a location output was committed to (each location listed once)."""
        with self._lock:
            if location not in self._locations:
                self._locations.append(location)

    @property
    def records_read(self) -> int:
        """Input records read (good ones; error records are counted apart)."""
        return self._get("records_read")

    @property
    def records_written(self) -> int:
        """Records in committed output."""
        return self._get("records_written")

    @property
    def error_records(self) -> int:
        """Distinct error records found so far."""
        return self._get("error_records")

    @property
    def bytes_read(self) -> int:
        """Bytes of input read."""
        return self._get("bytes_read")

    @property
    def bytes_written(self) -> int:
        """Bytes of committed output files."""
        return self._get("bytes_written")

    @property
    def files_written(self) -> int:
        """Committed output files."""
        return self._get("files_written")

    @property
    def output_locations(self) -> list[str]:
        """Locations output was committed to, in commit order."""
        with self._lock:
            return list(self._locations)

    def _get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of every counter plus ``output_locations``."""
        with self._lock:
            return {**self._counts, "output_locations": list(self._locations)}
