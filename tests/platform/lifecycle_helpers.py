"""Helpers for the run lifecycle tests: a hand-driven launcher backend, a settable clock, a service stack.

The launcher here stands in for the compute backend only (it implements the Launcher plug-in contract): the
run service, the database and the rules under test are the real ones. The test decides when a run reaches
RUNNING or ends, so queuing, dispatch and retries are checked exactly, without timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from glueworks.platform.db import Database
from glueworks.platform.launchers import Launcher, LaunchListener, LaunchRequest, RunOutcome
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services import JobService, JobSpec, LifecyclePolicy, RunService


class ManualLauncher(Launcher):
    """A backend the test drives: submitted runs wait until the test reports them running or ended."""

    def __init__(self, cluster_cpus: int | None = 2) -> None:
        self.cluster_cpus = cluster_cpus
        self.submitted: list[LaunchRequest] = []
        self.active: dict[str, LaunchRequest] = {}
        self.refuse = False
        self._listener: LaunchListener | None = None

    def start(self, listener: LaunchListener) -> None:
        self._listener = listener

    def submit(self, request: LaunchRequest) -> None:
        if self.refuse:
            raise RuntimeError("backend unavailable")
        self.submitted.append(request)
        self.active[request.run_id] = request

    def stop(self, run_id: str) -> bool:
        if run_id not in self.active:
            return False
        self.finish(run_id, RunOutcome("STOPPED"))
        return True

    def active_runs(self) -> set[str]:
        return set(self.active)

    def close(self) -> None:
        self.active.clear()

    def run(self, run_id: str) -> None:
        assert self._listener is not None
        request = self.active[run_id]
        self._listener.on_running(request.tenant_id, run_id, datetime.now(UTC).timestamp())

    def finish(self, run_id: str, outcome: RunOutcome) -> None:
        assert self._listener is not None
        request = self.active.pop(run_id)
        self._listener.on_finished(request.tenant_id, run_id, outcome)

    def forget_all(self) -> None:
        """The backend lost every run (Ray died), without reporting anything."""
        self.active.clear()


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Stack:
    db: Database
    launcher: ManualLauncher
    clock: Clock
    jobs: JobService
    runs: RunService
    script: str
    draws: list[float]

    def job(self, name: str, **spec: Any) -> str:
        self.jobs.create("default", name, JobSpec(script_location=self.script, **spec))
        return name


@contextmanager
def service_stack(
    folder: Path, database_url: str | None = None, *, cluster_cpus: int | None = 2, **policy: Any
) -> Iterator[Stack]:
    """A real run service on a real database (a SQLite file unless a URL is given) and a ManualLauncher."""
    url = database_url or f"sqlite:///{folder / 'runs.db'}"
    db = Database.connect(url)
    clock = Clock()
    launcher = ManualLauncher(cluster_cpus)
    script = folder / "job.py"
    script.write_text("print('hello')\n")
    scripts = ScriptStore(str(folder / "storage"), [folder])
    ids = count(1)
    draws: list[float] = []

    def draw() -> float:
        value = 0.5
        draws.append(value)
        return value

    runs = RunService(
        db,
        launcher,
        scripts,
        str(folder / "storage"),
        clock=clock,
        new_run_id=lambda: f"jr_{next(ids):064x}",
        cluster_cpus=lambda: launcher.cluster_cpus,
        policy=LifecyclePolicy(**{"retry_base_delay": 10.0, "retry_max_delay": 60.0, **policy}),
        random=draw,
    )
    launcher.start(runs)
    try:
        yield Stack(db, launcher, clock, JobService(db, scripts, clock), runs, f"file://{script}", draws)
    finally:
        db.dispose()


@contextmanager
def live_platform(root: Path, database_url: str | None = None, **scheduler: Any) -> Iterator[tuple[str, Any]]:
    """A real platform (API on loopback, the Ray launcher) with given scheduler settings; needs ``ray_cluster``."""
    from glueworks.platform.embedded import embedded_platform
    from glueworks.platform.settings import Settings

    settings = Settings(
        data_dir=root,
        port=0,
        database={"url": database_url},  # type: ignore[arg-type]
        storage={"allowed_file_roots": [str(root)]},  # type: ignore[arg-type]
        ray={"warm_drivers": 1},  # type: ignore[arg-type]
        scheduler={"reconcile_interval": 0.2, **scheduler},  # type: ignore[arg-type]
    )
    with embedded_platform(settings) as (url, platform):
        yield url, platform
