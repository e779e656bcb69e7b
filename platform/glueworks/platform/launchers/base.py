"""The launcher contract: how the platform hands a run to a compute backend and hears back.

A launcher never touches the database. It reports through a :class:`LaunchListener`, which the run service
implements, so the state machine lives in one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class LaunchRequest:
    """One attempt of one job run, ready to execute."""

    run_id: str
    tenant_id: str
    job_name: str
    attempt: int
    script_path: str
    argv: list[str]
    log_path: str
    error_records_location: str | None
    max_parallelism: int
    timeout_seconds: float | None = None
    # Filesystem options per protocol for the job (an S3 endpoint, credentials): never logged or stored.
    storage_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)
    # Job bookmark the run starts from (glueworks.runtime.bookmarks.BookmarkSpec.to_dict()); None: disabled.
    bookmark: Mapping[str, Any] | None = None
    # The API URL and run-scoped credential the job uses to reach the Data Catalog (None: no catalog, or no
    # credential needed on loopback). Never logged or stored in the run record.
    catalog_url: str | None = None
    catalog_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended, as the launcher saw it."""

    state: str  # SUCCEEDED | FAILED | STOPPED | TIMEOUT
    error_message: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    ended_at: float | None = None
    # Why a FAILED run failed: "USER" (the script raised) or "INFRASTRUCTURE" (driver lost, launch refused, Ray
    # gone). None on a FAILED outcome means the script's own failure, as the driver reports it.
    failure_kind: str | None = None
    # Two-phase commit: the outputs the driver staged (commit_log.OutputManifest.to_dict()) and the bookmark state
    # to save (None: nothing to save); the run service commits both with SUCCEEDED in one transaction.
    outputs: list[dict[str, Any]] = field(default_factory=list)
    bookmark: dict[str, Any] | None = None


class LaunchListener(Protocol):
    def on_running(self, tenant_id: str, run_id: str, at: float) -> None: ...

    def on_finished(self, tenant_id: str, run_id: str, outcome: RunOutcome) -> None: ...


class Launcher(ABC):
    """Runs job scripts somewhere. Implementations: :class:`RayDriverPoolLauncher`."""

    @abstractmethod
    def start(self, listener: LaunchListener) -> None:
        """Connect to the backend and begin reporting to ``listener``."""

    @abstractmethod
    def submit(self, request: LaunchRequest) -> None:
        """Begin a run. Returns quickly; RUNNING and the outcome arrive through the listener."""

    @abstractmethod
    def stop(self, run_id: str) -> bool:
        """Stop a run; False if the launcher does not know it. The outcome arrives as STOPPED."""

    @abstractmethod
    def active_runs(self) -> set[str]:
        """Run ids the launcher is executing now; any other non-terminal run has been lost."""

    @abstractmethod
    def close(self) -> None:
        """Stop everything this launcher started."""

    def progress(self, run_id: str) -> dict[str, Any] | None:
        """Live metrics of an executing run, or None when unknown."""
        return None
