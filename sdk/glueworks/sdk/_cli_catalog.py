"""`glueworks catalog ...`: browse and manage the Data Catalog (databases, tables, partitions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from glueworks.sdk import _render
from glueworks.sdk._cli_common import JsonOpt, emit, parse_pairs, state
from glueworks.sdk.models_catalog import Column, Database, Partition, Table, TableVersion

__all__ = ["app"]

app = typer.Typer(name="catalog", help="Browse and manage the Data Catalog.", no_args_is_help=True)
databases_app = typer.Typer(name="databases", help="List, create, show and delete databases.", no_args_is_help=True)
tables_app = typer.Typer(
    name="tables", help="List, show and delete tables, and list their versions.", no_args_is_help=True
)
partitions_app = typer.Typer(name="partitions", help="List the partitions of a table.", no_args_is_help=True)
app.add_typer(databases_app)
app.add_typer(tables_app)
app.add_typer(partitions_app)

DatabaseArg = Annotated[str, typer.Argument(help="Database name.", show_default=False)]
TableArg = Annotated[str, typer.Argument(help="Table name.", show_default=False)]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many.")]


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _location(descriptor: dict[str, Any] | None) -> str:
    return _opt((descriptor or {}).get("location"))


def _keys(columns: Sequence[Column] | None) -> str:
    return ", ".join(f"{c.name} {_opt(c.type)}" for c in columns or ()) or "-"


def _pairs(mapping: dict[str, str] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((mapping or {}).items())) or "-"


def _take(items: Any, limit: int | None) -> list[Any]:
    """The first `limit` items of an iterator (all when None), fetching no page more than needed."""
    taken: list[Any] = []
    for item in items:
        if limit is not None and len(taken) >= limit:
            break
        taken.append(item)
    return taken


def _database_fields(database: Database) -> str:
    return _render.fields(
        [
            ("name", database.name),
            ("description", _opt(database.description)),
            ("location", _opt(database.location_uri)),
            ("parameters", _pairs(database.parameters)),
            ("created", _render.when(database.create_time)),
        ]
    )


def _table_fields(table: Table) -> str:
    return _render.fields(
        [
            ("name", f"{_opt(table.database_name)}.{table.name}"),
            ("type", _opt(table.table_type)),
            ("description", _opt(table.description)),
            ("location", _location(table.storage_descriptor)),
            ("columns", _keys(table.columns)),
            ("partition keys", _keys(table.partition_keys)),
            ("parameters", _pairs(table.parameters)),
            ("version", _opt(table.version_id)),
            ("created", _render.when(table.create_time)),
            ("updated", _render.when(table.update_time)),
        ]
    )


@databases_app.command("list")
def list_databases(ctx: typer.Context, limit: LimitOpt = None, json_flag: JsonOpt = False) -> None:
    """List databases (all pages, or --limit of them)."""
    rows: list[Database] = _take(state(ctx).client().catalog.databases.iter(), limit)
    text = _render.table(
        ["NAME", "DESCRIPTION", "LOCATION", "CREATED"],
        [[d.name, _opt(d.description), _opt(d.location_uri), _render.when(d.create_time)] for d in rows],
    )
    emit(ctx, json_flag, rows, text if rows else "no databases")


@databases_app.command("create")
def create_database(
    ctx: typer.Context,
    name: DatabaseArg,
    description: Annotated[str | None, typer.Option("--description", help="Free text.")] = None,
    location_uri: Annotated[str | None, typer.Option("--location-uri", help="Where the data lives.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", metavar="K=V", help="A parameter as KEY=VALUE; repeat for more.")
    ] = None,
    json_flag: JsonOpt = False,
) -> None:
    """Create a database."""
    fields: dict[str, Any] = {"description": description, "location_uri": location_uri}
    fields = {k: v for k, v in fields.items() if v is not None}
    if param:
        fields["parameters"] = parse_pairs(param, "--param")
    database = state(ctx).client().catalog.databases.create(name, **fields)
    emit(ctx, json_flag, database, f"created database {database.name}\n{_database_fields(database)}")


@databases_app.command("get")
def get_database(ctx: typer.Context, name: DatabaseArg, json_flag: JsonOpt = False) -> None:
    """Show one database."""
    database = state(ctx).client().catalog.databases.get(name)
    emit(ctx, json_flag, database, _database_fields(database))


@databases_app.command("delete")
def delete_database(ctx: typer.Context, name: DatabaseArg) -> None:
    """Delete a database with its tables and partitions."""
    typer.echo(f"deleted database {state(ctx).client().catalog.databases.delete(name)}")


@tables_app.command("list")
def list_tables(
    ctx: typer.Context,
    database: DatabaseArg,
    expression: Annotated[
        str | None,
        typer.Option(
            "--expression", help="Regular expression matching whole table names, e.g. 'events_.*'.", show_default=False
        ),
    ] = None,
    limit: LimitOpt = None,
    json_flag: JsonOpt = False,
) -> None:
    """List the tables of a database."""
    rows: list[Table] = _take(state(ctx).client().catalog.tables.iter(database, expression=expression), limit)
    text = _render.table(
        ["NAME", "TYPE", "PARTITION KEYS", "VERSION", "UPDATED"],
        [
            [t.name, _opt(t.table_type), _keys(t.partition_keys), _opt(t.version_id), _render.when(t.update_time)]
            for t in rows
        ],
    )
    emit(ctx, json_flag, rows, text if rows else f"no tables in {database}")


@tables_app.command("get")
def get_table(ctx: typer.Context, database: DatabaseArg, table: TableArg, json_flag: JsonOpt = False) -> None:
    """Show one table."""
    found = state(ctx).client().catalog.tables.get(database, table)
    emit(ctx, json_flag, found, _table_fields(found))


@tables_app.command("delete")
def delete_table(ctx: typer.Context, database: DatabaseArg, table: TableArg) -> None:
    """Delete a table with its partitions."""
    typer.echo(f"deleted table {database}.{state(ctx).client().catalog.tables.delete(database, table)}")


@tables_app.command("versions")
def table_versions(
    ctx: typer.Context, database: DatabaseArg, table: TableArg, limit: LimitOpt = None, json_flag: JsonOpt = False
) -> None:
    """List the versions of a table's definition."""
    rows: list[TableVersion] = _take(state(ctx).client().catalog.tables.iter_versions(database, table), limit)
    text = _render.table(
        ["VERSION", "UPDATED", "COLUMNS", "PARTITION KEYS"],
        [
            [
                _opt(v.version_id),
                _render.when(v.table.update_time if v.table else None),
                _keys(v.table.columns if v.table else None),
                _keys(v.table.partition_keys if v.table else None),
            ]
            for v in rows
        ],
    )
    emit(ctx, json_flag, rows, text if rows else f"no versions of {database}.{table}")


@partitions_app.command("list")
def list_partitions(
    ctx: typer.Context,
    database: DatabaseArg,
    table: TableArg,
    expression: Annotated[
        str | None,
        typer.Option("--expression", help="Partition filter, e.g. \"day >= '2026-11-01'\".", show_default=False),
    ] = None,
    limit: LimitOpt = None,
    json_flag: JsonOpt = False,
) -> None:
    """List the partitions of a table, optionally filtered by --expression."""
    rows: list[Partition] = _take(
        state(ctx).client().catalog.partitions.iter(database, table, expression=expression), limit
    )
    text = _render.table(
        ["VALUES", "LOCATION", "CREATED"],
        [[", ".join(p.values), _location(p.storage_descriptor), _render.when(p.creation_time)] for p in rows],
    )
    emit(ctx, json_flag, rows, text if rows else f"no partitions in {database}.{table}")
