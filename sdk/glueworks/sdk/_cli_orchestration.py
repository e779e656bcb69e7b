"""`glueworks workflows ...` and `glueworks triggers ...`: start, inspect, stop and resume workflow runs."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import JsonOpt, parse_pairs, state, wants_json

__all__ = ["triggers_app", "workflows_app"]

workflows_app = typer.Typer(name="workflows", help="Start, show, stop and resume workflow runs.", no_args_is_help=True)
triggers_app = typer.Typer(name="triggers", help="List, start and stop triggers.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Workflow name.", show_default=False)]
RunArg = Annotated[str, typer.Argument(help="Workflow run id.", show_default=False)]
TriggerArg = Annotated[str, typer.Argument(help="Trigger name.", show_default=False)]


def _out(ctx: typer.Context, json_flag: bool, value: Any, text: str) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True) if wants_json(ctx, json_flag) else text)


def _run_text(run: dict[str, Any]) -> str:
    stats = run.get("statistics") or {}
    counts = ", ".join(f"{key.removesuffix('_actions')} {value}" for key, value in sorted(stats.items()) if value)
    return _render.fields(
        [
            ("run", str(run.get("workflow_run_id"))),
            ("workflow", str(run.get("name"))),
            ("status", str(run.get("status"))),
            ("previous run", str(run.get("previous_run_id") or "-")),
            ("actions", counts or "-"),
            (
                "properties",
                ", ".join(f"{k}={v}" for k, v in sorted((run.get("workflow_run_properties") or {}).items())) or "-",
            ),
        ]
    )


@workflows_app.command("list")
def list_workflows(ctx: typer.Context, json_flag: JsonOpt = False) -> None:
    """List workflow names (first page)."""
    page = state(ctx).client().workflows.list()
    _out(ctx, json_flag, page, "\n".join(page.get("workflows", [])))


@workflows_app.command("start")
def start_run(
    ctx: typer.Context,
    name: NameArg,
    prop: Annotated[list[str] | None, typer.Option("--property", help="Run property KEY=VALUE (repeatable).")] = None,
    json_flag: JsonOpt = False,
) -> None:
    """Start a workflow run and print its id."""
    run_id = state(ctx).client().workflows.start_run(name, parse_pairs(prop, "--property"))
    _out(ctx, json_flag, {"run_id": run_id}, run_id)


@workflows_app.command("run")
def show_run(ctx: typer.Context, name: NameArg, run_id: RunArg, json_flag: JsonOpt = False) -> None:
    """Show a workflow run: status, action counts, properties."""
    run = state(ctx).client().workflows.get_run(name, run_id, include_graph=wants_json(ctx, json_flag))
    _out(ctx, json_flag, run, _run_text(run))


@workflows_app.command("stop")
def stop_run(ctx: typer.Context, name: NameArg, run_id: RunArg) -> None:
    """Stop a running workflow run."""
    state(ctx).client().workflows.stop_run(name, run_id)
    typer.echo(f"stopping {run_id}")


@workflows_app.command("resume")
def resume_run(
    ctx: typer.Context,
    name: NameArg,
    run_id: RunArg,
    node_ids: Annotated[list[str], typer.Argument(help="Graph node ids of the failed nodes to re-run.")],
    json_flag: JsonOpt = False,
) -> None:
    """Re-run failed nodes of a finished run in a new run; print the new run's id."""
    resumed = state(ctx).client().workflows.resume_run(name, run_id, node_ids)
    _out(ctx, json_flag, resumed, str(resumed["run_id"]))


@triggers_app.command("list")
def list_triggers(ctx: typer.Context, json_flag: JsonOpt = False) -> None:
    """List triggers (first page): name, type, state, schedule."""
    page = state(ctx).client().triggers.list()
    rows = [
        [t["name"], t["type"], t["state"], t.get("schedule") or "-", t.get("workflow_name") or "-"]
        for t in page.get("triggers", [])
    ]
    _out(ctx, json_flag, page, _render.table(["NAME", "TYPE", "STATE", "SCHEDULE", "WORKFLOW"], rows))


@triggers_app.command("start")
def start_trigger(ctx: typer.Context, name: TriggerArg) -> None:
    """Fire an ON_DEMAND trigger now, or activate a scheduled or conditional one."""
    state(ctx).client().triggers.start(name)
    typer.echo(f"started {name}")


@triggers_app.command("stop")
def stop_trigger(ctx: typer.Context, name: TriggerArg) -> None:
    """Deactivate a scheduled or conditional trigger."""
    state(ctx).client().triggers.stop(name)
    typer.echo(f"stopped {name}")
