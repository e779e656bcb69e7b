"""REST ``/v1/catalog`` batch forms, table versions by id, partition update and search, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import glue_client, unique


@pytest.fixture
def http(any_server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=any_server.url + "/v1/catalog", timeout=30)


def _table(http: httpx.Client, database: str, name: str) -> None:
    body = {
        "name": name,
        "storage_descriptor": {"columns": [{"name": "id", "type": "bigint"}]},
        "partition_keys": [{"name": "day", "type": "string"}],
        "parameters": {"classification": "parquet"},
    }
    assert http.post(f"/databases/{database}/tables", json=body).status_code == 201


def test_batch_partitions_report_each_failure_and_keep_the_rest(any_server: LiveServer, http: httpx.Client) -> None:
    database = unique("Batch")
    assert http.post("/databases", json={"name": database}).status_code == 201
    _table(http, database, "events")
    base = f"/databases/{database}/tables/events/partitions"

    created = http.post(
        base + ":batch-create", json={"partitions": [{"values": ["a"]}, {"values": ["b"]}, {"values": ["a"]}]}
    )
    assert created.status_code == 200, created.text
    assert [(e["values"], e["error"]["code"]) for e in created.json()["errors"]] == [
        (["a"], "AlreadyExistsException")
    ]
    wrong_arity = http.post(base + ":batch-create", json={"partitions": [{"values": ["x", "y"]}]}).json()
    assert wrong_arity["errors"][0]["error"]["code"] == "InvalidInputException"

    got = http.post(base + ":batch-get", json={"values_list": [["a"], ["zz"], ["b"]]}).json()
    assert sorted(p["values"][0] for p in got["partitions"]) == ["a", "b"]

    moved = http.put(
        f"/databases/{database}/tables/events/partition", params={"values": ["b"]}, json={"values": ["c"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["values"] == ["c"]

    deleted = http.post(base + ":batch-delete", json={"values_list": [["a"], ["nope"]]}).json()
    assert [(e["values"], e["error"]["code"]) for e in deleted["errors"]] == [(["nope"], "EntityNotFoundException")]
    glue = glue_client(any_server)
    left = glue.get_partitions(DatabaseName=database, TableName="events")["Partitions"]
    assert [p["Values"] for p in left] == [["c"]]

    not_a_list = http.post(base + ":batch-delete", json={"values_list": "a"})
    assert (not_a_list.status_code, not_a_list.json()["error"]["code"]) == (400, "InvalidInputException")
    assert "values_list" in not_a_list.json()["error"]["message"]


def test_versions_by_id_batch_table_delete_and_search(http: httpx.Client) -> None:
    database = unique("Vers")
    assert http.post("/databases", json={"name": database}).status_code == 201
    _table(http, database, "orders")
    _table(http, database, "clicks")
    table = f"/databases/{database}/tables/orders"
    current = http.get(table).json()
    for description in ("one", "two"):
        body = {k: current[k] for k in ("storage_descriptor", "partition_keys", "parameters")}
        assert http.put(table, json={**body, "description": description}).status_code == 200

    first = http.get(table + "/versions/0")
    assert first.status_code == 200, first.text
    assert first.json()["table"].get("description") is None
    assert http.get(table + "/versions/1").json()["table"]["description"] == "one"
    assert http.delete(table + "/versions/0").status_code == 200
    assert http.get(table + "/versions/0").json()["error"]["code"] == "EntityNotFoundException"
    batch = http.post(table + "/versions:batch-delete", json={"version_ids": ["1", "7"]}).json()
    assert [(e["version_id"], e["error"]["code"]) for e in batch["errors"]] == [("7", "EntityNotFoundException")]

    found = http.post("/search", json={"search_text": "orders"}).json()
    assert (database.lower(), "orders") in {(t["database_name"], t["name"]) for t in found["tables"]}
    bad = http.post("/search", json={"sort_criteria": [{"field_name": "name", "sort": "SIDEWAYS"}]})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "InvalidInputException"

    removed = http.post(f"/databases/{database}/tables:batch-delete", json={"names": ["orders", "ghost"]}).json()
    assert [(e["name"], e["error"]["code"]) for e in removed["errors"]] == [("ghost", "EntityNotFoundException")]
    assert [t["name"] for t in http.get(f"/databases/{database}/tables").json()["tables"]] == ["clicks"]
