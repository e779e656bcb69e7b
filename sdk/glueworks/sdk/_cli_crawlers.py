"""`glueworks crawlers ...`: create, run and inspect crawlers, and list custom classifiers.

    $ glueworks crawlers create events --path s3://lake/events/ --database lake
    $ glueworks crawlers start events --wait
    $ glueworks crawlers crawls events
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import EXIT_RUN_FAILED, JsonOpt, emit, parse_pairs, state
from glueworks.sdk.models_crawlers import Classifier, Crawl, Crawler

__all__ = ["app"]

app = typer.Typer(name="crawlers", help="Create, run and inspect crawlers.", no_args_is_help=True)
classifiers_app = typer.Typer(name="classifiers", help="List, show and delete custom classifiers.",
                              no_args_is_help=True)
app.add_typer(classifiers_app)

NameArg = Annotated[str, typer.Argument(help="Crawler name.", show_default=False)]


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _crawler_fields(crawler: Crawler) -> str:
    last = crawler.last_crawl
    schedule = crawler.schedule
    return _render.fields(
        [
            ("name", crawler.name),
            ("state", _opt(crawler.state)),
            ("database", _opt(crawler.database_name)),
            ("paths", ", ".join(crawler.paths) or "-"),
            ("table prefix", _opt(crawler.table_prefix)),
            ("classifiers", ", ".join(crawler.classifiers or []) or "-"),
            ("schedule", f"{schedule.schedule_expression} ({schedule.state})" if schedule else "-"),
            ("last crawl", f"{last.status} at {_render.when(last.start_time)}" if last else "-"),
            ("last error", _opt(last.error_message if last else None)),
            ("version", _opt(crawler.version)),
        ]
    )


def _counts(crawl: Crawl) -> str:
    summary = crawl.summary or {}
    parts = []
    for kind in ("TABLE", "PARTITION"):
        for action, value in sorted((summary.get(kind) or {}).items()):
            parts.append(f"{kind.lower()}s {action.lower()} {value.get('Count', 0)}")
    errors = (summary.get("FILE_ERRORS") or {}).get("Count")
    if errors:
        parts.append(f"file errors {errors}")
    return ", ".join(parts) or "-"


@app.command("list")
def list_crawlers(ctx: typer.Context, json_flag: JsonOpt = False) -> None:
    """List crawlers."""
    rows = list(state(ctx).client().crawlers.iter())
    text = _render.table(
        ["NAME", "STATE", "DATABASE", "LAST CRAWL", "SCHEDULE"],
        [
            [
                c.name,
                _opt(c.state),
                _opt(c.database_name),
                _opt(c.last_crawl.status if c.last_crawl else None),
                _opt(c.schedule.schedule_expression if c.schedule else None),
            ]
            for c in rows
        ],
    )
    emit(ctx, json_flag, rows, text if rows else "no crawlers")


@app.command("get")
def get_crawler(ctx: typer.Context, name: NameArg, json_flag: JsonOpt = False) -> None:
    """Show one crawler."""
    crawler = state(ctx).client().crawlers.get(name)
    emit(ctx, json_flag, crawler, _crawler_fields(crawler))


@app.command("create")
def create_crawler(
    ctx: typer.Context,
    name: NameArg,
    path: Annotated[list[str], typer.Option("--path", help="s3:// URL or local folder to crawl; repeat for more.")],
    database: Annotated[str, typer.Option("--database", help="Catalog database the tables go to.")],
    role: Annotated[str, typer.Option("--role", help="Kept as Glue keeps it.")] = "glueworks",
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Exclusion glob for every path; repeat for more.")
    ] = None,
    table_prefix: Annotated[str | None, typer.Option("--table-prefix", help="Prefix of table names.")] = None,
    schedule: Annotated[str | None, typer.Option("--schedule", help="cron(m h dom mon dow year)")] = None,
    classifier: Annotated[
        list[str] | None, typer.Option("--classifier", help="Custom classifier, tried first; repeat for more.")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="K=V", help="A tag; repeat for more.")] = None,
    json_flag: JsonOpt = False,
) -> None:
    """Create a crawler over one or more paths."""
    target: dict[str, Any] = {"exclusions": list(exclude)} if exclude else {}
    fields: dict[str, Any] = {"database_name": database}
    for key, value in (("table_prefix", table_prefix), ("schedule", schedule)):
        if value is not None:
            fields[key] = value
    if classifier:
        fields["classifiers"] = list(classifier)
    if tag:
        fields["tags"] = parse_pairs(tag, "--tag")
    targets = {"s3_targets": [{"path": p, **target} for p in path]}
    crawler = state(ctx).client().crawlers.create(name, role=role, targets=targets, **fields)
    emit(ctx, json_flag, crawler, f"created crawler {crawler.name}\n{_crawler_fields(crawler)}")


@app.command("start")
def start_crawler(
    ctx: typer.Context,
    name: NameArg,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the crawl to end; exit 1 unless it succeeded.")
    ] = False,
    json_flag: JsonOpt = False,
) -> None:
    """Start a crawl."""
    crawlers = state(ctx).client().crawlers
    started = crawlers.start(name)
    if not wait:
        emit(ctx, json_flag, started, f"started crawl {started.crawl_id} of {name}")
        return
    crawler = crawlers.wait(name)
    status = crawler.last_crawl.status if crawler.last_crawl else None
    emit(ctx, json_flag, crawler, _crawler_fields(crawler))
    if status != "SUCCEEDED":
        raise typer.Exit(EXIT_RUN_FAILED)


@app.command("stop")
def stop_crawler(ctx: typer.Context, name: NameArg) -> None:
    """Stop the running crawl (it ends CANCELLED and writes nothing)."""
    crawler = state(ctx).client().crawlers.stop(name)
    typer.echo(f"crawler {crawler.name} is {crawler.state}")


@app.command("delete")
def delete_crawler(ctx: typer.Context, name: NameArg) -> None:
    """Delete a crawler (the tables it wrote stay)."""
    typer.echo(f"deleted crawler {state(ctx).client().crawlers.delete(name)}")


@app.command("crawls")
def list_crawls(
    ctx: typer.Context,
    name: NameArg,
    crawl_state: Annotated[
        str | None, typer.Option("--state", help="RUNNING, COMPLETED, FAILED or STOPPED.")
    ] = None,
    json_flag: JsonOpt = False,
) -> None:
    """List a crawler's crawls, newest first, with what each one did."""
    rows = state(ctx).client().crawlers.crawls(name, state=crawl_state).crawls
    text = _render.table(
        ["CRAWL", "STATE", "STARTED", "ENDED", "SUMMARY", "ERROR"],
        [
            [c.crawl_id, c.state, _render.when(c.start_time), _render.when(c.end_time), _counts(c),
             _opt(c.error_message)]
            for c in rows
        ],
    )
    emit(ctx, json_flag, rows, text if rows else f"no crawls of {name}")


@app.command("metrics")
def crawler_metrics(ctx: typer.Context, name: NameArg, json_flag: JsonOpt = False) -> None:
    """Show a crawler's metrics."""
    metrics = state(ctx).client().crawlers.metrics(name)
    text = _render.fields(
        [
            ("last runtime", f"{metrics.last_runtime_seconds:.3f}s"),
            ("median runtime", f"{metrics.median_runtime_seconds:.3f}s"),
            ("tables created", str(metrics.tables_created)),
            ("tables updated", str(metrics.tables_updated)),
            ("tables deleted", str(metrics.tables_deleted)),
        ]
    )
    emit(ctx, json_flag, metrics, text)


def _classifier_detail(item: Classifier) -> str:
    body = {k: v for k, v in item.body.items() if k not in ("name", "creation_time", "last_updated", "version")}
    return json.dumps(body, sort_keys=True)


@classifiers_app.command("list")
def list_classifiers(ctx: typer.Context, json_flag: JsonOpt = False) -> None:
    """List custom classifiers."""
    rows = list(state(ctx).client().classifiers.iter())
    text = _render.table(
        ["NAME", "KIND", "DEFINITION"], [[c.name, c.kind, _classifier_detail(c)] for c in rows]
    )
    emit(ctx, json_flag, rows, text if rows else "no classifiers")


@classifiers_app.command("get")
def get_classifier(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Classifier name.")], json_flag: JsonOpt = False
) -> None:
    """Show one classifier."""
    item = state(ctx).client().classifiers.get(name)
    emit(ctx, json_flag, item, _render.fields([("name", item.name), ("kind", item.kind),
                                              ("definition", _classifier_detail(item))]))


@classifiers_app.command("delete")
def delete_classifier(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Classifier name.")]) -> None:
    """Delete a classifier."""
    typer.echo(f"deleted classifier {state(ctx).client().classifiers.delete(name)}")
