"""Test doubles for the SDK's own tests: a fake clock and an in-memory stand-in for the `/v1` API.

The stand-in speaks the REST contract over an `httpx.MockTransport` (a real httpx transport), so the client
under test builds real requests and parses real responses. End-to-end tests against the real server live
with the platform's tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx

from glueworks.sdk import Client

TERMINAL = {"STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED"}
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


@dataclass
class _Run:
    body: dict[str, Any]
    plan: list[dict[str, Any]]  # what each GET reports, in order; the last one repeats
    step: int = 0


class FakeApi:
    """An in-memory `/v1` API: jobs, scripts, runs that advance one planned state per GET, growing logs.

    Attributes:
        requests: Every request received, in order.
        run_plan: States (with optional metrics) the next started run reports, one per GET of the run.
        page_size: Page size when the request gives no `max_results`.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.scripts: dict[str, bytes] = {}
        self.runs: dict[str, _Run] = {}
        self.log_chunks: dict[str, list[str]] = {}
        self.log_revealed: dict[str, int] = {}
        self.run_plan: list[str] = ["STARTING", "RUNNING", "SUCCEEDED"]
        #: Seconds each long poll of a run was held (it stayed in the state the client last saw).
        self.holds: list[float] = []
        self.page_size = 2
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., httpx.Response]]] = [
            ("GET", re.compile(r"/v1/health"), self._health),
            ("PUT", re.compile(r"/v1/scripts/(?P<filename>[^/]+)"), self._put_script),
            ("POST", re.compile(r"/v1/jobs"), self._create_job),
            ("GET", re.compile(r"/v1/jobs"), self._list_jobs),
            ("GET", re.compile(r"/v1/jobs/(?P<name>[^/]+)"), self._get_job),
            ("PATCH", re.compile(r"/v1/jobs/(?P<name>[^/]+)"), self._update_job),
            ("DELETE", re.compile(r"/v1/jobs/(?P<name>[^/]+)"), self._delete_job),
            ("POST", re.compile(r"/v1/jobs/(?P<name>[^/]+)/runs"), self._start_run),
            ("GET", re.compile(r"/v1/jobs/(?P<name>[^/]+)/runs"), self._list_runs),
            ("GET", re.compile(r"/v1/runs/(?P<run_id>[^/]+)"), self._get_run),
            ("POST", re.compile(r"/v1/runs/(?P<run_id>[^/]+)/stop"), self._stop_run),
            ("GET", re.compile(r"/v1/runs/(?P<run_id>[^/]+)/logs"), self._logs),
            ("GET", re.compile(r"/v1/runs/(?P<run_id>[^/]+)/metrics"), self._metrics),
        ]

    # -- plumbing -------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self, endpoint: str = "http://127.0.0.1:8080", api_key: str | None = None) -> Client:
        return Client(
            endpoint,
            api_key,
            http_client=httpx.Client(transport=self.transport()),
            clock=self.clock,
            sleep=self.clock.sleep,
            rng=lambda: 0.0,
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.split(b"?")[0].decode()
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                params = {k: unquote(v) for k, v in match.groupdict().items()}
                return handler(request, **params)
        return error(404, "EntityNotFoundException", f"no route {request.method} {path}")

    def _now(self) -> str:
        return (EPOCH + timedelta(seconds=self.clock.now)).isoformat()

    # -- scripts and jobs -----------------------------------------------------------------------------

    def _health(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ok", "version": "9.9.9"})

    def _put_script(self, request: httpx.Request, filename: str) -> httpx.Response:
        self.scripts[filename] = request.content
        location = f"file:///scripts/{filename}"
        return httpx.Response(200, json={"script_location": location, "size": len(request.content)})

    def _create_job(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        name = body["name"]
        if name in self.jobs:
            return error(409, "AlreadyExistsException", f"job {name} already exists")
        command = {"name": "glueetl", "python_version": "3", **body["command"]}
        job = {**body, "command": command, "created_on": self._now(), "last_modified_on": self._now()}
        self.jobs[name] = job
        return httpx.Response(201, json=job)

    def _page(self, request: httpx.Request, items: list[Any], key: str) -> httpx.Response:
        size = int(request.url.params.get("max_results", self.page_size))
        start = int(request.url.params.get("next_token", "0"))
        end = start + size
        token = str(end) if end < len(items) else None
        return httpx.Response(200, json={key: items[start:end], "next_token": token})

    def _list_jobs(self, request: httpx.Request) -> httpx.Response:
        return self._page(request, [self.jobs[n] for n in sorted(self.jobs)], "jobs")

    def _get_job(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.jobs:
            return error(404, "EntityNotFoundException", f"job {name} not found")
        return httpx.Response(200, json=self.jobs[name])

    def _update_job(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.jobs:
            return error(404, "EntityNotFoundException", f"job {name} not found")
        self.jobs[name] = {**self.jobs[name], **json.loads(request.content), "last_modified_on": self._now()}
        return httpx.Response(200, json=self.jobs[name])

    def _delete_job(self, request: httpx.Request, name: str) -> httpx.Response:
        if self.jobs.pop(name, None) is None:
            return error(404, "EntityNotFoundException", f"job {name} not found")
        return httpx.Response(200, json={"name": name})

    # -- runs -----------------------------------------------------------------------------------------

    def _start_run(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.jobs:
            return error(404, "EntityNotFoundException", f"job {name} not found")
        body = json.loads(request.content)
        run_id = f"jr_{len(self.runs) + 1:04d}"
        job = self.jobs[name]
        arguments = {**job.get("default_arguments", {}), **body.get("arguments", {})}
        run = {
            "id": run_id,
            "job_name": name,
            "attempt": 0,
            "job_run_state": "STARTING",
            "arguments": arguments,
            "started_on": self._now(),
            "last_modified_on": self._now(),
            "execution_time": 0,
            "timeout": body.get("timeout", job.get("timeout")),
            "metrics": {},
        }
        plan = [
            {"job_run_state": state, "metrics": {"records_read": 10 * i, "records_written": 9 * i}}
            for i, state in enumerate(self.run_plan)
        ]
        self.runs[run_id] = _Run(body=run, plan=plan)
        return httpx.Response(201, json=run)

    def _list_runs(self, request: httpx.Request, name: str) -> httpx.Response:
        runs = [r.body for r in reversed(self.runs.values()) if r.body["job_name"] == name]
        return self._page(request, runs, "runs")

    def _get_run(self, request: httpx.Request, run_id: str) -> httpx.Response:
        if run_id not in self.runs:
            return error(404, "EntityNotFoundException", f"run {run_id} not found")
        run = self.runs[run_id]
        step = run.plan[min(run.step, len(run.plan) - 1)]
        changed_from, wait = request.url.params.get("changed_from"), float(request.url.params.get("wait_seconds", 0))
        if changed_from is not None and wait > 0 and step["job_run_state"] == changed_from:
            # A long poll of a run that stays as it was: the server holds the request for `wait` seconds.
            self.holds.append(wait)
            self.clock.now += wait
        run.body.update(step)
        run.step += 1
        run.body["last_modified_on"] = self._now()
        if run.body["job_run_state"] in TERMINAL and not run.body.get("completed_on"):
            run.body["completed_on"] = self._now()
            if run.body["job_run_state"] != "SUCCEEDED":
                run.body["error_message"] = "boom: the script raised"
        return httpx.Response(200, json=run.body)

    def _stop_run(self, request: httpx.Request, run_id: str) -> httpx.Response:
        if run_id not in self.runs:
            return error(404, "EntityNotFoundException", f"run {run_id} not found")
        run = self.runs[run_id]
        run.body["job_run_state"] = "STOPPING"
        run.plan = [{"job_run_state": "STOPPED"}]
        run.step = 0
        return httpx.Response(200, json=run.body)

    def _logs(self, request: httpx.Request, run_id: str) -> httpx.Response:
        if run_id not in self.runs:
            return error(404, "EntityNotFoundException", f"run {run_id} not found")
        chunks = self.log_chunks.get(run_id, [])
        revealed = min(self.log_revealed.get(run_id, 0) + 1, len(chunks))
        self.log_revealed[run_id] = revealed
        text = "".join(chunks[:revealed])
        offset = int(request.url.params.get("offset", "0"))
        complete = revealed == len(chunks) and self.runs[run_id].body["job_run_state"] in TERMINAL
        return httpx.Response(
            200,
            json={
                "run_id": run_id,
                "offset": offset,
                "next_offset": max(offset, len(text)),
                "text": text[offset:],
                "complete": complete,
            },
        )

    def _metrics(self, request: httpx.Request, run_id: str) -> httpx.Response:
        if run_id not in self.runs:
            return error(404, "EntityNotFoundException", f"run {run_id} not found")
        return httpx.Response(200, json=self.runs[run_id].body.get("metrics", {}))
