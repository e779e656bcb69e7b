"""`glueworks query` against the live platform: a table, JSON and CSV, and errors that name the problem."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from glueworks.sdk import Client, EntityNotFoundException
from glueworks.sdk.cli import create_cli
from tests.conftest import LiveServer


@pytest.fixture
def database(server: LiveServer) -> Iterator[str]:
    """A database with one JSON table `pets` of three rows."""
    name = "cli_query_db"
    folder = server.root / name / "pets"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"name": "rex", "legs": 4}, {"name": "tweety", "legs": 2}, {"name": "nemo", "legs": 0}]
    (folder / "p.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with Client(server.url, timeout=30) as client:
        with contextlib.suppress(EntityNotFoundException):
            client.catalog.databases.delete(name)
        client.catalog.databases.create(name)
        client.catalog.tables.create(
            name,
            "pets",
            parameters={"classification": "json"},
            storage_descriptor={
                "columns": [{"name": "name", "type": "string"}, {"name": "legs", "type": "int"}],
                "location": str(folder),
            },
        )
        yield name
        client.catalog.databases.delete(name)


def _cli(server: LiveServer, *args: str) -> Result:
    app = create_cli(lambda endpoint, api_key: Client(server.url, api_key, timeout=30))
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_query_prints_a_table(server: LiveServer, database: str) -> None:
    result = _cli(server, "query", "SELECT name, legs FROM pets ORDER BY legs DESC", "--database", database)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "legs"]
    assert [line.split() for line in lines[1:4]] == [["rex", "4"], ["tweety", "2"], ["nemo", "0"]]
    assert lines[4] == "(3 rows)"


def test_query_json_and_csv(server: LiveServer, database: str) -> None:
    sql = f"SELECT name FROM {database}.pets WHERE legs > 0 ORDER BY name"
    as_json = json.loads(_cli(server, "query", sql, "--format", "json").output)
    assert as_json["rows"] == [["rex"], ["tweety"]] and as_json["truncated"] is False
    assert json.loads(_cli(server, "--json", "query", sql).output) == as_json
    as_csv = list(csv.reader(io.StringIO(_cli(server, "query", sql, "--format", "csv").output)))
    assert as_csv == [["name"], ["rex"], ["tweety"]]


def test_query_row_limit_is_reported(server: LiveServer, database: str) -> None:
    result = _cli(server, "query", f"SELECT * FROM {database}.pets", "--max-rows", "1")
    assert result.exit_code == 0
    assert result.output.strip().endswith("(1 row, truncated by the row limit)")


def test_query_errors_name_the_problem(server: LiveServer, database: str) -> None:
    result = _cli(server, "query", f"DELETE FROM {database}.pets")
    assert result.exit_code != 0
    assert "InvalidInputException" in result.output and "sql" in result.output
    missing = _cli(server, "query", "SELECT * FROM pets")
    assert missing.exit_code != 0 and "database" in missing.output
