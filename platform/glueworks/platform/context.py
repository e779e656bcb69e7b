"""The platform's object graph, built once from settings: database, services, launcher, reconciler."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from glueworks.platform.db import Database
from glueworks.platform.launchers import Launcher, RayDriverPoolLauncher
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services import JobService, RunService
from glueworks.platform.services.catalog import CatalogService
from glueworks.platform.settings import Settings

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    """Glue's run id shape: ``jr_`` and 64 hex digits."""
    return "jr_" + secrets.token_hex(32)


@dataclass
class Platform:
    """Everything a request handler may need. Built by :func:`build_platform`, started by the app's lifespan."""

    settings: Settings
    db: Database
    launcher: Launcher
    scripts: ScriptStore
    jobs: JobService
    runs: RunService
    catalog: CatalogService
    _stop: threading.Event = field(default_factory=threading.Event)
    _reconciler: threading.Thread | None = None

    def start(self) -> None:
        self.launcher.start(self.runs)
        self.runs.reconcile()  # runs left active by an earlier process are ended before new work arrives
        self._reconciler = threading.Thread(target=self._reconcile_loop, name="glueworks-reconciler", daemon=True)
        self._reconciler.start()

    def close(self) -> None:
        self._stop.set()
        if self._reconciler is not None:
            self._reconciler.join(timeout=5)
        self.launcher.close()
        self.db.dispose()

    def _reconcile_loop(self) -> None:
        while not self._stop.wait(self.settings.scheduler.reconcile_interval):
            try:
                ended = self.runs.reconcile()
                if ended:
                    log.warning("reconciler ended %d lost runs", ended)
            except Exception:  # keep reconciling; one bad pass must not stop the loop
                log.exception("reconciler pass failed")


def build_platform(
    settings: Settings,
    *,
    launcher: Launcher | None = None,
    clock: Callable[[], datetime] = utc_now,
    run_ids: Callable[[], str] = new_run_id,
) -> Platform:
    root = settings.storage_root
    if "://" in root and not root.startswith("file://"):
        raise ValueError("storage.root must be a local folder in this version (object-store roots come later)")
    Path(root.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    db = Database.connect(settings.database_url, echo=settings.database.echo)
    if launcher is None:
        launcher = RayDriverPoolLauncher(
            address=settings.ray.address,
            warm_drivers=settings.ray.warm_drivers,
            num_cpus=settings.ray.num_cpus,
            object_store_memory=settings.ray.object_store_memory,
        )
    storage_options = settings.storage.fsspec_options()
    scripts = ScriptStore(root.removeprefix("file://"), settings.file_roots(), storage_options)
    pool = launcher

    def cluster_cpus() -> int | None:
        return getattr(pool, "cluster_cpus", None)

    return Platform(
        settings=settings,
        db=db,
        launcher=launcher,
        scripts=scripts,
        jobs=JobService(db, scripts, clock),
        runs=RunService(
            db, launcher, scripts, root.removeprefix("file://"), clock=clock, new_run_id=run_ids,
            cluster_cpus=cluster_cpus,
            storage_options=storage_options,
        ),
        catalog=CatalogService(db, clock),
    )
