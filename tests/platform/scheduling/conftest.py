"""Fixtures of the scheduling tests: an injected clock, a platform on SQLite with an in-process launcher."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from glueworks.platform.app import create_app
from glueworks.platform.context import Platform, build_platform
from glueworks.platform.embedded import free_port
from glueworks.platform.launchers import Launcher, LaunchListener, LaunchRequest, RunOutcome
from glueworks.platform.services import JobSpec
from glueworks.platform.settings import Settings

TENANT = "default"


class FakeClock:
    """An injected clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.now += delta


class InstantLauncher(Launcher):
    """A compute backend that ends each run at once with the state its job is told to end in.

    It stands in for Ray (not for any glueworks code): the run service, the scheduler and the database are real.
    """

    def __init__(self) -> None:
        self.listener: LaunchListener | None = None
        self.outcomes: dict[str, str] = {}  # job name -> final state; SUCCEEDED when absent
        self.submitted: list[LaunchRequest] = []
        self.hold: set[str] = set()  # job names whose runs stay RUNNING until released
        self.held: dict[str, LaunchRequest] = {}

    def start(self, listener: LaunchListener) -> None:
        self.listener = listener

    def submit(self, request: LaunchRequest) -> None:
        assert self.listener is not None
        self.submitted.append(request)
        self.listener.on_running(request.tenant_id, request.run_id, 0.0)
        if request.job_name in self.hold:
            self.held[request.run_id] = request
            return
        state = self.outcomes.get(request.job_name, "SUCCEEDED")
        message = None if state == "SUCCEEDED" else f"the test told {request.job_name} to end {state}"
        self.listener.on_finished(request.tenant_id, request.run_id, RunOutcome(state, message))

    def finish(self, run_id: str, state: str = "SUCCEEDED") -> None:
        request = self.held.pop(run_id)
        assert self.listener is not None
        self.listener.on_finished(request.tenant_id, request.run_id, RunOutcome(state))

    def stop(self, run_id: str) -> bool:
        request = self.held.pop(run_id, None)
        if request is None:
            return False
        assert self.listener is not None
        self.listener.on_finished(request.tenant_id, run_id, RunOutcome("STOPPED"))
        return True

    def active_runs(self) -> set[str]:
        return set(self.held)

    def close(self) -> None:
        pass


@dataclass
class Orchestra:
    platform: Platform
    clock: FakeClock
    launcher: InstantLauncher
    root: Path
    jobs: list[str] = field(default_factory=list)

    def job(self, name: str, source: str = "print('hello')\n") -> str:
        script = self.root / f"{name}.py"
        script.write_text(source)
        self.platform.jobs.create(TENANT, name, JobSpec(script_location=f"file://{script}", max_concurrent_runs=1000))
        return name


@pytest.fixture
def make_orchestra(tmp_path: Path) -> Iterator[Callable[..., Orchestra]]:
    """Build platforms on SQLite files under tmp_path, with the scheduler thread off (tests call run_once)."""
    built: list[Platform] = []

    def make(database_url: str | None = None, **scheduler: object) -> Orchestra:
        root = tmp_path / f"p{len(built)}"
        root.mkdir()
        settings = Settings(
            data_dir=root,
            port=0,
            database={"url": database_url},
            storage={"allowed_file_roots": [str(root)]},
            scheduler={"enabled": False, "retry_base_delay": 0, **scheduler},
        )
        clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
        launcher = InstantLauncher()
        platform = build_platform(settings, launcher=launcher, clock=clock)
        launcher.start(platform.runs)
        built.append(platform)
        return Orchestra(platform, clock, launcher, root)

    yield make
    for platform in built:
        platform.db.dispose()


@contextmanager
def serve(platform: Platform) -> Iterator[httpx.Client]:
    """The real app over ``platform`` on a free loopback port, and an HTTP client for it."""
    port = free_port()
    app = create_app(platform=platform, manage_platform=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="test-api", daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the API server did not start"
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
