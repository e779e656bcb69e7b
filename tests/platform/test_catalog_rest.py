"""REST ``/v1/catalog`` over httpx, on SQLite and PostgreSQL: the same services as the Glue door, snake_case."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import glue_client, unique


@pytest.fixture
def http(any_server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=any_server.url + "/v1/catalog", timeout=30)


def test_rest_catalog_round_trip_seen_by_the_glue_door(any_server: LiveServer, http: httpx.Client) -> None:
    database = unique("Rest")
    answer = http.post("/databases", json={"name": database, "parameters": {"Owner_Key": "bi"}})
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == database.lower()
    assert answer.json()["parameters"] == {"Owner_Key": "bi"}  # map keys are kept as given

    table = {
        "name": "events",
        "storage_descriptor": {"columns": [{"name": "id", "type": "bigint"}], "serde_info": {"name": "s"}},
        "partition_keys": [{"name": "day", "type": "date"}],
    }
    created = http.post(f"/databases/{database}/tables", json=table)
    assert created.status_code == 201, created.text
    assert created.json()["storage_descriptor"]["serde_info"] == {"name": "s"}
    assert created.json()["version_id"] == "0"

    for day in ("2024-01-01", "2024-01-02", "2024-02-01"):
        made = http.post(f"/databases/{database}/tables/events/partitions", json={"values": [day]})
        assert made.status_code == 201, made.text
    listed = http.get(
        f"/databases/{database}/tables/events/partitions", params={"expression": "day >= '2024-01-02'"}
    ).json()
    assert [p["values"] for p in listed["partitions"]] == [["2024-01-02"], ["2024-02-01"]]

    glue = glue_client(any_server)
    got = glue.get_partition(DatabaseName=database, TableName="events", PartitionValues=["2024-01-01"])
    assert got["Partition"]["Values"] == ["2024-01-01"]

    # PUT replaces the definition, as UpdateTable does: the body restates the partition keys.
    updated = http.put(
        f"/databases/{database}/tables/events", params={"version_id": "0"}, json={**table, "description": "d"}
    )
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["version_id"], updated.json()["description"]) == ("1", "d")
    stale = http.put(f"/databases/{database}/tables/events", params={"version_id": "0"}, json={})
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "ConcurrentModificationException")

    deleted = http.delete(f"/databases/{database}/tables/events/partition", params={"values": ["2024-01-01"]})
    assert deleted.status_code == 200, deleted.text
    missing = http.get(f"/databases/{database}/tables/events/partition", params={"values": ["2024-01-01"]})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "EntityNotFoundException")


def test_rest_errors_name_the_field(http: httpx.Client) -> None:
    database = unique("bad")
    unknown = http.post("/databases", json={"name": database, "colour": "red"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"].startswith("colour: unknown member")
    http.post("/databases", json={"name": database})
    wrong = http.post(f"/databases/{database}/tables", json={"name": "t", "partition_keys": [{"type": "int"}]})
    assert wrong.status_code == 400
    assert "TableInput.PartitionKeys[0].Name" in wrong.json()["error"]["message"]
    expression = http.get(f"/databases/{database}/tables/t/partitions", params={"expression": "x = 1"})
    assert expression.json()["error"]["code"] == "EntityNotFoundException"  # no such table yet
    http.post(f"/databases/{database}/tables", json={"name": "t", "partition_keys": [{"name": "n", "type": "int"}]})
    expression = http.get(f"/databases/{database}/tables/t/partitions", params={"expression": "x = 1"})
    assert expression.status_code == 400
    assert "'x' is not a partition key" in expression.json()["error"]["message"]
