"""`glueworks query "SELECT ..."`: read-only SQL over the Data Catalog's tables, printed as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import state
from glueworks.sdk._query import QueryResult

__all__ = ["OutputFormat", "query"]


class OutputFormat(StrEnum):
    """How `glueworks query` prints rows."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(result: QueryResult, output: OutputFormat) -> str:
    """The rows of `result` as text in `output` format (the JSON form is the whole result body)."""
    names = [c.name for c in result.columns]
    if output is OutputFormat.JSON:
        return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2)
    if output is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([[_cell(v) for v in row] for row in result.rows])
        return buffer.getvalue().rstrip("\n")
    text = _render.table(names, [[_cell(v) for v in row] for row in result.rows])
    note = f"({result.row_count} row{'s' if result.row_count != 1 else ''}"
    note += ", truncated by the row limit)" if result.truncated else ")"
    return f"{text}\n{note}"


def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One SELECT query over catalog tables.", show_default=False)],
    database: Annotated[
        str | None,
        typer.Option("--database", "-d", help="Database of unqualified table names.", show_default=False),
    ] = None,
    max_rows: Annotated[
        int | None,
        typer.Option("--max-rows", min=1, help="Most rows to return [default: the server's].", show_default=False),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", min=0.001, help="Seconds the query may run [default: the server's].",
                     show_default=False),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """Run SQL over catalog tables (DuckDB on the platform); only a single SELECT is accepted."""
    cli = state(ctx)
    result = cli.client().query(sql, database=database, max_rows=max_rows, timeout_seconds=timeout)
    typer.echo(render(result, OutputFormat.JSON if cli.json else output))
