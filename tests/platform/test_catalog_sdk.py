"""The SDK's `client.catalog` and `glueworks catalog` end to end, against the live platform."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from glueworks.sdk import Client, EntityNotFoundException, InvalidInputException
from glueworks.sdk.cli import create_cli
from tests.conftest import LiveServer
from tests.platform.glue_helpers import unique

DAYS = ("2024-01-01", "2024-01-02", "2024-02-01")


@pytest.fixture
def client(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, timeout=30) as client:
        yield client


@pytest.fixture
def events(client: Client) -> Iterator[str]:
    """A database holding a table `events` partitioned by day and region, with three partitions."""
    database = unique("sdk")
    client.catalog.databases.create(database, description="from the sdk", parameters={"Owner": "bi"})
    client.catalog.tables.create(
        database,
        "events",
        table_type="EXTERNAL_TABLE",
        storage_descriptor={"columns": [{"name": "id", "type": "bigint"}], "location": "s3://bucket/events/"},
        partition_keys=[{"name": "day", "type": "string"}, {"name": "region", "type": "string"}],
    )
    for day in DAYS:
        client.catalog.partitions.create(
            database, "events", [day, "eu"], storage_descriptor={"location": f"s3://bucket/events/{day}/eu/"}
        )
    yield database.lower()
    with contextlib.suppress(EntityNotFoundException):  # the test may have deleted it itself
        client.catalog.databases.delete(database)


def _cli(server: LiveServer, *args: str) -> Result:
    app = create_cli(lambda endpoint, api_key: Client(server.url, api_key, timeout=30))
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_sdk_catalog_round_trip(client: Client, events: str) -> None:
    database = client.catalog.databases.get(events)
    assert (database.name, database.description, database.parameters) == (events, "from the sdk", {"Owner": "bi"})
    assert database.create_time is not None and database.create_time.tzinfo is not None
    assert events in [d.name for d in client.catalog.databases.iter(max_results=1)]

    table = client.catalog.tables.get(events, "events")
    assert [k.name for k in table.partition_keys or []] == ["day", "region"]
    assert [(c.name, c.type) for c in table.columns] == [("id", "bigint")]
    assert (table.version_id, table.table_type) == ("0", "EXTERNAL_TABLE")
    assert [t.name for t in client.catalog.tables.iter(events, expression="EV.*")] == ["events"]
    assert list(client.catalog.tables.iter(events, expression="ev")) == []

    found = client.catalog.partitions.iter(events, "events", expression="day >= '2024-01-02'", max_results=1)
    assert sorted(p.values for p in found) == [["2024-01-02", "eu"], ["2024-02-01", "eu"]]
    got = client.catalog.partitions.get(events, "events", ["2024-01-01", "eu"])
    assert got.storage_descriptor is not None
    assert got.storage_descriptor["location"] == "s3://bucket/events/2024-01-01/eu/"

    updated = client.catalog.tables.update(
        events,
        "events",
        version_id="0",
        description="v2",
        storage_descriptor={"columns": [{"name": "id", "type": "bigint"}, {"name": "kind", "type": "string"}]},
        partition_keys=[{"name": "day", "type": "string"}, {"name": "region", "type": "string"}],
    )
    assert (updated.version_id, updated.description) == ("1", "v2")
    versions = [v.version_id for v in client.catalog.tables.iter_versions(events, "events")]
    assert sorted(versions, key=lambda v: int(v or "-1")) == ["0", "1"]

    assert client.catalog.partitions.delete(events, "events", ["2024-01-01", "eu"]) == ["2024-01-01", "eu"]
    with pytest.raises(EntityNotFoundException):
        client.catalog.partitions.get(events, "events", ["2024-01-01", "eu"])
    assert client.catalog.tables.delete(events, "events") == "events"
    assert client.catalog.databases.delete(events) == events
    with pytest.raises(EntityNotFoundException):
        client.catalog.databases.get(events)


def test_sdk_catalog_bad_input_names_the_member(client: Client, events: str) -> None:
    with pytest.raises(InvalidInputException, match="colums"):
        client.catalog.tables.create(events, "bad", storage_descriptor={"colums": []})
    with pytest.raises(InvalidInputException):
        list(client.catalog.partitions.iter(events, "events", expression="day >>> 'x'"))


def test_cli_catalog_against_the_live_server(server: LiveServer, events: str) -> None:
    created = _cli(server, "catalog", "databases", "create", unique("cli"), "--param", "team=bi", "--json")
    assert created.exit_code == 0, created.output
    made = json.loads(created.output)
    assert made["parameters"] == {"team": "bi"}

    listed = _cli(server, "catalog", "databases", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert {events, made["name"]} <= {d["name"] for d in json.loads(listed.output)}

    tables = _cli(server, "catalog", "tables", "list", events, "--expression", "ev.*|other")
    assert tables.exit_code == 0, tables.output
    assert "events" in tables.output and "day string, region string" in tables.output

    shown = _cli(server, "catalog", "tables", "get", events, "events")
    assert shown.exit_code == 0, shown.output
    assert "s3://bucket/events/" in shown.output

    versions = _cli(server, "catalog", "tables", "versions", events, "events", "--json")
    assert versions.exit_code == 0, versions.output
    assert [v["version_id"] for v in json.loads(versions.output)] == ["0"]

    parts = _cli(server, "catalog", "partitions", "list", events, "events", "--expression", "day < '2024-02-01'")
    assert parts.exit_code == 0, parts.output
    lines = parts.output.splitlines()
    assert lines[0].split() == ["VALUES", "LOCATION", "CREATED"]
    assert sorted(line.split()[0] for line in lines[1:]) == ["2024-01-01,", "2024-01-02,"]

    bad = _cli(server, "catalog", "partitions", "list", events, "events", "--expression", "nokey = 'x'")
    assert bad.exit_code == 2
    assert "InvalidInputException" in bad.output

    assert _cli(server, "catalog", "tables", "delete", events, "events").exit_code == 0
    gone = _cli(server, "catalog", "tables", "get", events, "events")
    assert (gone.exit_code, "EntityNotFoundException" in gone.output) == (2, True)
    deleted = _cli(server, "catalog", "databases", "delete", made["name"])
    assert deleted.output.strip() == f"deleted database {made['name']}"


def test_batch_calls_versions_and_search_through_the_sdk(client: Client, events: str) -> None:
    partitions = client.catalog.partitions
    result = partitions.create_many(events, "events", [{"values": ["2024-03-01", "eu"]}, {"values": [DAYS[0], "eu"]}])
    assert [(e.values, e.code) for e in result.errors] == [([DAYS[0], "eu"], "AlreadyExistsException")]
    found = partitions.get_many(events, "events", [["2024-03-01", "eu"], ["1999-01-01", "eu"]])
    assert [p.values for p in found] == [["2024-03-01", "eu"]]
    moved = partitions.update(events, "events", ["2024-03-01", "eu"], new_values=["2024-03-02", "eu"])
    assert moved.values == ["2024-03-02", "eu"]
    gone = partitions.delete_many(events, "events", [["2024-03-02", "eu"], ["2024-03-01", "eu"]])
    assert [e.values for e in gone.errors] == [["2024-03-01", "eu"]]

    tables = client.catalog.tables
    keys = [key.model_dump(exclude_none=True) for key in tables.get(events, "events").partition_keys or []]
    tables.update(events, "events", description="v1", partition_keys=keys)
    assert tables.get_version(events, "events", "0").table is not None
    assert [e.version_id for e in tables.delete_versions(events, "events", ["0", "9"]).errors] == ["9"]
    with pytest.raises(EntityNotFoundException):
        tables.get_version(events, "events", "0")
    hits = tables.search(events, filters=[{"key": "DatabaseName", "value": events.lower()}])
    assert [(t.database_name, t.name) for t in hits.tables] == [(events.lower(), "events")]
    assert [e.name for e in tables.delete_many(events, ["events", "ghost"]).errors] == ["ghost"]
