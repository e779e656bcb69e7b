"""Crawlers: their definitions, crawls, metrics and schedules (Glue's crawler API, one service for both doors).

A crawler is READY, RUNNING or STOPPING. StartCrawler turns READY into RUNNING, records a crawl and hands it
to the crawl runner (the request returns at once); StopCrawler turns RUNNING into STOPPING and cancels the crawl;
the crawl's end turns the crawler READY again (see ``crawl_execution.py``). A crawler that is not READY cannot
be started, updated or deleted (CrawlerRunningException). Schedules are Glue cron expressions, checked by the
scheduler's parser; the scheduler calls :meth:`CrawlerService.start` when one is due (:meth:`scheduled` lists
them). When the platform starts, crawls left RUNNING by an earlier process are ended as FAILED.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database
from glueworks.platform.db.crawler_models import CrawlerRow, CrawlRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, GlueworksError, InvalidInputError
from glueworks.platform.services.classifiers import ClassifierService
from glueworks.platform.services.crawl_execution import CrawlExecution, median_runtime
from glueworks.platform.services.crawl_runner import CrawlRunner
from glueworks.platform.services.crawler_errors import (
    CrawlerNotRunningError,
    CrawlerRunningError,
    CrawlerStoppingError,
    NoScheduleError,
    SchedulerNotRunningError,
    SchedulerRunningError,
)
from glueworks.platform.services.crawler_input import DEFINITION_MEMBERS, check_definition, check_schedule
from glueworks.platform.services.paging import decode_token, encode_token, page_size
from glueworks.platform.services.validation import check_name

__all__ = ["CrawlerService", "ScheduledCrawler", "new_crawl_id"]

LOG_GROUP = "/aws-glue/crawlers"
_LAST_STATUS = {"COMPLETED": "SUCCEEDED", "STOPPED": "CANCELLED", "FAILED": "FAILED"}
_HISTORY_STATES = ("RUNNING", "COMPLETED", "FAILED", "STOPPED")


def new_crawl_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class ScheduledCrawler:
    """A crawler whose schedule is SCHEDULED, for the scheduler."""

    tenant_id: str
    name: str
    schedule_expression: str


class CrawlerService:
    """Crawlers of every tenant; each method takes the tenant and filters by it.

    Args:
        db: the platform's database.
        clock: the current time (UTC).
        classifiers: checks that named classifiers exist.
        runner: runs crawls off the request thread.
        execution: runs one crawl (the crawl engine and the catalog writes).
        file_roots: local folders a crawl target may name.
        crawl_ids: makes crawl ids (a seam for tests).
    """

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        classifiers: ClassifierService,
        runner: CrawlRunner,
        execution: CrawlExecution,
        *,
        file_roots: Sequence[Path],
        crawl_ids: Callable[[], str] = new_crawl_id,
    ) -> None:
        self._db = db
        self._clock = clock
        self._classifiers = classifiers
        self.runner = runner
        self.execution = execution
        self._file_roots = list(file_roots)
        self._crawl_ids = crawl_ids

    # -- lifecycle of the platform ----------------------------------------------------------------------------

    def recover(self) -> int:
        """End crawls an earlier process left RUNNING (as FAILED) and make their crawlers READY; return how many."""
        active = self.runner.active()
        now = self._clock()
        with self._db.transaction() as session:
            running = session.scalars(select(CrawlRow).where(CrawlRow.state == "RUNNING"))
            crawls = [crawl for crawl in running if crawl.id not in active]
            for crawl in crawls:
                crawl.state = "FAILED"
                crawl.error_message = "the platform stopped while this crawl ran"
                crawl.end_time = now
            ended = {(c.tenant_id, c.id) for c in crawls}
            for row in session.scalars(select(CrawlerRow).where(CrawlerRow.state != "READY")):
                if row.current_crawl_id is None or (row.tenant_id, row.current_crawl_id) in ended:
                    row.state = "READY"
                    row.current_crawl_id = None
        return len(crawls)

    def close(self) -> None:
        """Cancel running crawls and wait for them to record their end."""
        self.runner.close()

    # -- definitions --------------------------------------------------------------------------------------------

    def create(self, tenant_id: str, params: Mapping[str, Any]) -> None:
        name = check_name(params.get("Name"), field="Name")
        definition = check_definition(params, file_roots=self._file_roots)
        schedule = params.get("Schedule")
        if schedule:
            schedule = check_schedule(schedule)
        now = self._clock()
        try:
            with self._db.transaction() as session:
                self._check_classifiers(session, tenant_id, definition)
                if self._find(session, tenant_id, name) is not None:
                    raise AlreadyExistsError(f"Crawler with name {name} has already been created.")
                session.add(
                    CrawlerRow(
                        tenant_id=tenant_id,
                        name=name,
                        definition=definition,
                        state="READY",
                        schedule_expression=schedule or None,
                        schedule_state="SCHEDULED" if schedule else "NOT_SCHEDULED",
                        version=1,
                        tags=dict(params.get("Tags") or {}),
                        known_folders={"folders": []},
                        current_crawl_id=None,
                        creation_time=now,
                        last_updated=now,
                    )
                )
        except IntegrityError:  # a concurrent create of the same name won the race
            raise AlreadyExistsError(f"Crawler with name {name} has already been created.") from None

    def get(self, tenant_id: str, name: str) -> dict[str, Any]:
        with self._db.transaction() as session:
            return self._shape(session, self._get(session, tenant_id, name))

    def page(
        self, tenant_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """GetCrawlers: crawlers ordered by name, at most 1000 a page."""
        with self._db.transaction() as session:
            rows, token = self._rows(session, tenant_id, max_results, next_token)
            return [self._shape(session, row) for row in rows], token

    def batch_get(self, tenant_id: str, names: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """BatchGetCrawlers: the crawlers found, and the names not found, in the order asked."""
        found: list[dict[str, Any]] = []
        missing: list[str] = []
        with self._db.transaction() as session:
            for name in names:
                row = self._find(session, tenant_id, name)
                if row is None:
                    missing.append(name)
                else:
                    found.append(self._shape(session, row))
        return found, missing

    def names(
        self,
        tenant_id: str,
        tags: Mapping[str, str] | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[str], str | None]:
        """ListCrawlers: crawler names, only those carrying every tag of ``tags`` (key and value) when given."""
        size = page_size(max_results, default=100, maximum=1000)
        cursor = decode_token(next_token)
        query = select(CrawlerRow).where(CrawlerRow.tenant_id == tenant_id).order_by(CrawlerRow.name)
        if cursor is not None:
            query = query.where(CrawlerRow.name > str(cursor.get("after", "")))
        wanted = dict(tags or {})
        with self._db.transaction() as session:
            names = [
                row.name
                for row in session.scalars(query)
                if all(row.tags.get(key) == value for key, value in wanted.items())
            ]
        token = encode_token({"after": names[size - 1]}) if len(names) > size else None
        return names[:size], token

    def update(self, tenant_id: str, params: Mapping[str, Any]) -> None:
        """UpdateCrawler: the members given replace the stored ones; the others are kept."""
        name = check_name(params.get("Name"), field="Name")
        schedule = params.get("Schedule")
        if schedule:
            schedule = check_schedule(schedule)
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.state != "READY":
                raise CrawlerRunningError(f"Crawler with name {name} is {row.state} and cannot be updated.")
            changes = {key: params[key] for key in DEFINITION_MEMBERS if key in params}
            definition = check_definition({**row.definition, **changes}, file_roots=self._file_roots)
            self._check_classifiers(session, tenant_id, definition)
            if definition.get("Targets") != row.definition.get("Targets"):
                row.known_folders = {"folders": []}  # new targets: every folder is new to this crawler
            row.definition = definition
            if schedule:
                row.schedule_expression = schedule
                row.schedule_state = "SCHEDULED"
            row.version += 1
            row.last_updated = self._clock()

    def delete(self, tenant_id: str, name: str) -> None:
        """DeleteCrawler, with its crawl history. The tables it wrote stay in the catalog, as in Glue."""
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.state != "READY":
                raise CrawlerRunningError(f"Crawler with name {name} is {row.state} and cannot be deleted.")
            session.execute(delete(CrawlRow).where(CrawlRow.tenant_id == tenant_id, CrawlRow.crawler_name == name))
            session.delete(row)

    # -- crawls ---------------------------------------------------------------------------------------------------

    def start(self, tenant_id: str, name: str) -> str:
        """StartCrawler: record a crawl and run it in the background; return its crawl id.

        Raises:
            EntityNotFoundError: there is no such crawler.
            CrawlerRunningError: the crawler is RUNNING or STOPPING.
        """
        crawl_id = self._crawl_ids()
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.state != "READY":
                raise CrawlerRunningError(f"Crawler with name {name} has already started")
            row.state = "RUNNING"
            row.current_crawl_id = crawl_id
            crawl = CrawlRow(
                id=crawl_id,
                tenant_id=tenant_id,
                crawler_name=name,
                state="RUNNING",
                start_time=self._clock(),
                summary={},
                tables_created=0,
                tables_updated=0,
                tables_deleted=0,
            )
            session.add(crawl)
            self.execution.notify(session, tenant_id, crawl)
        try:
            self.runner.submit(crawl_id, lambda cancel: self.execution.run(tenant_id, name, crawl_id, cancel))
        except RuntimeError:  # the platform is closing: end the crawl at once rather than leave it RUNNING
            self.execution.run_refused(tenant_id, name, crawl_id)
            raise GlueworksError("the platform is shutting down; start the crawler again later") from None
        return crawl_id

    def stop(self, tenant_id: str, name: str) -> None:
        """StopCrawler: RUNNING becomes STOPPING and the crawl is cancelled; it ends as CANCELLED.

        Raises:
            CrawlerNotRunningError: the crawler is READY.
            CrawlerStoppingError: the crawler is already STOPPING.
        """
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.state == "READY":
                raise CrawlerNotRunningError(f"Crawler with name {name} is not running")
            if row.state == "STOPPING":
                raise CrawlerStoppingError(f"Crawler with name {name} is already stopping")
            row.state = "STOPPING"
            crawl_id = row.current_crawl_id
        if crawl_id is not None:
            self.runner.cancel(crawl_id)

    def metrics(
        self, tenant_id: str, names: Sequence[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """GetCrawlerMetrics: of the named crawlers (names not found are left out), or of every crawler."""
        with self._db.transaction() as session:
            if names:
                rows = [row for row in (self._find(session, tenant_id, n) for n in names) if row is not None]
                token = None
            else:
                rows, token = self._rows(session, tenant_id, max_results, next_token)
            return [self._metrics(session, row) for row in rows], token

    def crawls(
        self,
        tenant_id: str,
        name: str,
        filters: Sequence[Mapping[str, str]] | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """ListCrawls: the crawler's crawls, newest first, passing every filter."""
        size = page_size(max_results, default=20, maximum=1000)
        cursor = decode_token(next_token)
        offset = int(cursor.get("offset", 0)) if cursor else 0
        tests = [_crawl_filter(item, index) for index, item in enumerate(filters or [])]
        with self._db.transaction() as session:
            self._get(session, tenant_id, name)
            rows = [row for row in self._history(session, tenant_id, name) if all(test(row) for test in tests)]
        page = rows[offset : offset + size]
        token = encode_token({"offset": offset + size}) if len(rows) > offset + size else None
        return [_history_shape(row) for row in page], token

    # -- schedules -------------------------------------------------------------------------------------------

    def start_schedule(self, tenant_id: str, name: str) -> None:
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if not row.schedule_expression:
                raise NoScheduleError(f"Crawler with name {name} has no schedule to start")
            if row.schedule_state == "SCHEDULED":
                raise SchedulerRunningError(f"The schedule of crawler {name} is already running")
            row.schedule_state = "SCHEDULED"

    def stop_schedule(self, tenant_id: str, name: str) -> None:
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.schedule_state != "SCHEDULED":
                raise SchedulerNotRunningError(f"The schedule of crawler {name} is not running")
            row.schedule_state = "NOT_SCHEDULED"

    def update_schedule(self, tenant_id: str, name: str, expression: str | None) -> None:
        """UpdateCrawlerSchedule: a new cron expression (its state is kept); none removes the schedule."""
        checked = check_schedule(expression) if expression else None
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            row.schedule_expression = checked
            if checked is None:
                row.schedule_state = "NOT_SCHEDULED"
            row.version += 1
            row.last_updated = self._clock()

    def scheduled(self) -> list[ScheduledCrawler]:
        """Every crawler of every tenant whose schedule is SCHEDULED (for the scheduler's ticks)."""
        with self._db.transaction() as session:
            rows = session.scalars(
                select(CrawlerRow).where(CrawlerRow.schedule_state == "SCHEDULED").order_by(CrawlerRow.id)
            )
            return [
                ScheduledCrawler(row.tenant_id, row.name, row.schedule_expression)
                for row in rows
                if row.schedule_expression
            ]

    # -- helpers ----------------------------------------------------------------------------------------------

    def _check_classifiers(self, session: Session, tenant_id: str, definition: Mapping[str, Any]) -> None:
        for index, classifier in enumerate(definition.get("Classifiers") or []):
            try:
                self._classifiers.specs_in(session, tenant_id, [classifier])
            except EntityNotFoundError:
                raise InvalidInputError(f"no classifier named {classifier!r}", field=f"Classifiers[{index}]") from None

    @staticmethod
    def _find(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> CrawlerRow | None:
        query = select(CrawlerRow).where(CrawlerRow.tenant_id == tenant_id, CrawlerRow.name == name)
        if lock:
            query = query.with_for_update()
        return session.scalars(query).first()

    def _get(self, session: Session, tenant_id: str, name: str, *, lock: bool = False) -> CrawlerRow:
        row = self._find(session, tenant_id, name, lock=lock)
        if row is None:
            raise EntityNotFoundError(f"Crawler entry with name {name} does not exist")
        return row

    @staticmethod
    def _rows(
        session: Session, tenant_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[CrawlerRow], str | None]:
        size = page_size(max_results, default=100, maximum=1000)
        cursor = decode_token(next_token)
        query = select(CrawlerRow).where(CrawlerRow.tenant_id == tenant_id).order_by(CrawlerRow.name)
        if cursor is not None:
            query = query.where(CrawlerRow.name > str(cursor.get("after", "")))
        rows = list(session.scalars(query.limit(size + 1)))
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return rows[:size], token

    @staticmethod
    def _history(session: Session, tenant_id: str, name: str) -> list[CrawlRow]:
        query = (
            select(CrawlRow)
            .where(CrawlRow.tenant_id == tenant_id, CrawlRow.crawler_name == name)
            .order_by(CrawlRow.start_time.desc(), CrawlRow.id)
        )
        return list(session.scalars(query))

    def _shape(self, session: Session, row: CrawlerRow) -> dict[str, Any]:
        """A crawler as Glue's ``Crawler`` shape."""
        history = self._history(session, row.tenant_id, row.name)
        shape: dict[str, Any] = {"Name": row.name, **row.definition, "State": row.state}
        shape["Schedule"] = {
            "ScheduleExpression": row.schedule_expression or "",
            "State": row.schedule_state,
        } if row.schedule_expression else None
        running = next((c for c in history if c.id == row.current_crawl_id), None)
        elapsed = (self._clock() - running.start_time).total_seconds() if running is not None else 0.0
        shape["CrawlElapsedTime"] = max(0, int(elapsed * 1000))
        shape["CreationTime"] = row.creation_time
        shape["LastUpdated"] = row.last_updated
        last = next((c for c in history if c.state in _LAST_STATUS), None)
        if last is not None:
            info: dict[str, Any] = {
                "Status": _LAST_STATUS[last.state],
                "LogGroup": LOG_GROUP,
                "LogStream": row.name,
                "MessagePrefix": last.id,
                "StartTime": last.start_time,
            }
            if last.error_message:
                info["ErrorMessage"] = last.error_message
            shape["LastCrawl"] = info
        shape["Version"] = row.version
        return {key: value for key, value in shape.items() if value is not None}

    def _metrics(self, session: Session, row: CrawlerRow) -> dict[str, Any]:
        history = self._history(session, row.tenant_id, row.name)
        finished = [c for c in history if c.state == "COMPLETED" and c.runtime_seconds is not None]
        runtimes = [float(c.runtime_seconds or 0.0) for c in finished]
        median = median_runtime(runtimes)
        last = finished[0] if finished else None
        time_left = 0.0
        running = next((c for c in history if c.id == row.current_crawl_id), None)
        if running is not None and finished:
            time_left = max(0.0, median - (self._clock() - running.start_time).total_seconds())
        return {
            "CrawlerName": row.name,
            "TimeLeftSeconds": time_left,
            "StillEstimating": running is not None and not finished,
            "LastRuntimeSeconds": float(last.runtime_seconds or 0.0) if last else 0.0,
            "MedianRuntimeSeconds": median,
            "TablesCreated": last.tables_created if last else 0,
            "TablesUpdated": last.tables_updated if last else 0,
            "TablesDeleted": last.tables_deleted if last else 0,
        }


def _history_shape(row: CrawlRow) -> dict[str, Any]:
    """A crawl as Glue's ``CrawlerHistory`` shape; ``Summary`` is a JSON string, as in Glue."""
    shape: dict[str, Any] = {
        "CrawlId": row.id,
        "State": row.state,
        "StartTime": row.start_time,
        "EndTime": row.end_time,
        "Summary": json.dumps(row.summary, separators=(",", ":"), sort_keys=True) if row.summary else None,
        "ErrorMessage": row.error_message,
        "LogGroup": LOG_GROUP,
        "LogStream": row.crawler_name,
        "MessagePrefix": row.id,
        "DPUHour": round((row.runtime_seconds or 0.0) / 3600, 6),
    }
    return {key: value for key, value in shape.items() if value is not None}


def _parse_time(value: str, field: str) -> datetime:
    text = value.strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise InvalidInputError(
            f"{value!r} is not a time; use ISO 8601 (2026-11-25T10:00:00Z) or epoch seconds", field=field
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is None:
        return operator == "NE"
    outcome: bool = {
        "EQ": left == right,
        "NE": left != right,
        "GT": left > right,
        "GE": left >= right,
        "LT": left < right,
        "LE": left <= right,
    }[operator]
    return outcome


def _crawl_filter(item: Mapping[str, str], index: int) -> Callable[[CrawlRow], bool]:
    """One ListCrawls filter as a test of a crawl row."""
    field = f"Filters[{index}]"
    name, operator, value = item.get("FieldName"), item.get("FilterOperator"), item.get("FieldValue")
    if name is None or operator is None or value is None:
        raise InvalidInputError("needs FieldName, FilterOperator and FieldValue", field=field)
    if name == "CRAWL_ID" or name == "STATE":
        if operator not in ("EQ", "NE"):
            raise InvalidInputError(f"{name} takes EQ or NE only", field=f"{field}.FilterOperator")
        if name == "STATE" and value not in _HISTORY_STATES:
            raise InvalidInputError(f"must be one of {', '.join(_HISTORY_STATES)}", field=f"{field}.FieldValue")
        if name == "CRAWL_ID":
            return lambda row: _compare(operator, row.id, value)
        return lambda row: _compare(operator, row.state, value)
    if name in ("START_TIME", "END_TIME"):
        moment = _parse_time(value, f"{field}.FieldValue")
        if name == "START_TIME":
            return lambda row: _compare(operator, row.start_time, moment)
        return lambda row: _compare(operator, row.end_time, moment)
    try:
        hours = float(value)
    except ValueError:
        raise InvalidInputError("must be a number", field=f"{field}.FieldValue") from None
    return lambda row: _compare(operator, round((row.runtime_seconds or 0.0) / 3600, 6), hours)
