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
from glueworks.platform.scheduling.scheduler import Scheduler
from glueworks.platform.scheduling.wiring import build_orchestration
from glueworks.platform.scripts import ScriptStore
from glueworks.platform.services import JobService, LifecyclePolicy, RunService
from glueworks.platform.services.bookmarks import BookmarkService
from glueworks.platform.services.catalog import CatalogService
from glueworks.platform.services.classifiers import ClassifierService
from glueworks.platform.services.crawl_execution import CrawlExecution, EngineOptions, default_engine
from glueworks.platform.services.crawl_runner import CrawlRunner
from glueworks.platform.services.crawlers import CrawlerService
from glueworks.platform.services.events import CRAWLER_STATE_CHANGE, DeliveryPolicy, EventService
from glueworks.platform.services.outputs import OutputService
from glueworks.platform.services.query import QueryService
from glueworks.platform.services.run_tokens import CatalogAccess, RunTokens
from glueworks.platform.services.triggers import TriggerService
from glueworks.platform.services.workflows import WorkflowService
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
    crawlers: CrawlerService
    classifiers: ClassifierService
    outputs: OutputService
    bookmarks: BookmarkService
    events: EventService
    query: QueryService
    run_tokens: RunTokens
    # The URL job drivers reach this API at (settings.api_url, else set by whoever serves the API).
    api_url: str | None = None
    # Triggers, workflows and their scheduler: set by build_platform (scheduling/wiring.py).
    triggers: TriggerService = field(init=False)
    workflows: WorkflowService = field(init=False)
    scheduler: Scheduler = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _reconciler: threading.Thread | None = None

    def start(self) -> None:
        self.launcher.start(self.runs)
        # Runs left started by an earlier process are ended (and retried if they may be) and waiting runs are
        # dispatched, before new work arrives.
        self.runs.reconcile(startup=True)
        self.crawlers.recover()  # crawls left RUNNING by an earlier process end as FAILED
        # Outputs an earlier process committed but did not publish are published now (roll forward).
        self.outputs.start(self.settings.notifications.output_sweep_interval)
        self.events.start()
        self._reconciler = threading.Thread(target=self._reconcile_loop, name="glueworks-reconciler", daemon=True)
        self._reconciler.start()
        if self.settings.scheduler.enabled:
            self.scheduler.start()

    def close(self) -> None:
        self._stop.set()
        self.scheduler.stop()
        if self._reconciler is not None:
            self._reconciler.join(timeout=5)
        self.launcher.close()
        self.crawlers.close()  # cancels crawls; they record their end before the database goes
        self.events.close()
        self.outputs.close()
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

    classifiers = ClassifierService(db, clock)
    crawlers = build_crawlers(settings, db, clock, classifiers)
    outputs, bookmarks, events = build_commit_services(settings, db, clock, root.removeprefix("file://"))
    catalog = CatalogService(db, clock)
    token_secret = settings.auth.run_token_secret
    platform = Platform(
        settings=settings,
        db=db,
        launcher=launcher,
        scripts=scripts,
        jobs=JobService(db, scripts, clock),
        runs=RunService(
            db, launcher, scripts, root.removeprefix("file://"), clock=clock, new_run_id=run_ids,
            cluster_cpus=cluster_cpus,
            storage_options=storage_options,
            policy=LifecyclePolicy(
                retry_base_delay=settings.scheduler.retry_base_delay,
                retry_max_delay=settings.scheduler.retry_max_delay,
                cpu_overcommit=settings.scheduler.cpu_overcommit,
                timeout_minute_seconds=settings.scheduler.timeout_minute_seconds,
            ),
        ),
        catalog=catalog,
        crawlers=crawlers,
        classifiers=classifiers,
        outputs=outputs,
        bookmarks=bookmarks,
        events=events,
        query=QueryService(catalog, settings.query, storage_options, settings.file_roots()),
        run_tokens=RunTokens(db, None if token_secret is None else token_secret.get_secret_value().encode()),
        api_url=settings.api_url or (f"http://{_local_host(settings.host)}:{settings.port}" if settings.port else None),
    )
    # Bookmarks first: a stale bookmark fails the run, and then no output is committed; events see the end state.
    platform.runs.terminal_hooks += [bookmarks.on_terminal, outputs.on_terminal]
    platform.runs.state_hooks.append(events.on_run_state)
    platform.runs.settle_hooks.append(outputs.settle)
    events.before_delivery = outputs.publish_pending  # a webhook told SUCCEEDED finds the output in place
    platform.crawlers.execution.state_hooks.append(
        lambda session, tenant, detail: events.emit(session, tenant, CRAWLER_STATE_CHANGE, detail)
    )
    platform.runs.launch_bookmark = bookmarks.launch_spec
    # Job drivers reach the catalog through the API, with a run-scoped token when the API asks for keys.
    platform.runs.catalog_access = CatalogAccess(
        lambda: platform.api_url, platform.run_tokens, needs_token=bool(settings.auth.api_keys)
    )
    platform.triggers, platform.workflows, platform.scheduler = build_orchestration(
        settings, db, platform.runs, lambda: platform.crawlers, clock
    )
    return platform


def build_commit_services(
    settings: Settings, db: Database, clock: Callable[[], datetime], storage_root: str
) -> tuple[OutputService, BookmarkService, EventService]:
    """The output commit, bookmark and event services (no threads start here)."""
    notes = settings.notifications
    policy = DeliveryPolicy(
        webhooks={tenant: tuple(urls) for tenant, urls in notes.webhooks.items()},
        timeout=notes.timeout,
        max_attempts=notes.max_attempts,
        backoff_base=notes.backoff_base,
        backoff_cap=notes.backoff_cap,
        poll_interval=notes.poll_interval,
    )
    outputs = OutputService(db, storage_root, clock=clock, storage_options=settings.storage.fsspec_options())
    return outputs, BookmarkService(db, clock), EventService(db, clock, policy)


def build_crawlers(
    settings: Settings, db: Database, clock: Callable[[], datetime], classifiers: ClassifierService
) -> CrawlerService:
    """The crawler service with its runner (threads start on the first crawl) and the crawl engine."""
    options = EngineOptions(
        file_roots=tuple(settings.file_roots()),
        storage_options=settings.storage.fsspec_options(),
        executor=settings.crawlers.executor,
        max_parallelism=settings.crawlers.max_parallelism,
    )
    return CrawlerService(
        db,
        clock,
        classifiers,
        CrawlRunner(settings.crawlers.max_concurrent_crawls),
        CrawlExecution(db, clock, classifiers, default_engine, options),
        file_roots=settings.file_roots(),
    )


def _local_host(host: str) -> str:
    """The address a job on this machine reaches a server bound to `host` at (a wildcard means loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
