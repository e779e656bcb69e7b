"""The `glueworks` command line: a thin shell over `glueworks.sdk.Client`.

Every command parses its options, makes one or a few client calls and renders the result: a table or a
key/value block by default, JSON with `--json` (on the command, or globally before it).

Exit codes: 0 success; 1 the run ended in a state other than SUCCEEDED (or a wait timed out); 2 an API,
connection or usage error, printed to stderr as `error: <Code>: <message>`.

Example:
    $ glueworks jobs create --name nightly --script etl.py --worker-type G.1X --number-of-workers 2
    $ glueworks runs start nightly --arg --day=2026-11-01 --wait
    $ glueworks catalog partitions list sales events --expression "day >= '2026-11-01'"

`glueworks server` and `glueworks demo` need the platform extra, and `glueworks run-local` the runtime extra;
each is imported only when its command runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from typer.core import TyperGroup

from glueworks.sdk import _cli_catalog, _cli_crawlers, _cli_jobs, _cli_orchestration, _cli_query, _cli_runs
from glueworks.sdk._cli_common import (
    EXIT_ERROR,
    EXIT_RUN_FAILED,
    ClientFactory,
    CliState,
    JsonOpt,
    emit,
    state,
)
from glueworks.sdk._constants import DEFAULT_ENDPOINT
from glueworks.sdk.client import Client
from glueworks.sdk.errors import GlueworksError, WaitTimeoutError

__all__ = ["ClientFactory", "create_cli", "main"]

_PLATFORM_HINT = "pip install 'glueworks[platform]'"


class _ErrorReportingGroup(TyperGroup):
    """Root group that turns SDK errors into a one-line message and an exit code, instead of a traceback."""

    # `Any`: the base class types this with the click Context it is built on, which differs by typer version.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WaitTimeoutError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_RUN_FAILED) from exc
        except GlueworksError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_ERROR) from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}" for err in exc.errors()
            )
            typer.echo(f"error: InvalidInputException: {problems}", err=True)
            raise typer.Exit(EXIT_ERROR) from exc


def _default_factory(endpoint: str, api_key: str | None) -> Client:
    return Client(endpoint, api_key)


def _import_platform(module: str, command: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing == "glueworks" or missing.startswith("glueworks."):
            # Our own module is missing or broken: an extra would not help, so do not suggest one.
            typer.echo(f"error: `glueworks {command}` cannot import {module}: {exc}", err=True)
        else:
            typer.echo(
                f"error: `glueworks {command}` needs the platform extra ({exc}).\nInstall it with: {_PLATFORM_HINT}",
                err=True,
            )
        raise typer.Exit(EXIT_ERROR) from exc


def _server(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to listen on [default: from settings, 127.0.0.1].", show_default=False),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=0, max=65535, help="Port to listen on [default: from settings, 8080].", show_default=False
        ),
    ] = None,
) -> None:
    """Run the glueworks platform server (needs the platform extra). Settings come from GLUEWORKS_* variables."""
    _import_platform("glueworks.platform.server", "server").main(host, port)


def _scheduler() -> None:
    """Run the trigger scheduler as its own process (needs the platform extra); servers then use
    GLUEWORKS_SCHEDULER__ROLE=dispatch. Settings come from GLUEWORKS_* variables."""
    _import_platform("glueworks.platform.scheduling.process", "scheduler").main()


def _demo() -> None:
    """Run the glueworks demo (needs the platform extra)."""
    _import_platform("glueworks.platform.demo", "demo").main()


_RUNTIME_HINT = "pip install 'glueworks[runtime]'"


def _run_local(
    script: Annotated[str, typer.Argument(help="The Glue script to run.", show_default=False)],
    args: Annotated[
        list[str] | None,
        typer.Argument(help="The script's arguments, e.g. --input_path data/ (passed as given).", show_default=False),
    ] = None,
    error_records: Annotated[
        str | None,
        typer.Option(
            "--error-records",
            help="File or folder for the error records [default: .glueworks/local-runs/<run id>/errors.jsonl].",
            show_default=False,
        ),
    ] = None,
    parallelism: Annotated[int, typer.Option("--parallelism", min=1, help="Threads the local executor uses.")] = 2,
    catalog_url: Annotated[
        str | None,
        typer.Option("--catalog-url", help="A platform whose Data Catalog from_catalog uses.", show_default=False),
    ] = None,
    catalog_key: Annotated[
        str | None,
        typer.Option("--catalog-key", envvar="GLUEWORKS_API_KEY", help="API key of --catalog-url.", show_default=False),
    ] = None,
) -> None:
    """Run a Glue script on this machine with the local executor, no server (needs the runtime extra).

    run-local's own options go before the script; everything after it is passed to the script.
    """
    try:
        local_run = importlib.import_module("glueworks.runtime.local_run")
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing == "glueworks" or missing.startswith("glueworks."):
            typer.echo(f"error: `glueworks run-local` cannot import glueworks.runtime.local_run: {exc}", err=True)
        else:
            typer.echo(
                f"error: `glueworks run-local` needs the runtime extra ({exc}).\nInstall it with: {_RUNTIME_HINT}",
                err=True,
            )
        raise typer.Exit(EXIT_ERROR) from exc
    status = local_run.main(
        script,
        list(args or []),
        error_records_location=error_records,
        max_parallelism=parallelism,
        catalog_url=catalog_url,
        catalog_key=catalog_key,
    )
    if status:
        raise typer.Exit(status)


def _health(ctx: typer.Context, json_flag: JsonOpt = False) -> None:
    """Check that the server answers, and show its version."""
    cli = state(ctx)
    health = cli.client().health()
    emit(ctx, json_flag, health, f"{health.status}: glueworks {health.version} at {cli.endpoint}")


def create_cli(client_factory: ClientFactory | None = None) -> typer.Typer:
    """Build the `glueworks` command-line app.

    Args:
        client_factory: Builds the client from `(endpoint, api_key)`; defaults to `Client(endpoint,
            api_key)`. Tests pass one that returns a client over an in-process transport.

    Returns:
        The Typer app; call it, or invoke it with `typer.testing.CliRunner`.
    """
    factory = client_factory or _default_factory
    app = typer.Typer(
        name="glueworks",
        cls=_ErrorReportingGroup,
        help="glueworks: serverless ETL on Ray. Manage jobs and runs on a glueworks platform.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        ctx: typer.Context,
        endpoint: Annotated[
            str, typer.Option("--endpoint", envvar="GLUEWORKS_ENDPOINT", help="Base URL of the platform.")
        ] = DEFAULT_ENDPOINT,
        api_key: Annotated[
            str | None,
            typer.Option(
                "--api-key", envvar="GLUEWORKS_API_KEY", help="API key (not needed on loopback).", show_default=False
            ),
        ] = None,
        json_flag: JsonOpt = False,
    ) -> None:
        cli = CliState(endpoint=endpoint, api_key=api_key, json=json_flag, factory=factory)
        ctx.obj = cli
        ctx.call_on_close(cli.close)

    app.add_typer(_cli_jobs.app)
    app.add_typer(_cli_runs.app)
    app.add_typer(_cli_catalog.app)
    app.add_typer(_cli_orchestration.workflows_app)  # docs/scheduling.md
    app.add_typer(_cli_orchestration.triggers_app)
    app.add_typer(_cli_crawlers.app)
    app.command("query")(_cli_query.query)
    app.command("health")(_health)
    app.command("server")(_server)
    app.command("scheduler")(_scheduler)
    app.command("demo")(_demo)
    app.command(
        "run-local",
        context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    )(_run_local)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `glueworks` console script.

    Args:
        argv: Arguments without the program name; None reads them from `sys.argv`.
    """
    create_cli()(args=list(argv) if argv is not None else None, prog_name="glueworks")
