"""``glueworks demo``: start the embedded platform, run the bundled example job, show what happened.

The example (``examples/etl_events``) reads JSON events whose ``session_ms`` field drifts between int and string,
with a few malformed lines, resolves the drift, maps and filters, and writes Parquet partitioned by date.
Everything goes through the public API (the SDK over HTTP), exactly as a user's client would.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from glueworks.platform.embedded import embedded_platform
from glueworks.platform.settings import load_settings
from glueworks.sdk import Client
from glueworks.sdk.models import JobCommand, JobCreate, JobRun, JobRunState, WorkerType

JOB_NAME = "etl-events-demo"


def find_example(name: str = "etl_events") -> Path:
    """The example folder of a source checkout (the demo runs from the repository)."""
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        candidate = base / "examples" / name
        if (candidate / "job.py").is_file():
            return candidate
    raise FileNotFoundError(f"examples/{name} not found; run `glueworks demo` from the glueworks repository")


def _say(message: str) -> None:
    print(message, flush=True)  # noqa: T201 - the demo's output is for a person


class _Progress:
    """Prints one line whenever the run's state or counters change."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._last: tuple[object, ...] | None = None

    def __call__(self, run: JobRun) -> None:
        m = run.metrics
        key = (run.job_run_state, m.records_read, m.records_written, m.error_records)
        if key == self._last:
            return
        self._last = key
        elapsed = time.monotonic() - self._start
        _say(
            f"  [{elapsed:6.2f}s] {run.job_run_state.value:<9} read {m.records_read:>6}  "
            f"written {m.records_written:>6}  error records {m.error_records:>3}"
        )


def main() -> None:
    example = find_example()
    settings = load_settings(port=0)  # any free port: the demo must not collide with a running server
    _say(f"glueworks demo: database {settings.database_url}, Ray {settings.ray.address!r} (started by the platform)")
    started = time.monotonic()
    with embedded_platform(settings) as (url, _platform), Client(url) as client:
        _say(f"platform up at {url} in {time.monotonic() - started:.1f}s")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        output = (settings.data_dir / "demo-output" / stamp).resolve()
        upload = client.scripts.upload("etl_events_job.py", (example / "job.py").read_bytes())
        job = JobCreate(
            name=JOB_NAME,
            description="Bundled demo: JSON events with schema drift -> partitioned Parquet",
            command=JobCommand(script_location=upload.script_location),
            default_arguments={"--input_path": str((example / "data").resolve())},
            worker_type=WorkerType.G_1X,
            number_of_workers=2,
        )
        try:
            client.jobs.get(JOB_NAME)
            client.jobs.delete(JOB_NAME)
        except Exception:
            pass
        client.jobs.create(job)
        _say(f"job {JOB_NAME!r} registered (script {upload.script_location})")
        run = client.runs.start(JOB_NAME, arguments={"--output_path": str(output)})
        _say(f"run {run.id} started; progress:")
        final = client.runs.wait(run.id, timeout=600, poll_interval=0.25, on_update=_Progress())
        metrics = client.runs.metrics(run.id)
        _say("")
        _say(f"state            {final.job_run_state.value}")
        if final.error_message:
            _say(f"error            {final.error_message}")
        _say(f"records read     {metrics.records_read}")
        _say(f"records written  {metrics.records_written}")
        _say(f"error records    {metrics.error_records}  (kept at {metrics.error_records_location})")
        _say(f"bytes read       {metrics.bytes_read}")
        _say(f"bytes written    {metrics.bytes_written}  in {metrics.files_written} files")
        _say(f"execution time   {metrics.execution_time}s   DPU-seconds {metrics.dpu_seconds}")
        _say(f"output           {', '.join(metrics.output_locations) or output}")
        _say(f"log              GET {url}/v1/runs/{run.id}/logs")
        ok = final.job_run_state == JobRunState.SUCCEEDED
    _say("demo finished: SUCCEEDED" if ok else "demo finished: the run did not succeed")
    sys.exit(0 if ok else 1)
