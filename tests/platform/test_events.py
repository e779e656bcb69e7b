"""Notifications: the event outbox and webhook delivery, against real HTTP receivers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from glueworks.platform.db import Database
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.services.events import JOB_STATE_CHANGE, DeliveryPolicy, EventService
from tests.conftest import LiveServer
from tests.platform.glue_helpers import create_job, glue_client, wait_for_run


class Receiver:
    """A tiny threaded HTTP server that records POSTed JSON; `delay` seconds before answering `status`."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.headers.append(dict(self.headers))
                if delay:
                    receiver.release.wait(delay)
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timed out) already

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def slow_receiver() -> Iterator[Receiver]:
    r = Receiver(delay=5.0)
    yield r
    r.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(database: Database) -> Database:
    return database


def emit_job_event(service: EventService, db: Database, tenant: str = "t1", state: str = "SUCCEEDED") -> None:
    with db.transaction() as session:
        detail = {"jobName": "etl", "severity": "INFO", "state": state, "jobRunId": "jr_1", "message": "m"}
        service.emit(session, tenant, JOB_STATE_CHANGE, detail)


def test_events_are_delivered_in_eventbridge_shape(db: Database, receiver: Receiver) -> None:
    clock = Clock()
    service = EventService(db, clock, DeliveryPolicy(webhooks={"t1": [receiver.url]}))
    emit_job_event(service, db)
    emit_job_event(service, db, tenant="t2")  # another tenant: not sent to t1's webhook
    assert service.deliver_due() == 1
    (body,) = receiver.bodies
    assert body["detail-type"] == "Glue Job State Change" and body["source"] == "aws.glue"
    assert body["detail"] == {
        "jobName": "etl",
        "severity": "INFO",
        "state": "SUCCEEDED",
        "jobRunId": "jr_1",
        "message": "m",
    }
    assert body["time"] == "2026-11-25T12:00:00Z" and body["account"] == "t1"
    assert receiver.headers[0]["X-Glueworks-Event-Id"] == body["id"]
    assert [d["state"] for d in service.deliveries("t1")] == ["DELIVERED"]
    assert service.deliver_due() == 0  # delivered once


def test_a_webhook_that_times_out_is_retried_with_capped_backoff_then_failed(
    db: Database, slow_receiver: Receiver
) -> None:
    clock = Clock()
    policy = DeliveryPolicy(
        webhooks={"t1": [slow_receiver.url]}, timeout=0.3, max_attempts=4, backoff_base=2.0, backoff_cap=3.0
    )
    service = EventService(db, clock, policy)
    emit_job_event(service, db)
    delays = []
    for _ in range(3):
        assert service.deliver_due() == 1
        (delivery,) = service.deliveries("t1")
        assert delivery["state"] == "PENDING" and "timed out" in delivery["last_error"]
        delays.append((delivery["next_attempt_on"] - clock.now).total_seconds())
        assert service.deliver_due() == 0  # not due before its backoff passed
        clock.now = delivery["next_attempt_on"]
    assert delays == [2.0, 3.0, 3.0]  # doubling, capped
    assert service.deliver_due() == 1
    (delivery,) = service.deliveries("t1")
    assert delivery["state"] == "FAILED" and delivery["attempts"] == 4 and "timed out" in delivery["last_error"]
    assert len(slow_receiver.bodies) == 4


def test_error_statuses_are_retried_and_recorded(db: Database) -> None:
    failing = Receiver(status=503)
    try:
        clock = Clock()
        service = EventService(db, clock, DeliveryPolicy(webhooks={"t1": [failing.url]}, max_attempts=2))
        emit_job_event(service, db)
        service.deliver_due()
        clock.now += timedelta(minutes=5)
        service.deliver_due()
        (delivery,) = service.deliveries("t1")
        assert (delivery["state"], delivery["attempts"], delivery["last_error"]) == ("FAILED", 2, "HTTP 503")
    finally:
        failing.close()


def test_since_pages_the_outbox_and_checks_its_arguments(db: Database) -> None:
    service = EventService(db, Clock())
    for state in ("SUCCEEDED", "FAILED", "STOPPED"):
        emit_job_event(service, db, state=state)
    first = service.since("t1", 0, 2)
    assert [e["detail"]["state"] for e in first] == ["SUCCEEDED", "FAILED"]
    rest = service.since("t1", first[-1]["outbox_id"], 10)
    assert [e["detail"]["state"] for e in rest] == ["STOPPED"]
    assert service.since("t2") == []
    with pytest.raises(InvalidInputError, match="limit"):
        service.since("t1", 0, 0)
    with pytest.raises(InvalidInputError, match="after_id"):
        service.since("t1", -1)


def test_webhooks_are_managed_per_tenant_and_checked(db: Database) -> None:
    service = EventService(db, Clock(), DeliveryPolicy(webhooks={"t1": ["http://127.0.0.1:9/a"]}))
    assert service.add_webhook("t1", "http://127.0.0.1:9/b") == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert service.add_webhook("t1", "http://127.0.0.1:9/b") == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert service.webhooks("t2") == []
    with pytest.raises(InvalidInputError, match="url"):
        service.add_webhook("t1", "file:///etc/passwd")
    for unsafe, reason in (
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://0.0.0.0:8080/hook", "unspecified"),
        ("https://user:secret@hooks.example.com/x", "credentials"),
    ):
        with pytest.raises(InvalidInputError, match=reason) as refused:
            service.add_webhook("t1", unsafe)
        assert "secret" not in str(refused.value)
    with pytest.raises(EntityNotFoundError):
        service.remove_webhook("t1", "http://127.0.0.1:9/a")  # from settings, not removable
    assert service.remove_webhook("t1", "http://127.0.0.1:9/b") == ["http://127.0.0.1:9/a"]


@pytest.mark.ray
def test_run_state_changes_reach_a_webhook_and_the_outbox(
    server: LiveServer, receiver: Receiver, slow_receiver: Receiver
) -> None:
    hooks = f"{server.url}/v1/webhooks"
    assert httpx.post(hooks, json={"url": receiver.url}, timeout=30).status_code == 201
    # A webhook that hangs must not hold up runs or requests.
    assert httpx.post(hooks, json={"url": slow_receiver.url}, timeout=30).status_code == 201
    try:
        glue = glue_client(server)
        after = httpx.get(f"{server.url}/v1/events", params={"limit": 1000}, timeout=30).json()["events"]
        after_id = after[-1]["outbox_id"] if after else 0
        name = create_job(glue, server, "raise SystemExit('stop here')\n")
        run_id = glue.start_job_run(JobName=name)["JobRunId"]
        run = wait_for_run(glue, name, run_id, timeout=60)
        assert run["JobRunState"] == "FAILED"
        events = httpx.get(f"{server.url}/v1/events", params={"after_id": after_id}, timeout=30).json()["events"]
        mine = [e for e in events if e["detail"].get("jobRunId") == run_id]
        assert [e["detail"]["state"] for e in mine] == ["FAILED"]
        assert mine[0]["detail"]["severity"] == "ERROR" and "stop here" in mine[0]["detail"]["message"]
        deadline = time.monotonic() + 30
        while not any(b["detail"].get("jobRunId") == run_id for b in receiver.bodies):
            assert time.monotonic() < deadline, "the webhook got no event"
            time.sleep(0.1)
    finally:
        for url in (receiver.url, slow_receiver.url):
            httpx.delete(hooks, params={"url": url}, timeout=30)
    bad = httpx.post(hooks, json={"url": "ftp://x"}, timeout=30)
    assert bad.status_code == 400 and "url" in bad.text
