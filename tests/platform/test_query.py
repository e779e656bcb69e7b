"""SQL over catalog tables (`POST /v1/query`, `client.query`) against the live platform on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from glueworks.platform.errors import EntityNotFoundError
from glueworks.sdk import Client, EntityNotFoundException, InvalidInputException, OperationTimeoutException
from tests.conftest import LiveServer
from tests.platform.glue_helpers import unique

ARROW = "application/vnd.apache.arrow.stream"
MONTHS = [(2026, "10"), (2026, "11"), (2025, "12")]


@pytest.fixture
def client(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, timeout=60) as client:
        yield client


@pytest.fixture
def lake(server: LiveServer, client: Client) -> Iterator[tuple[str, Path]]:
    """A database with `sales` (parquet, partitioned by year int and month string), `people` (csv with a
    header) and `events` (JSON lines); the files live under the server's allowed root."""
    database = unique("sql").lower().replace("-", "_")
    root = server.root / database
    client.catalog.databases.create(database)
    sales = root / "sales"
    next_id = 0
    for year, month in MONTHS:
        folder = sales / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        ids = list(range(next_id, next_id + 5))
        next_id += 5
        pq.write_table(pa.table({"id": ids, "amount": [i * 2.5 for i in ids]}), folder / "part-0.parquet")
    client.catalog.tables.create(
        database,
        "sales",
        parameters={"classification": "parquet"},
        storage_descriptor={
            "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}],
            "location": str(sales),
        },
        partition_keys=[{"name": "year", "type": "int"}, {"name": "month", "type": "string"}],
    )
    for year, month in MONTHS:
        client.catalog.partitions.create(
            database,
            "sales",
            [str(year), month],
            storage_descriptor={"location": str(sales / f"year={year}" / f"month={month}")},
        )
    people = root / "people"
    people.mkdir(parents=True)
    (people / "a.csv").write_text("name;age\nada;36\nalan;41\n")
    client.catalog.tables.create(
        database,
        "people",
        parameters={"classification": "csv", "skip.header.line.count": "1"},
        storage_descriptor={
            "columns": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}],
            "location": str(people),
            "serde_info": {"parameters": {"field.delim": ";"}},
        },
    )
    events = root / "events"
    events.mkdir(parents=True)
    (events / "e.json").write_text('{"kind": "click", "n": 1}\n{"kind": "view", "n": 2}\n{"kind": "click", "n": 3}\n')
    client.catalog.tables.create(
        database,
        "events",
        parameters={"classification": "json"},
        storage_descriptor={
            "columns": [{"name": "kind", "type": "string"}, {"name": "n", "type": "bigint"}],
            "location": str(events),
        },
    )
    yield database, root
    with contextlib.suppress(EntityNotFoundException):
        client.catalog.databases.delete(database)


def test_results_match_pyarrow(client: Client, lake: tuple[str, Path]) -> None:
    database, root = lake
    result = client.query(f"SELECT id, amount, year, month FROM {database}.sales ORDER BY id")
    expected = ds.dataset(root / "sales", format="parquet", partitioning="hive").to_table()
    rows = sorted(
        [r["id"], r["amount"], r["year"], str(r["month"])]
        for r in expected.to_pylist()
    )
    assert result.rows == rows
    assert [c.name for c in result.columns] == ["id", "amount", "year", "month"]
    assert [c.type for c in result.columns] == ["int64", "double", "int32", "string"]
    assert result.truncated is False and result.row_count == 15

    people = client.query("SELECT name, age FROM people ORDER BY age DESC", database=database)
    assert people.records() == [{"name": "alan", "age": 41}, {"name": "ada", "age": 36}]
    events = client.query(
        "WITH c AS (SELECT kind, sum(n) AS total FROM events GROUP BY kind) SELECT * FROM c ORDER BY kind",
        database=database,
    )
    assert events.rows == [["click", 4], ["view", 2]]


def test_partition_pruning_reads_only_matching_partitions(server: LiveServer, lake: tuple[str, Path]) -> None:
    database, root = lake
    # A corrupt file in a partition the WHERE excludes: reading it would fail the query.
    (root / "sales" / "year=2025" / "month=12" / "broken.parquet").write_bytes(b"not parquet at all")
    platform = server.platform
    pruned = platform.query.run(  # type: ignore[attr-defined]
        "default", f"SELECT count(*) AS n, min(id) AS low FROM {database}.sales WHERE year = 2026 AND month = '11'"
    )
    assert pruned.table.to_pylist() == [{"n": 5, "low": 5}]
    assert pruned.files_read == 1
    both = platform.query.run(  # type: ignore[attr-defined]
        "default", f"SELECT count(*) AS n FROM {database}.sales WHERE month IN ('10', '11')"
    )
    assert both.table.to_pylist() == [{"n": 10}] and both.files_read == 2
    with pytest.raises(Exception, match=r"broken\.parquet|Parquet|parquet"):
        platform.query.run("default", f"SELECT count(*) FROM {database}.sales")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO {db}.sales VALUES (1, 2.0, 2026, '11')",
        "COPY (SELECT 1) TO '/tmp/glueworks-escape.csv'",
        "CREATE TABLE x AS SELECT 1",
        "ATTACH '/tmp/glueworks-escape.db' AS esc",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "PRAGMA database_list",
        "SET threads = 8",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT 1; DROP TABLE {db}.sales",
        "EXPLAIN SELECT 1",
        "DELETE FROM {db}.sales",
    ],
)
def test_writes_and_escapes_are_rejected(client: Client, lake: tuple[str, Path], sql: str) -> None:
    database, _ = lake
    with pytest.raises(InvalidInputException, match="sql"):
        client.query(sql.format(db=database))
    assert not Path("/tmp/glueworks-escape.csv").exists()


def test_file_access_through_sql_functions_is_blocked(client: Client, lake: tuple[str, Path]) -> None:
    """Even past the parse check, DuckDB itself refuses file access: external access is off and locked."""
    database, _ = lake
    for sql in (
        f"SELECT (SELECT count(*) FROM {database}.events), current_setting('enable_external_access') AS ext",
    ):
        assert client.query(sql).rows == [[3, False]]


def test_tables_of_another_tenant_are_invisible(server: LiveServer, client: Client, lake: tuple[str, Path]) -> None:
    database, root = lake
    platform = server.platform
    catalog = platform.catalog  # type: ignore[attr-defined]
    other = unique("secret").lower().replace("-", "_")
    catalog.databases.create("tenant-b", {"Name": other})
    catalog.tables.create(
        "tenant-b",
        other,
        {"Name": "t", "Parameters": {"classification": "json"},
         "StorageDescriptor": {"Location": str(root / "events"), "Columns": [{"Name": "n", "Type": "bigint"}]}},
    )
    assert platform.query.run("tenant-b", f"SELECT sum(n) AS s FROM {other}.t").table.to_pylist() == [{"s": 6}]  # type: ignore[attr-defined]
    with pytest.raises(EntityNotFoundException):
        client.query(f"SELECT * FROM {other}.t")
    with pytest.raises(EntityNotFoundError):
        platform.query.run("tenant-c", f"SELECT * FROM {database}.sales")  # type: ignore[attr-defined]


def test_row_limit(client: Client, lake: tuple[str, Path]) -> None:
    database, _ = lake
    result = client.query(f"SELECT id FROM {database}.sales ORDER BY id", max_rows=4)
    assert result.rows == [[0], [1], [2], [3]] and result.truncated is True
    exact = client.query(f"SELECT id FROM {database}.sales", max_rows=15)
    assert exact.row_count == 15 and exact.truncated is False
    with pytest.raises(InvalidInputException, match="max_rows"):
        client.query("SELECT 1", max_rows=10**9)
    with pytest.raises(InvalidInputException, match="timeout_seconds"):
        client.query("SELECT 1", timeout_seconds=-1)


def test_timeout_interrupts_the_query(client: Client, lake: tuple[str, Path]) -> None:
    database, _ = lake
    slow = (
        f"SELECT count(*) FROM {database}.sales a, {database}.sales b, {database}.sales c, {database}.sales d, "
        f"{database}.sales e, {database}.sales f, {database}.sales g, {database}.sales h, {database}.sales i "
        "WHERE a.id + b.id + c.id + d.id + e.id + f.id + g.id + h.id + i.id > -1"
    )
    with pytest.raises(OperationTimeoutException, match="timeout"):
        client.query(slow, timeout_seconds=0.5)
    # The server is still fine afterwards.
    assert client.query(f"SELECT count(*) FROM {database}.events").rows == [[3]]


def test_arrow_stream(server: LiveServer, client: Client, lake: tuple[str, Path]) -> None:
    database, _ = lake
    sql = f"SELECT id, month FROM {database}.sales WHERE year = 2026 ORDER BY id"
    reply = httpx.post(f"{server.url}/v1/query", json={"sql": sql}, headers={"Accept": ARROW}, timeout=60)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith(ARROW)
    table = pa.ipc.open_stream(reply.content).read_all()
    assert table.column_names == ["id", "month"]
    assert [[r["id"], r["month"]] for r in table.to_pylist()] == client.query(sql).rows
    assert pa.ipc.open_stream(client.query.arrow(sql)).read_all().equals(table)


def test_bad_requests_name_the_member(server: LiveServer, client: Client, lake: tuple[str, Path]) -> None:
    database, _ = lake
    with pytest.raises(InvalidInputException, match="database"):
        client.query("SELECT * FROM sales")
    with pytest.raises(EntityNotFoundException):
        client.query(f"SELECT * FROM {database}.nope")
    with pytest.raises(InvalidInputException, match="sql"):
        client.query(f"SELECT no_such_column FROM {database}.sales")
    reply = httpx.post(f"{server.url}/v1/query", json={"sql": "SELECT 1", "bogus": 1}, timeout=30)
    assert reply.status_code == 400 and "bogus" in reply.json()["error"]["message"]
    reply = httpx.post(f"{server.url}/v1/query", json={"sql": ""}, timeout=30)
    assert reply.status_code == 400 and reply.json()["error"]["message"].startswith("sql:")


def test_s3_tables_are_read_with_the_platform_storage_options(
    tmp_path: Path, s3_endpoint: object, s3_bucket: str
) -> None:
    """The service alone, over a table in S3 (moto on loopback), with a SQLite catalog of its own."""
    from datetime import UTC, datetime

    import s3fs

    from glueworks.platform.db import Database
    from glueworks.platform.services.catalog import CatalogService
    from glueworks.platform.services.query import QueryService
    from glueworks.platform.settings import QuerySettings, S3Settings
    from tests.fixtures.s3 import S3Endpoint

    assert isinstance(s3_endpoint, S3Endpoint)
    options = S3Settings(
        endpoint_url=s3_endpoint.url,
        region=s3_endpoint.region,
        access_key_id=s3_endpoint.access_key,
        secret_access_key=s3_endpoint.secret_key,
    ).fsspec_options()
    fs = s3fs.S3FileSystem(**options)
    for day, ids in (("2026-11-01", [1, 2]), ("2026-11-02", [3])):
        with fs.open(f"{s3_bucket}/events/day={day}/part-0.parquet", "wb") as handle:
            pq.write_table(pa.table({"id": ids}), handle)
    db = Database.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalog = CatalogService(db, lambda: datetime.now(UTC))
    catalog.databases.create("default", {"Name": "lake"})
    catalog.tables.create("default", "lake", {
        "Name": "events", "Parameters": {"classification": "parquet"},
        "StorageDescriptor": {"Location": f"s3://{s3_bucket}/events/", "Columns": [{"Name": "id", "Type": "bigint"}]},
        "PartitionKeys": [{"Name": "day", "Type": "date"}],
    })
    for day in ("2026-11-01", "2026-11-02"):
        catalog.partitions.create("default", "lake", "events", {"Values": [day]})
    service = QueryService(catalog, QuerySettings(), {"s3": options}, [tmp_path])
    result = service.run("default", "SELECT id, day FROM lake.events WHERE day = DATE '2026-11-02'")
    assert result.rows() == [[3, "2026-11-02"]] and result.files_read == 1
    everything = service.run("default", "SELECT sum(id) AS s FROM lake.events")
    assert everything.rows() == [[6]] and everything.files_read == 2
    db.dispose()
