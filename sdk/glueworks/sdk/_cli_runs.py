"""`glueworks runs ...`: start, watch, list and stop job runs; read their logs and metrics."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import (
    EXIT_RUN_FAILED,
    ArgsOpt,
    CapacityOpt,
    JsonOpt,
    TimeoutMinutesOpt,
    WorkersOpt,
    WorkerTypeOpt,
    emit,
    parse_pairs,
    state,
    wants_json,
)
from glueworks.sdk._constants import DEFAULT_POLL_INTERVAL
from glueworks.sdk.client import Client
from glueworks.sdk.models import JobRun, JobRunState

app = typer.Typer(
    name="runs", help="Start, watch, list and stop job runs; read logs and metrics.", no_args_is_help=True
)

RunIdArg = Annotated[str, typer.Argument(help="Run id.")]
JobArg = Annotated[str, typer.Argument(help="Job name.")]
PollOpt = Annotated[
    float,
    typer.Option("--poll-interval", min=0.01, help="Longest seconds between two looks (a state change shows at once)."),
]


def _progress_printer() -> Callable[[JobRun], None]:
    """Return an `on_update` callback that shows progress on stderr.

    On a terminal one line is redrawn in place; otherwise a line is written only when the state or the
    record counts change, so logs of CI jobs stay short.
    """
    live = sys.stderr.isatty()
    last: list[tuple[object, ...]] = []

    def show(run: JobRun) -> None:
        m = run.metrics
        key = (run.job_run_state, m.records_read, m.records_written, m.error_records)
        line = _render.progress(run)
        if live:
            end = "\n" if run.job_run_state.is_terminal() else ""
            typer.echo(f"\r{line}\x1b[K{end}", err=True, nl=False)
        elif not last or last[0] != key:
            typer.echo(line, err=True)
        last[:] = [key]

    return show


def _wait_and_report(
    ctx: typer.Context, client: Client, run_id: str, timeout: float | None, poll: float, json_flag: bool
) -> None:
    """Wait for a run with live progress, print it, and exit 1 unless it SUCCEEDED."""
    run = client.runs.wait(run_id, timeout=timeout, poll_interval=poll, on_update=_progress_printer())
    emit(ctx, json_flag, run, _render.run_fields(run))
    if run.job_run_state is not JobRunState.SUCCEEDED:
        raise typer.Exit(EXIT_RUN_FAILED)


@app.command("start")
def start(
    ctx: typer.Context,
    job: JobArg,
    arg: ArgsOpt = None,
    worker_type: WorkerTypeOpt = None,
    number_of_workers: WorkersOpt = None,
    max_capacity: CapacityOpt = None,
    timeout: TimeoutMinutesOpt = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the run to end; exit 1 unless it SUCCEEDED.")] = False,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL,
    json_flag: JsonOpt = False,
    queue: Annotated[
        bool | None, typer.Option("--queue/--no-queue", help="Wait (WAITING) if the job is at its run limit.")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Repeating a start with the same key returns the same run.")
    ] = None,
) -> None:
    """Start a run of a job. --arg values override the job's default arguments for this run."""
    client = state(ctx).client()
    run = client.runs.start(
        job,
        parse_pairs(arg, "--arg"),
        timeout=timeout,
        worker_type=worker_type,
        number_of_workers=number_of_workers,
        max_capacity=max_capacity,
        job_run_queuing_enabled=queue,
        idempotency_key=idempotency_key,
    )
    if wait:
        typer.echo(f"started run {run.id} of job {run.job_name}", err=True)
        _wait_and_report(ctx, client, run.id, None, poll_interval, json_flag)
        return
    emit(
        ctx,
        json_flag,
        run,
        f"started run {run.id} of job {run.job_name}\n"
        f"next: glueworks runs wait {run.id}  |  glueworks runs logs {run.id} --follow",
    )


@app.command("status")
def status(ctx: typer.Context, run_id: RunIdArg, json_flag: JsonOpt = False) -> None:
    """Show one run."""
    run = state(ctx).client().runs.get(run_id)
    emit(ctx, json_flag, run, _render.run_fields(run))


@app.command("list")
def list_runs(
    ctx: typer.Context,
    job: JobArg,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many.")] = None,
    json_flag: JsonOpt = False,
) -> None:
    """List the runs of a job, newest first (all pages, or --limit of them)."""
    runs: list[JobRun] = []
    for run in state(ctx).client().runs.iter(job):
        if limit is not None and len(runs) >= limit:
            break
        runs.append(run)
    emit(ctx, json_flag, runs, _render.runs_table(runs) if runs else f"no runs of job {job}")


@app.command("wait")
def wait(
    ctx: typer.Context,
    run_id: RunIdArg,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0, help="Give up after this many seconds (exit 1).")
    ] = None,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL,
    json_flag: JsonOpt = False,
) -> None:
    """Wait for a run to end, showing progress on stderr; exit 1 unless it SUCCEEDED."""
    _wait_and_report(ctx, state(ctx).client(), run_id, timeout, poll_interval, json_flag)


@app.command("stop")
def stop(ctx: typer.Context, run_id: RunIdArg, json_flag: JsonOpt = False) -> None:
    """Ask a run to stop."""
    run = state(ctx).client().runs.stop(run_id)
    emit(ctx, json_flag, run, f"run {run.id} is {run.job_run_state.value}")


@app.command("logs")
def logs(
    ctx: typer.Context,
    run_id: RunIdArg,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines until the run ends.")] = False,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Start at this offset.")] = 0,
    poll_interval: PollOpt = DEFAULT_POLL_INTERVAL,
    json_flag: JsonOpt = False,
) -> None:
    """Print a run's log; with --json, one JSON object per chunk."""
    as_json = wants_json(ctx, json_flag)
    chunks = state(ctx).client().runs.iter_logs(run_id, offset=offset, follow=follow, poll_interval=poll_interval)
    for chunk in chunks:
        if as_json:
            typer.echo(chunk.model_dump_json())
        else:
            typer.echo(chunk.text, nl=False)


@app.command("metrics")
def metrics(ctx: typer.Context, run_id: RunIdArg, json_flag: JsonOpt = False) -> None:
    """Show what a run has done so far."""
    result = state(ctx).client().runs.metrics(run_id)
    emit(ctx, json_flag, result, _render.metrics_fields(result))
