"""`client.catalog` and `glueworks catalog` against an in-memory `/v1/catalog` over httpx's MockTransport.

The fake keeps databases, tables and partitions in dicts and pages its lists, so the client builds real
requests (paths, query strings, bodies) and parses real replies. The live server is exercised in
tests/platform/test_catalog_sdk.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from typer.testing import CliRunner, Result

from glueworks.sdk import (
    AlreadyExistsException,
    APIError,
    Client,
    Database,
    EntityNotFoundException,
    Partition,
    Table,
)
from glueworks.sdk.cli import create_cli

_SEG = r"(?P<{}>[^/?]+)"
_DB = r"/v1/catalog/databases/" + _SEG.format("db")
_TBL = _DB + r"/tables/" + _SEG.format("tbl")


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


class FakeCatalog:
    """An in-memory `/v1/catalog`: pages of `page_size`, `expression` on partitions as `key=value`."""

    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.requests: list[httpx.Request] = []
        self.databases: dict[str, dict[str, Any]] = {}
        self.tables: dict[tuple[str, str], dict[str, Any]] = {}
        self.partitions: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def client(self, endpoint: str = "http://127.0.0.1:8080", api_key: str | None = None) -> Client:
        return Client(endpoint, api_key, http_client=httpx.Client(transport=httpx.MockTransport(self.handle)))

    def _page(self, key: str, rows: list[dict[str, Any]], query: dict[str, list[str]]) -> httpx.Response:
        size = int(query.get("max_results", [self.page_size])[0])
        start = int(query.get("next_token", ["0"])[0])
        end = start + size
        token = str(end) if end < len(rows) else None
        return httpx.Response(200, json={key: rows[start:end], "next_token": token})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode().split("?")[0]
        query = parse_qs(request.url.query.decode())
        body: Any = json.loads(request.content) if request.content else {}
        method = request.method
        if path == "/v1/catalog/databases":
            if method == "POST":
                name = body["name"].lower()
                if name in self.databases:
                    return _error(409, "AlreadyExistsException", f"database {name} exists")
                self.databases[name] = {**body, "name": name, "create_time": "2026-11-01T00:00:00Z"}
                return httpx.Response(201, json=self.databases[name])
            return self._page("databases", list(self.databases.values()), query)
        if match := re.fullmatch(_DB, path):
            db = unquote(match["db"])
            if db not in self.databases:
                return _error(404, "EntityNotFoundException", f"database {db} not found")
            if method == "DELETE":
                del self.databases[db]
                return httpx.Response(200, json={"name": db})
            return httpx.Response(200, json=self.databases[db])
        if match := re.fullmatch(_DB + "/tables", path):
            db = unquote(match["db"])
            if method == "POST":
                table = {**body, "database_name": db, "version_id": "0"}
                self.tables[(db, body["name"])] = table
                return httpx.Response(201, json=table)
            pattern = query.get("expression", [".*"])[0]
            rows = [t for (d, n), t in self.tables.items() if d == db and re.fullmatch(pattern, n)]
            return self._page("tables", rows, query)
        if match := re.fullmatch(_TBL + r"(?P<rest>/.*)?", path):
            key = (unquote(match["db"]), unquote(match["tbl"]))
            if key not in self.tables:
                return _error(404, "EntityNotFoundException", f"table {key} not found")
            return self._table(method, key, match["rest"] or "", query, body)
        return _error(404, "EntityNotFoundException", f"no route {method} {path}")

    def _table(
        self, method: str, key: tuple[str, str], rest: str, query: dict[str, list[str]], body: Any
    ) -> httpx.Response:
        table = self.tables[key]
        parts = self.partitions.setdefault(key, [])
        if rest == "" and method == "PUT":
            table.update(body, version_id=str(int(table["version_id"]) + 1))
            return httpx.Response(200, json=table)
        if rest == "" and method == "DELETE":
            del self.tables[key]
            return httpx.Response(200, json={"name": key[1]})
        if rest == "":
            return httpx.Response(200, json=table)
        if rest == "/versions":
            return self._page("versions", [{"table": table, "version_id": table["version_id"]}], query)
        if rest == "/partitions" and method == "POST":
            parts.append({**body, "database_name": key[0], "table_name": key[1]})
            return httpx.Response(201, json=parts[-1])
        if rest == "/partitions":
            names = [k["name"] for k in table.get("partition_keys", [])]
            wanted = dict(pair.split("=") for pair in query.get("expression", [])[:1])
            rows = [
                p for p in parts if all(dict(zip(names, p["values"], strict=True))[k] == v for k, v in wanted.items())
            ]
            return self._page("partitions", rows, query)
        found = [p for p in parts if p["values"] == query.get("values")]
        if not found:
            return _error(404, "EntityNotFoundException", f"partition {query.get('values')} not found")
        if method == "DELETE":
            parts.remove(found[0])
            return httpx.Response(200, json={"values": found[0]["values"]})
        return httpx.Response(200, json=found[0])


@pytest.fixture
def fake() -> FakeCatalog:
    return FakeCatalog()


@pytest.fixture
def client(fake: FakeCatalog) -> Iterator[Client]:
    with fake.client() as client:
        yield client


@pytest.fixture
def sales(client: Client) -> str:
    """Database `sales` with table `events` partitioned by day and region, and three partitions."""
    client.catalog.databases.create("Sales", description="d")
    client.catalog.tables.create(
        "sales",
        "events",
        storage_descriptor={"columns": [{"name": "id", "type": "bigint"}], "location": "s3://b/events/"},
        partition_keys=[{"name": "day", "type": "string"}, {"name": "region", "type": "string"}],
    )
    for day, region in [("1", "eu"), ("2", "us"), ("3", "eu")]:
        client.catalog.partitions.create("sales", "events", [day, region], parameters={"k": day})
    return "sales"


def test_create_sends_snake_case_glue_shapes_and_returns_models(fake: FakeCatalog, client: Client) -> None:
    database = client.catalog.databases.create("Sales", location_uri="s3://b/", parameters={"Team": "bi"})
    assert isinstance(database, Database)
    assert (database.name, database.location_uri, database.parameters) == ("sales", "s3://b/", {"Team": "bi"})
    assert database.create_time is not None and database.create_time.utcoffset() is not None
    sent = fake.requests[-1]
    assert (sent.method, sent.url.path) == ("POST", "/v1/catalog/databases")
    assert json.loads(sent.content) == {"name": "Sales", "location_uri": "s3://b/", "parameters": {"Team": "bi"}}

    table = client.catalog.tables.create("sales", "t", storage_descriptor={"columns": [{"name": "a", "type": "int"}]})
    assert isinstance(table, Table)
    assert [(c.name, c.type) for c in table.columns] == [("a", "int")]
    assert json.loads(fake.requests[-1].content)["storage_descriptor"] == {"columns": [{"name": "a", "type": "int"}]}


def test_iterators_follow_every_page(fake: FakeCatalog, client: Client, sales: str) -> None:
    for name in ("a", "b", "c"):
        client.catalog.databases.create(name)
    assert sorted(d.name for d in client.catalog.databases.iter()) == ["a", "b", "c", "sales"]
    pages = [r for r in fake.requests if r.method == "GET" and r.url.path == "/v1/catalog/databases"]
    assert len(pages) == 2
    assert pages[1].url.params["next_token"] == "2"

    parts = list(client.catalog.partitions.iter(sales, "events", max_results=1))
    assert [p.values for p in parts] == [["1", "eu"], ["2", "us"], ["3", "eu"]]
    assert all(isinstance(p, Partition) and p.parameters == {"k": p.values[0]} for p in parts)


def test_list_sends_expression_and_segments(fake: FakeCatalog, client: Client, sales: str) -> None:
    page = client.catalog.partitions.list(sales, "events", expression="region=eu", segment_number=0, total_segments=2)
    assert [p.values for p in page.partitions] == [["1", "eu"], ["3", "eu"]]
    params = fake.requests[-1].url.params
    assert (params["expression"], params["segment_number"], params["total_segments"]) == ("region=eu", "0", "2")
    assert "max_results" not in params

    client.catalog.tables.create(sales, "other")
    assert [t.name for t in client.catalog.tables.iter(sales, expression="ev.*")] == ["events"]
    assert fake.requests[-1].url.params["expression"] == "ev.*"


def test_one_partition_is_named_by_repeated_values(fake: FakeCatalog, client: Client, sales: str) -> None:
    got = client.catalog.partitions.get(sales, "events", ["2", "us"])
    assert got.values == ["2", "us"]
    assert fake.requests[-1].url.path == "/v1/catalog/databases/sales/tables/events/partition"
    assert fake.requests[-1].url.params.get_list("values") == ["2", "us"]
    assert client.catalog.partitions.delete(sales, "events", ["2", "us"]) == ["2", "us"]
    with pytest.raises(EntityNotFoundException, match="not found"):
        client.catalog.partitions.get(sales, "events", ["2", "us"])


@pytest.mark.parametrize("values", [[], "2024"])
def test_partition_values_must_be_a_non_empty_list(client: Client, values: Any) -> None:
    with pytest.raises(ValueError, match="values"):
        client.catalog.partitions.get("db", "t", values)


def test_names_are_quoted_and_empty_names_refused(fake: FakeCatalog, client: Client) -> None:
    with pytest.raises(EntityNotFoundException):
        client.catalog.tables.get("my db", "a/b")
    assert fake.requests[-1].url.raw_path == b"/v1/catalog/databases/my%20db/tables/a%2Fb"
    with pytest.raises(ValueError, match="database"):
        client.catalog.databases.get("")


def test_update_table_sends_version_guard_and_versions_list(fake: FakeCatalog, client: Client, sales: str) -> None:
    updated = client.catalog.tables.update(sales, "events", version_id="0", skip_archive=True, description="v2")
    assert (updated.version_id, updated.description) == ("1", "v2")
    sent = fake.requests[-1]
    assert (sent.method, sent.url.params["version_id"], sent.url.params["skip_archive"]) == ("PUT", "0", "true")
    assert json.loads(sent.content) == {"description": "v2"}
    assert [v.version_id for v in client.catalog.tables.iter_versions(sales, "events")] == ["1"]


def test_errors_map_to_typed_exceptions(client: Client, sales: str) -> None:
    with pytest.raises(AlreadyExistsException):
        client.catalog.databases.create(sales)
    assert client.catalog.tables.delete(sales, "events") == "events"
    with pytest.raises(EntityNotFoundException):
        client.catalog.tables.get(sales, "events")
    assert client.catalog.databases.delete(sales) == sales


def test_repeated_next_token_is_an_error(fake: FakeCatalog, client: Client) -> None:
    client.catalog.databases.create("a")
    client.catalog.databases.create("b")
    fake.page_size = 1
    original = fake._page

    def stuck(key: str, rows: list[dict[str, Any]], query: dict[str, list[str]]) -> httpx.Response:
        return original(key, rows, {})  # ignores the token: the same page again

    fake._page = stuck  # type: ignore[method-assign]
    with pytest.raises(APIError, match="same next_token"):
        list(client.catalog.databases.iter())


def _cli(fake: FakeCatalog, *args: str) -> Result:
    result = CliRunner().invoke(create_cli(lambda endpoint, api_key: fake.client(endpoint, api_key)), list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_cli_databases(fake: FakeCatalog) -> None:
    made = _cli(fake, "catalog", "databases", "create", "Sales", "--description", "d", "--param", "a=1")
    assert made.exit_code == 0, made.output
    assert made.output.splitlines()[0] == "created database sales"
    assert fake.databases["sales"]["parameters"] == {"a": "1"}
    listed = _cli(fake, "catalog", "databases", "list")
    assert listed.output.splitlines()[0].split() == ["NAME", "DESCRIPTION", "LOCATION", "CREATED"]
    assert listed.output.splitlines()[1].split()[:2] == ["sales", "d"]
    shown = _cli(fake, "--json", "catalog", "databases", "get", "sales")
    assert json.loads(shown.output)["description"] == "d"
    bad = _cli(fake, "catalog", "databases", "create", "x", "--param", "novalue")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
    assert _cli(fake, "catalog", "databases", "delete", "sales").output.strip() == "deleted database sales"
    missing = _cli(fake, "catalog", "databases", "get", "sales")
    assert missing.exit_code == 2 and "EntityNotFoundException" in missing.output
    assert _cli(fake, "catalog", "databases", "list").output.strip() == "no databases"


def test_cli_tables_and_partitions(fake: FakeCatalog, client: Client, sales: str) -> None:
    tables = _cli(fake, "catalog", "tables", "list", sales, "--expression", "ev.*")
    assert tables.exit_code == 0, tables.output
    assert "day string, region string" in tables.output.splitlines()[1]
    shown = _cli(fake, "catalog", "tables", "get", sales, "events")
    assert "s3://b/events/" in shown.output and "id bigint" in shown.output
    versions = _cli(fake, "catalog", "tables", "versions", sales, "events", "--json")
    assert [v["version_id"] for v in json.loads(versions.output)] == ["0"]
    parts = _cli(fake, "catalog", "partitions", "list", sales, "events", "--expression", "region=eu", "--json")
    assert [p["values"] for p in json.loads(parts.output)] == [["1", "eu"], ["3", "eu"]]
    limited = _cli(fake, "catalog", "partitions", "list", sales, "events", "--limit", "1")
    assert [line.split(",")[0] for line in limited.output.splitlines()[1:]] == ["1"]
    assert _cli(fake, "catalog", "tables", "delete", sales, "events").output.strip() == "deleted table sales.events"
    empty = _cli(fake, "catalog", "tables", "list", sales)
    assert empty.output.strip() == "no tables in sales"
