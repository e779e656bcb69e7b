"""Pieces shared by the CLI's command modules: state, option types, argument parsing, output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from glueworks.sdk import _render
from glueworks.sdk.client import Client
from glueworks.sdk.models import WorkerType

#: Builds the client the CLI uses from the global options `(endpoint, api_key)`; a seam for tests.
ClientFactory = Callable[[str, str | None], Client]

EXIT_RUN_FAILED = 1
EXIT_ERROR = 2

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
ArgsOpt = Annotated[
    list[str] | None,
    typer.Option("--arg", metavar="K=V", help="An argument as KEY=VALUE; repeat for more."),
]
WorkerTypeOpt = Annotated[WorkerType | None, typer.Option("--worker-type", help="Worker type.")]
WorkersOpt = Annotated[
    int | None, typer.Option("--number-of-workers", min=0, help="Number of workers of --worker-type.")
]
CapacityOpt = Annotated[float | None, typer.Option("--max-capacity", min=0, help="Capacity in DPUs.")]
TimeoutMinutesOpt = Annotated[int | None, typer.Option("--timeout", min=0, help="Run timeout in minutes.")]


@dataclass
class CliState:
    """What the root command passes down to every subcommand (as the click context object)."""

    endpoint: str
    api_key: str | None
    json: bool
    factory: ClientFactory
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        """Return the client, creating it on first use (so `--help` never connects)."""
        if self._client is None:
            self._client = self.factory(self.endpoint, self.api_key)
        return self._client

    def close(self) -> None:
        """Close the client if one was created."""
        if self._client is not None:
            self._client.close()
            self._client = None


def state(ctx: typer.Context) -> CliState:
    """Return the CLI state set up by the root command."""
    found = ctx.find_object(CliState)
    if found is None:  # only when a subcommand is invoked without the root group
        raise RuntimeError("the glueworks CLI state is missing; run commands through the root app")
    return found


def parse_pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """Parse repeated `KEY=VALUE` options into a dict (a later key wins).

    Raises:
        typer.BadParameter: A value has no `=` or an empty key.
    """
    pairs: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=option)
        pairs[key] = value
    return pairs


def script_location(client: Client, script: str) -> str:
    """Return a script URL: a URL is kept as is, a local file is uploaded first.

    Raises:
        typer.BadParameter: The value is neither a URL nor an existing file.
    """
    if "://" in script:
        return script
    path = Path(script)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {script}", param_hint="--script")
    upload = client.scripts.upload(path.name, path.read_bytes())
    typer.echo(f"uploaded {path} to {upload.script_location} ({upload.size:,} bytes)", err=True)
    return upload.script_location


def emit(ctx: typer.Context, json_flag: bool, value: BaseModel | Sequence[BaseModel], text: str) -> None:
    """Print `value` as JSON when asked for (by the command's or the global `--json`), else `text`."""
    if json_flag or state(ctx).json:
        typer.echo(_render.to_json(value))
    else:
        typer.echo(text)


def wants_json(ctx: typer.Context, json_flag: bool) -> bool:
    """Return True if JSON output was asked for, by the command's or the global `--json`."""
    return json_flag or state(ctx).json
