"""Text rendering for the CLI: tables, key/value blocks, JSON, and the live progress line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from glueworks.sdk.models import Job, JobRun, RunMetrics


def to_json(value: BaseModel | Sequence[BaseModel]) -> str:
    """Render one model, or a list of them, as indented JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    return json.dumps([item.model_dump(mode="json") for item in value], indent=2)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Render rows under headers in left-aligned columns (no trailing spaces)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, str]]) -> str:
    """Render `label: value` lines with the values aligned."""
    width = max((len(label) for label, _ in pairs), default=0) + 1
    return "\n".join(f"{label + ':':<{width}} {value}".rstrip() for label, value in pairs)


def when(value: datetime | None) -> str:
    """Render a UTC datetime to the second, or `-`."""
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def duration(seconds: float) -> str:
    """Render seconds as `45s`, `3m05s`, `2h03m05s` or `3d04h05m`."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h{minutes:02d}m"
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _pairs(mapping: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(mapping.items())) or "-"


def capacity(job: Job) -> str:
    """Render a job's capacity: `G.1X x 10`, `4.0 DPU` or `-`."""
    if job.worker_type is not None:
        return f"{job.worker_type.value} x {_opt(job.number_of_workers)}"
    if job.max_capacity is not None:
        return f"{job.max_capacity:g} DPU"
    return "-"


def jobs_table(jobs: Sequence[Job]) -> str:
    """Render jobs as a table."""
    rows = [
        [
            job.name,
            capacity(job),
            str(job.execution_property.max_concurrent_runs),
            _opt(job.timeout),
            when(job.last_modified_on),
        ]
        for job in jobs
    ]
    return table(["NAME", "CAPACITY", "MAX RUNS", "TIMEOUT (MIN)", "MODIFIED"], rows)


def job_fields(job: Job) -> str:
    """Render one job as a key/value block."""
    return fields(
        [
            ("name", job.name),
            ("description", _opt(job.description)),
            ("script", job.command.script_location),
            ("command", job.command.name),
            ("capacity", capacity(job)),
            ("max concurrent runs", str(job.execution_property.max_concurrent_runs)),
            ("max retries", str(job.max_retries)),
            ("timeout (min)", _opt(job.timeout)),
            ("glue version", _opt(job.glue_version)),
            ("default arguments", _pairs(job.default_arguments)),
            ("non-overridable arguments", _pairs(job.non_overridable_arguments)),
            ("tags", _pairs(job.tags)),
            ("created", when(job.created_on)),
            ("modified", when(job.last_modified_on)),
        ]
    )


def elapsed(run: JobRun, now: datetime | None = None) -> float:
    """Seconds from the run's start to its end, or to `now` while it is still going."""
    end = run.completed_on or now or datetime.now(UTC)
    return (end - run.started_on).total_seconds()


def runs_table(runs: Sequence[JobRun]) -> str:
    """Render runs as a table."""
    rows = [
        [
            run.id,
            run.job_run_state.value,
            str(run.attempt),
            when(run.started_on),
            duration(elapsed(run)),
            _opt(run.error_message).splitlines()[0][:60],
        ]
        for run in runs
    ]
    return table(["RUN ID", "STATE", "ATTEMPT", "STARTED", "ELAPSED", "ERROR"], rows)


def run_fields(run: JobRun) -> str:
    """Render one run as a key/value block."""
    m = run.metrics
    return fields(
        [
            ("run id", run.id),
            ("job", run.job_name),
            ("state", run.job_run_state.value),
            ("attempt", str(run.attempt)),
            ("started", when(run.started_on)),
            ("completed", when(run.completed_on)),
            ("elapsed", duration(elapsed(run))),
            ("execution time", duration(run.execution_time)),
            ("arguments", _pairs(run.arguments)),
            ("records read", f"{m.records_read:,}"),
            ("records written", f"{m.records_written:,}"),
            ("error records", f"{m.error_records:,}"),
            ("error", _opt(run.error_message)),
        ]
    )


def metrics_fields(metrics: RunMetrics) -> str:
    """Render run metrics as a key/value block."""
    return fields(
        [
            ("records read", f"{metrics.records_read:,}"),
            ("records written", f"{metrics.records_written:,}"),
            ("error records", f"{metrics.error_records:,}"),
            ("bytes read", f"{metrics.bytes_read:,}"),
            ("bytes written", f"{metrics.bytes_written:,}"),
            ("files written", f"{metrics.files_written:,}"),
            ("execution time", duration(metrics.execution_time)),
            ("dpu seconds", f"{metrics.dpu_seconds:g}"),
            ("outputs", ", ".join(metrics.output_locations) or "-"),
            ("error records at", _opt(metrics.error_records_location)),
        ]
    )


def progress(run: JobRun) -> str:
    """One line of live progress: state, elapsed time and record counts."""
    m = run.metrics
    return (
        f"{run.id} {run.job_run_state.value:<9} {duration(elapsed(run)):>8} elapsed  "
        f"read {m.records_read:,}  written {m.records_written:,}  errors {m.error_records:,}"
    )
