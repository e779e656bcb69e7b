"""One crawl, from RUNNING to its end: read the crawler, run the crawl engine, write the catalog, record it.

Runs on a crawl runner thread. The crawl engine works without a database session open; its result is then
written in ONE transaction together with the crawl's history row and the crawler's state, so a crawl's tables,
partitions and record appear all at once or not at all. A crawl ends in one of three ways:

- COMPLETED (LastCrawl SUCCEEDED): files the engine could not read are listed with their paths in the summary.
- STOPPED (CANCELLED): StopCrawler set the cancel event or the crawler's state to STOPPING; nothing is written.
- FAILED: the crawler's database does not exist (as in Glue), a classifier or target is no longer valid,
  the engine raised, or the table threshold was passed. The error message says which.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from glueworks.platform.crawlers.model import ClassifierSpec, CrawlConfig, CrawlResult, CrawlTarget
from glueworks.platform.db import Database
from glueworks.platform.db.crawler_models import CrawlerRow, CrawlRow
from glueworks.platform.errors import GlueworksError
from glueworks.platform.locations import parse_location
from glueworks.platform.services.catalog._common import find_database
from glueworks.platform.services.classifiers import ClassifierService
from glueworks.platform.services.crawl_catalog import apply_crawl
from glueworks.platform.services.crawl_runner import CrawlCancelled
from glueworks.platform.services.crawler_input import parse_configuration

__all__ = ["CrawlEngine", "CrawlExecution", "CrawlStateHook", "EngineOptions", "crawl_event", "default_engine"]

log = logging.getLogger(__name__)

_MAX_LISTED_ERRORS = 1000
_EVENT_STATES = {"RUNNING": "Started", "COMPLETED": "Succeeded", "FAILED": "Failed"}

CrawlStateHook = Callable[[Session, str, dict[str, Any]], object]
"""Called as ``hook(session, tenant_id, detail)`` inside the transaction where a crawl starts, succeeds or fails;
``detail`` is the ``Glue Crawler State Change`` event detail (see :func:`crawl_event`)."""


def crawl_event(crawl: CrawlRow, now: datetime) -> dict[str, Any] | None:
    """The detail of Glue's ``Glue Crawler State Change`` event for a crawl's state (None for STOPPED: Glue
    sends no event for a cancelled crawl). Counts are strings, as in Glue's events."""
    state = _EVENT_STATES.get(crawl.state)
    if state is None:
        return None
    detail: dict[str, Any] = {
        "crawlerName": crawl.crawler_name,
        "crawlId": crawl.id,
        "state": state,
        "message": crawl.error_message or f"Crawler {state}",
    }
    if crawl.state != "RUNNING":
        partitions = (crawl.summary or {}).get("PARTITION") or {}
        detail.update(
            {
                "tablesCreated": str(crawl.tables_created),
                "tablesUpdated": str(crawl.tables_updated),
                "tablesDeleted": str(crawl.tables_deleted),
                "partitionsCreated": str((partitions.get("ADD") or {}).get("Count", 0)),
                "partitionsUpdated": str((partitions.get("UPDATE") or {}).get("Count", 0)),
                "partitionsDeleted": str((partitions.get("DELETE") or {}).get("Count", 0)),
                "runningTime (sec)": str(round(crawl.runtime_seconds or 0.0)),
                "completionDate": now.isoformat(),
            }
        )
    return detail


class CrawlEngine(Protocol):
    """The crawl engine's entry point (``glueworks.platform.crawlers.crawl``)."""

    def __call__(
        self,
        targets: Sequence[CrawlTarget],
        config: CrawlConfig,
        classifiers: Sequence[ClassifierSpec] = (),
        *,
        progress: Callable[[int], None] | None = None,
    ) -> CrawlResult: ...


def default_engine(
    targets: Sequence[CrawlTarget],
    config: CrawlConfig,
    classifiers: Sequence[ClassifierSpec] = (),
    *,
    progress: Callable[[int], None] | None = None,
) -> CrawlResult:
    """The crawl engine of ``glueworks.platform.crawlers``, imported on the first crawl (not at start-up)."""
    from glueworks.platform.crawlers import crawl

    return crawl(targets, config, classifiers, progress=progress)


class CrawlFailed(Exception):
    """A crawl cannot go on; the message is what LastCrawl.ErrorMessage says."""


@dataclass(frozen=True)
class EngineOptions:
    """How crawls reach storage and how parallel they are."""

    file_roots: tuple[Path, ...] = ()
    storage_options: Mapping[str, Mapping[str, Any]] | None = None
    executor: str = "local"
    max_parallelism: int = 2


@dataclass(frozen=True)
class _Plan:
    database: str
    targets: list[CrawlTarget]
    config: CrawlConfig
    classifiers: list[ClassifierSpec]
    policy: dict[str, str]
    full_crawl: bool
    definition: dict[str, Any]


class CrawlExecution:
    """Runs crawls of any crawler; one instance serves the whole platform.

    Args:
        db: the platform's database.
        clock: the current time (UTC).
        classifiers: resolves a crawler's classifier names.
        engine: the crawl engine.
        options: storage and parallelism settings.
    """

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        classifiers: ClassifierService,
        engine: CrawlEngine,
        options: EngineOptions,
    ) -> None:
        self._db = db
        self._clock = clock
        self._classifiers = classifiers
        self.engine = engine
        self._options = options
        self.state_hooks: list[CrawlStateHook] = []

    def notify(self, session: Session, tenant_id: str, crawl: CrawlRow) -> None:
        """Call the state hooks for the crawl's current state, in the caller's transaction."""
        detail = crawl_event(crawl, self._clock())
        if detail is not None:
            for hook in self.state_hooks:
                hook(session, tenant_id, detail)

    def run(self, tenant_id: str, crawler: str, crawl_id: str, cancel: threading.Event) -> None:
        """Run one crawl to its end and record how it ended. Never raises."""
        started = time.monotonic()
        try:
            plan = self._plan(tenant_id, crawler)

            def progress(_done: int) -> None:
                if cancel.is_set():
                    raise CrawlCancelled()

            progress(0)
            result = self.engine(plan.targets, plan.config, plan.classifiers, progress=progress)
            if cancel.is_set():
                raise CrawlCancelled()
            threshold = parse_configuration(plan.definition.get("Configuration")).table_threshold
            if threshold is not None and len(result.tables) > threshold:
                raise CrawlFailed(
                    f"the crawl found {len(result.tables)} tables, more than TableThreshold {threshold}; "
                    "nothing was written"
                )
            self._commit(tenant_id, crawler, crawl_id, plan, result, time.monotonic() - started)
        except CrawlCancelled:
            self._end(tenant_id, crawler, crawl_id, "STOPPED", None, time.monotonic() - started)
        except (CrawlFailed, GlueworksError, ValueError, OSError) as exc:
            message = exc.message if isinstance(exc, GlueworksError) else str(exc) or type(exc).__name__
            self._end(tenant_id, crawler, crawl_id, "FAILED", message, time.monotonic() - started)
        except Exception as exc:  # a bug: the crawl still ends, FAILED, and the details go to the log
            log.exception("crawl %s of crawler %s failed", crawl_id, crawler)
            message = f"internal error ({type(exc).__name__}); the server log has the details under crawl {crawl_id}"
            self._end(tenant_id, crawler, crawl_id, "FAILED", message, time.monotonic() - started)

    def run_refused(self, tenant_id: str, crawler: str, crawl_id: str) -> None:
        """End a crawl the runner would not take (the platform is closing) as FAILED."""
        self._end(tenant_id, crawler, crawl_id, "FAILED", "the platform was shutting down", 0.0)

    # -- steps ----------------------------------------------------------------------------------------------

    def _plan(self, tenant_id: str, crawler: str) -> _Plan:
        with self._db.transaction() as session:
            row = _crawler(session, tenant_id, crawler)
            definition = dict(row.definition)
            database = (definition.get("DatabaseName") or "").lower()
            if not database:
                raise CrawlFailed("the crawler has no DatabaseName to write tables to")
            if find_database(session, tenant_id, database) is None:
                raise CrawlFailed(f"Database {database} not found.")
            try:
                specs = self._classifiers.specs_in(session, tenant_id, definition.get("Classifiers") or [])
            except GlueworksError as exc:
                raise CrawlFailed(f"Classifiers: {exc.message}") from None
            known = frozenset(str(folder) for folder in (row.known_folders or {}).get("folders", []))
        targets = []
        for index, target in enumerate((definition.get("Targets") or {}).get("S3Targets") or []):
            location = parse_location(
                target["Path"], field=f"Targets.S3Targets[{index}].Path", file_roots=list(self._options.file_roots)
            )
            targets.append(
                CrawlTarget(
                    path=location.path if location.scheme == "file" else location.url,
                    exclusions=tuple(target.get("Exclusions") or ()),
                    sample_size=target.get("SampleSize"),
                )
            )
        configuration = parse_configuration(definition.get("Configuration"))
        full_crawl = (definition.get("RecrawlPolicy") or {}).get("RecrawlBehavior") != "CRAWL_NEW_FOLDERS_ONLY"
        config = CrawlConfig(
            table_prefix=(definition.get("TablePrefix") or "").lower(),
            combine_compatible_schemas=configuration.combine_compatible_schemas,
            table_level=configuration.table_level,
            known_folders=frozenset() if full_crawl else known,
            storage_options=dict(self._options.storage_options or {}),
            executor=self._options.executor,
            max_parallelism=self._options.max_parallelism,
        )
        policy = dict(definition.get("SchemaChangePolicy") or {})
        return _Plan(database, targets, config, specs, policy, full_crawl, definition)

    def _commit(
        self, tenant_id: str, crawler: str, crawl_id: str, plan: _Plan, result: CrawlResult, seconds: float
    ) -> None:
        now = self._clock()
        with self._db.transaction() as session:
            row = _crawler(session, tenant_id, crawler, lock=True)
            crawl = _crawl(session, tenant_id, crawl_id)
            if row.state == "STOPPING" or row.current_crawl_id != crawl_id:
                raise CrawlCancelled()
            if find_database(session, tenant_id, plan.database) is None:  # dropped while the crawl ran
                raise CrawlFailed(f"Database {plan.database} not found.")
            changes = apply_crawl(
                session,
                result.tables,
                tenant_id=tenant_id,
                database=plan.database,
                crawler=crawler,
                policy=plan.policy,
                configuration=parse_configuration(plan.definition.get("Configuration")),
                full_crawl=plan.full_crawl,
                now=now,
            )
            summary = changes.summary()
            summary["FILES_SCANNED"] = result.files_scanned
            summary["FOLDERS_SCANNED"] = result.folders_scanned
            if result.errors:
                summary["FILE_ERRORS"] = {
                    "Count": len(result.errors),
                    "Files": [{"Path": e.path, "Reason": e.reason} for e in result.errors[:_MAX_LISTED_ERRORS]],
                }
            crawl.summary = summary
            crawl.tables_created = len(changes.tables_created)
            crawl.tables_updated = len(changes.tables_updated)
            crawl.tables_deleted = len(changes.tables_deleted) + len(changes.tables_deprecated)
            folders = set((row.known_folders or {}).get("folders", [])) | changes.known_folders
            row.known_folders = {"folders": sorted(folders)}
            self._finish(row, crawl, "COMPLETED", None, seconds, now)
            self.notify(session, tenant_id, crawl)

    def _end(
        self, tenant_id: str, crawler: str, crawl_id: str, state: str, message: str | None, seconds: float
    ) -> None:
        try:
            with self._db.transaction() as session:
                row = session.scalars(
                    select(CrawlerRow)
                    .where(CrawlerRow.tenant_id == tenant_id, CrawlerRow.name == crawler)
                    .with_for_update()
                ).first()
                crawl = session.get(CrawlRow, crawl_id)
                if crawl is None or crawl.tenant_id != tenant_id:
                    return
                self._finish(row, crawl, state, message, seconds, self._clock())
                self.notify(session, tenant_id, crawl)
        except Exception:  # the database is gone (platform closing): recover() ends the crawl at next start
            log.exception("could not record the end of crawl %s", crawl_id)

    @staticmethod
    def _finish(
        row: CrawlerRow | None, crawl: CrawlRow, state: str, message: str | None, seconds: float, now: datetime
    ) -> None:
        crawl.state = state
        crawl.error_message = message
        crawl.end_time = now
        crawl.runtime_seconds = round(seconds, 3)
        if row is not None and row.current_crawl_id == crawl.id:
            row.state = "READY"
            row.current_crawl_id = None


def _crawler(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> CrawlerRow:
    query = select(CrawlerRow).where(CrawlerRow.tenant_id == tenant_id, CrawlerRow.name == name)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise CrawlFailed(f"Crawler {name} was deleted while it ran.")
    return row


def _crawl(session: Session, tenant_id: str, crawl_id: str) -> CrawlRow:
    row = session.get(CrawlRow, crawl_id)
    if row is None or row.tenant_id != tenant_id:
        raise CrawlFailed(f"crawl {crawl_id} is not recorded")
    return row


def median_runtime(runtimes: Sequence[float]) -> float:
    """The median of finished crawls' runtimes (0 when there are none)."""
    return float(statistics.median(runtimes)) if runtimes else 0.0
