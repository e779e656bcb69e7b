"""`glueworks jobs ...`: create, list, show, update and delete jobs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import (
    ArgsOpt,
    CapacityOpt,
    JsonOpt,
    TimeoutMinutesOpt,
    WorkersOpt,
    WorkerTypeOpt,
    emit,
    parse_pairs,
    script_location,
    state,
)
from glueworks.sdk.models import Job

app = typer.Typer(name="jobs", help="Create, list, show, update and delete jobs.", no_args_is_help=True)

ScriptOpt = Annotated[
    str | None,
    typer.Option("--script", help="The job script: a local file (uploaded first) or a URL."),
]
ConcurrencyOpt = Annotated[
    int | None, typer.Option("--max-concurrent-runs", min=0, help="Most runs of the job active at once.")
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="Free text.")]
RetriesOpt = Annotated[int | None, typer.Option("--max-retries", min=0, help="Times a failed run is retried.")]
GlueVersionOpt = Annotated[str | None, typer.Option("--glue-version", help="Glue version label.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many.")]


def _settings(
    *,
    args: list[str] | None,
    worker_type: Any,
    number_of_workers: int | None,
    max_capacity: float | None,
    max_concurrent_runs: int | None,
    timeout: int | None,
    description: str | None,
    max_retries: int | None,
    glue_version: str | None,
) -> dict[str, Any]:
    """The job fields given on the command line; options left out are not sent."""
    fields: dict[str, Any] = {
        "worker_type": worker_type,
        "number_of_workers": number_of_workers,
        "max_capacity": max_capacity,
        "timeout": timeout,
        "description": description,
        "max_retries": max_retries,
        "glue_version": glue_version,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    if args:
        fields["default_arguments"] = parse_pairs(args, "--arg")
    if max_concurrent_runs is not None:
        fields["execution_property"] = {"max_concurrent_runs": max_concurrent_runs}
    return fields


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Job name, unique in the tenant.")],
    script: Annotated[str, typer.Option("--script", help="The job script: a local file (uploaded first) or a URL.")],
    arg: ArgsOpt = None,
    worker_type: WorkerTypeOpt = None,
    number_of_workers: WorkersOpt = None,
    max_capacity: CapacityOpt = None,
    max_concurrent_runs: ConcurrencyOpt = None,
    timeout: TimeoutMinutesOpt = None,
    description: DescriptionOpt = None,
    max_retries: RetriesOpt = None,
    glue_version: GlueVersionOpt = None,
    json_flag: JsonOpt = False,
) -> None:
    """Create a job. --arg sets the job's default arguments."""
    fields = _settings(
        args=arg,
        worker_type=worker_type,
        number_of_workers=number_of_workers,
        max_capacity=max_capacity,
        max_concurrent_runs=max_concurrent_runs,
        timeout=timeout,
        description=description,
        max_retries=max_retries,
        glue_version=glue_version,
    )
    client = state(ctx).client()
    location = script_location(client, script)
    job = client.jobs.create(name=name, command={"script_location": location}, **fields)
    emit(ctx, json_flag, job, f"created job {job.name}\n{_render.job_fields(job)}")


@app.command("list")
def list_jobs(ctx: typer.Context, limit: LimitOpt = None, json_flag: JsonOpt = False) -> None:
    """List jobs (all pages, or --limit of them)."""
    jobs: list[Job] = []
    for job in state(ctx).client().jobs.iter():
        if limit is not None and len(jobs) >= limit:
            break
        jobs.append(job)
    emit(ctx, json_flag, jobs, _render.jobs_table(jobs) if jobs else "no jobs")


@app.command("get")
def get(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Job name.")],
    json_flag: JsonOpt = False,
) -> None:
    """Show one job."""
    job = state(ctx).client().jobs.get(name)
    emit(ctx, json_flag, job, _render.job_fields(job))


@app.command("update")
def update(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Job name.")],
    script: ScriptOpt = None,
    arg: Annotated[
        list[str] | None,
        typer.Option("--arg", metavar="K=V", help="Replace the default arguments; repeat for more."),
    ] = None,
    worker_type: WorkerTypeOpt = None,
    number_of_workers: WorkersOpt = None,
    max_capacity: CapacityOpt = None,
    max_concurrent_runs: ConcurrencyOpt = None,
    timeout: TimeoutMinutesOpt = None,
    description: DescriptionOpt = None,
    max_retries: RetriesOpt = None,
    glue_version: GlueVersionOpt = None,
    json_flag: JsonOpt = False,
) -> None:
    """Change some settings of a job; settings not given keep their values."""
    fields = _settings(
        args=arg,
        worker_type=worker_type,
        number_of_workers=number_of_workers,
        max_capacity=max_capacity,
        max_concurrent_runs=max_concurrent_runs,
        timeout=timeout,
        description=description,
        max_retries=max_retries,
        glue_version=glue_version,
    )
    if script is None and not fields:
        raise typer.BadParameter("give at least one setting to change", param_hint="options")
    client = state(ctx).client()
    if script is not None:
        # The command's other settings (name, python version) are kept, only the script changes.
        command = client.jobs.get(name).command.model_copy(update={"script_location": script_location(client, script)})
        fields["command"] = command
    job = client.jobs.update(name, **fields)
    emit(ctx, json_flag, job, f"updated job {job.name}\n{_render.job_fields(job)}")


@app.command("delete")
def delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Job name.")]) -> None:
    """Delete a job."""
    deleted = state(ctx).client().jobs.delete(name)
    typer.echo(f"deleted job {deleted}")
