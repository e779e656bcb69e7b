"""Notifications: state changes as Glue EventBridge events, an outbox, and webhook delivery.

``emit`` writes an event into the ``events`` outbox inside the caller's transaction (the one that
changes the state), plus one ``event_deliveries`` row per webhook of the tenant, so an event exists if
and only if its state change was committed. A delivery loop on its own thread posts due deliveries
(a few at a time, each with a timeout) and on failure retries with capped exponential backoff, up to a
number of attempts after which the delivery is recorded FAILED with its last error. Nothing here runs
on a request thread or the scheduler's. ``since`` reads the outbox in order (EVENT triggers).

Event shape (EventBridge)::

    {"version": "0", "id": "<uuid>", "detail-type": "Glue Job State Change", "source": "aws.glue",
     "account": "<tenant id>", "time": "2026-11-25T17:00:00Z", "region": "<region>", "resources": [],
     "detail": {"jobName": "etl", "severity": "INFO", "state": "SUCCEEDED", "jobRunId": "jr_…",
                "message": "Job run succeeded"}}

Job events are emitted for the states Glue emits them for: SUCCEEDED, FAILED, TIMEOUT, STOPPED. Crawler
services call `emit` with ``detail-type`` ``"Glue Crawler State Change"``.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.db import Database, JobRunRow
from glueworks.platform.db.commit_models import EventDeliveryRow, EventRow, WebhookRow
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError

log = logging.getLogger(__name__)

JOB_STATE_CHANGE = "Glue Job State Change"
CRAWLER_STATE_CHANGE = "Glue Crawler State Change"
SOURCE = "aws.glue"
PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
_JOB_EVENTS = {
    "SUCCEEDED": ("INFO", "Job run succeeded"),
    "FAILED": ("ERROR", "Job run failed"),
    "TIMEOUT": ("WARN", "Job run timed out"),
    "STOPPED": ("INFO", "Job run stopped"),
}


@dataclass(frozen=True)
class DeliveryPolicy:
    """How webhooks are called.

    Attributes:
        webhooks: Webhook URLs per tenant from settings (REST-managed ones are added to these).
        timeout: Seconds one POST may take.
        max_attempts: Attempts before a delivery is FAILED.
        backoff_base: Seconds before the second attempt; doubles per attempt.
        backoff_cap: Cap on the delay between attempts, in seconds.
        poll_interval: Seconds between delivery passes.
        concurrency: Deliveries posted at once.
        region: The ``region`` member of events.
    """

    webhooks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    timeout: float = 5.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    poll_interval: float = 0.5
    concurrency: int = 4
    region: str = "us-east-1"

    def delay(self, attempts: int) -> float:
        """Seconds to wait after `attempts` failed attempts."""
        return float(min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempts - 1))))


class EventService:
    """The event outbox and webhook delivery.

    Args:
        db: The platform database.
        clock: Current time (UTC).
        policy: Webhooks from settings and delivery rules.
        http: Makes the HTTP client the delivery loop posts with (injected for tests).
    """

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        policy: DeliveryPolicy | None = None,
        *,
        http: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.policy = policy or DeliveryPolicy()
        self._http_factory = http or (lambda: httpx.Client(timeout=self.policy.timeout, follow_redirects=False))
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # Called before events are handed out: a consumer told a run SUCCEEDED must find its output in place
        # (the Platform sets OutputService.publish_pending).
        self.before_delivery: Callable[[], object] = lambda: None

    # -- emitting --------------------------------------------------------------------------------------------

    def emit(
        self,
        session: Session,
        tenant_id: str,
        detail_type: str,
        detail: Mapping[str, Any],
        *,
        source: str = SOURCE,
    ) -> EventRow:
        """Write an event (and its deliveries) in the caller's transaction; delivered after it commits."""
        now = self._clock()
        row = EventRow(
            tenant_id=tenant_id,
            event_id=str(uuid.uuid4()),
            source=source,
            detail_type=detail_type,
            detail=dict(detail),
            created_on=now,
        )
        session.add(row)
        session.flush()
        for url in self._webhooks(session, tenant_id):
            session.add(
                EventDeliveryRow(
                    tenant_id=tenant_id,
                    event_id=row.id,
                    url=url,
                    state=PENDING,
                    attempts=0,
                    next_attempt_on=now,
                    last_error=None,
                    updated_on=now,
                )
            )
        self._wake.set()
        return row

    def on_run_state(self, session: Session, run: JobRunRow, previous: str | None) -> None:
        """RunService state hook: a job run reached SUCCEEDED, FAILED, TIMEOUT or STOPPED."""
        if run.state == previous or run.state not in _JOB_EVENTS:
            return
        severity, message = _JOB_EVENTS[run.state]
        detail = {
            "jobName": run.job_name,
            "severity": severity,
            "state": run.state,
            "jobRunId": run.id,
            "message": run.error_message or message,
        }
        self.emit(session, run.tenant_id, JOB_STATE_CHANGE, detail)

    # -- reading ---------------------------------------------------------------------------------------------

    def since(self, tenant_id: str, after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Events of a tenant with an outbox id above `after_id`, oldest first, at most `limit`.

        Each is the EventBridge shape plus ``"outbox_id"`` (pass the last one back as `after_id`).
        """
        if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
            raise InvalidInputError("must be an integer >= 0", field="after_id")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidInputError("must be an integer from 1 to 1000", field="limit")
        with self._db.transaction() as session:
            rows = session.scalars(
                select(EventRow)
                .where(EventRow.tenant_id == tenant_id, EventRow.id > after_id)
                .order_by(EventRow.id)
                .limit(limit)
            )
            events = [self.render(row) for row in rows]
        if events:
            self.before_delivery()
        return events

    def render(self, row: EventRow) -> dict[str, Any]:
        """An outbox row in EventBridge's shape (with ``outbox_id``)."""
        return {
            "version": "0",
            "id": row.event_id,
            "detail-type": row.detail_type,
            "source": row.source,
            "account": row.tenant_id,
            "time": row.created_on.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.policy.region,
            "resources": [],
            "detail": dict(row.detail),
            "outbox_id": row.id,
        }

    def deliveries(self, tenant_id: str, event_outbox_id: int | None = None) -> list[dict[str, Any]]:
        """Delivery records of a tenant (of one event), oldest first."""
        with self._db.transaction() as session:
            query = select(EventDeliveryRow).where(EventDeliveryRow.tenant_id == tenant_id)
            if event_outbox_id is not None:
                query = query.where(EventDeliveryRow.event_id == event_outbox_id)
            return [
                {
                    "event_outbox_id": d.event_id,
                    "url": d.url,
                    "state": d.state,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "next_attempt_on": d.next_attempt_on,
                }
                for d in session.scalars(query.order_by(EventDeliveryRow.id))
            ]

    # -- webhooks managed through REST ---------------------------------------------------------------------

    def webhooks(self, tenant_id: str) -> list[str]:
        """Webhook URLs of a tenant: those in settings, then those added through the API."""
        with self._db.transaction() as session:
            return self._webhooks(session, tenant_id)

    def add_webhook(self, tenant_id: str, url: object) -> list[str]:
        """Register a webhook URL (http or https); adding one twice is harmless.

        Raises:
            InvalidInputError: `url` is not an http(s) URL (field ``url``).
        """
        url = _check_url(url)
        try:
            with self._db.transaction() as session:
                session.add(WebhookRow(tenant_id=tenant_id, url=url, created_on=self._clock()))
        except IntegrityError:
            pass  # already registered
        return self.webhooks(tenant_id)

    def remove_webhook(self, tenant_id: str, url: str) -> list[str]:
        """Remove a webhook URL registered through the API.

        Raises:
            EntityNotFoundError: It was not registered through the API (settings' webhooks stay).
        """
        with self._db.transaction() as session:
            row = session.scalars(
                select(WebhookRow).where(WebhookRow.tenant_id == tenant_id, WebhookRow.url == url)
            ).first()
            if row is None:
                raise EntityNotFoundError(f"webhook {url!r} is not registered")
            session.delete(row)
        return self.webhooks(tenant_id)

    def _webhooks(self, session: Session, tenant_id: str) -> list[str]:
        urls = list(self.policy.webhooks.get(tenant_id, ()))
        for url in session.scalars(
            select(WebhookRow.url).where(WebhookRow.tenant_id == tenant_id).order_by(WebhookRow.id)
        ):
            if url not in urls:
                urls.append(url)
        return urls

    # -- delivery --------------------------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """One delivery pass: post every due PENDING delivery; return how many were attempted."""
        now = self._clock()
        with self._db.transaction() as session:
            due = [
                (d.id, d.url, self.render(event))
                for d, event in session.execute(
                    select(EventDeliveryRow, EventRow)
                    .join(EventRow, EventRow.id == EventDeliveryRow.event_id)
                    .where(EventDeliveryRow.state == PENDING, EventDeliveryRow.next_attempt_on <= now)
                    .order_by(EventDeliveryRow.id)
                    .limit(100)
                )
            ]
        if not due:
            return 0
        self.before_delivery()
        with self._http_factory() as client, ThreadPoolExecutor(max_workers=self.policy.concurrency) as pool:
            results = list(pool.map(lambda item: (item[0], _post(client, item[1], item[2], self.policy.timeout)), due))
        with self._db.transaction() as session:
            for delivery_id, error in results:
                row = session.get(EventDeliveryRow, delivery_id)
                if row is None:
                    continue
                row.attempts += 1
                row.updated_on = self._clock()
                row.last_error = error
                if error is None:
                    row.state = DELIVERED
                elif row.attempts >= self.policy.max_attempts:
                    row.state = FAILED
                else:
                    row.next_attempt_on = row.updated_on + timedelta(seconds=self.policy.delay(row.attempts))
        return len(due)

    def start(self) -> None:
        """Start the delivery loop (a daemon thread)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="glueworks-webhooks", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the delivery loop (a POST in flight ends within its timeout)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.policy.timeout + 5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # keep delivering; one bad pass must not end the loop
                log.exception("webhook delivery pass failed")
            self._wake.wait(self.policy.poll_interval)
            self._wake.clear()


def _post(client: httpx.Client, url: str, event: Mapping[str, Any], timeout: float) -> str | None:
    """POST one event; None on a 2xx answer, else the error."""
    body = {k: v for k, v in event.items() if k != "outbox_id"}
    try:
        response = client.post(url, json=body, timeout=timeout, headers={"X-Glueworks-Event-Id": str(event["id"])})
    except httpx.TimeoutException:
        return f"timed out after {timeout:g} s"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def _check_url(url: object) -> str:
    """An http(s) URL without credentials, not aimed at a link-local, multicast or unspecified address.

    Link-local covers cloud metadata endpoints (169.254.169.254), the classic target of a webhook SSRF. Loopback
    and private addresses stay allowed: self-hosted receivers live there. Names are not resolved here (a name
    that resolves to a refused address is not caught); the error never echoes the URL, which may hold a token.
    """
    if not isinstance(url, str) or not url:
        raise InvalidInputError("must be a non-empty string", field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("must be an http:// or https:// URL with a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError("must not carry credentials (user:password@); use a token in the path", field="url")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url  # a host name
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        raise InvalidInputError(f"must not point at a {_kind(address)} address", field="url")
    return url


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_link_local:
        return "link-local (cloud metadata)"
    return "multicast" if address.is_multicast else "reserved or unspecified"
