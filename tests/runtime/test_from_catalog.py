"""Jobs and the Data Catalog: from_catalog reads with partition pruning, catalog writes, match_catalog.

The catalog is the real platform (the `server` fixture), reached over HTTP by `HttpCatalogClient`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, JobRunContext, LocalExecutor, RayExecutor
from glueworks.runtime.catalog_client import CatalogNotConfiguredError, HttpCatalogClient, use_catalog
from glueworks.runtime.hive_types import arrow_type, hive_type
from glueworks.runtime.partition_predicate import compile_predicate
from glueworks.sdk import Client, EntityNotFoundException
from tests.conftest import LiveServer
from tests.platform.glue_helpers import unique

MONTHS = {("2026", "10"): [1, 2, 3], ("2026", "11"): [4, 5], ("2025", "11"): [6], ("2025", "12"): [7, 8, 9, 10]}


@pytest.fixture
def client(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, timeout=30) as client:
        yield client


@pytest.fixture
def catalog(server: LiveServer) -> Iterator[HttpCatalogClient]:
    http = HttpCatalogClient(server.url)
    yield http
    http.close()


@pytest.fixture
def database(client: Client) -> Iterator[str]:
    name = unique("fromcat").lower()
    client.catalog.databases.create(name)
    yield name
    with contextlib.suppress(EntityNotFoundException):
        client.catalog.databases.delete(name)


def _ctx(catalog: HttpCatalogClient) -> GlueContext:
    return GlueContext(executor=LocalExecutor(2), run_context=JobRunContext.standalone(), catalog_client=catalog)


@pytest.fixture
def sales(client: Client, database: str, tmp_path: Path) -> tuple[str, Path, dict[tuple[str, str], int]]:
    """A JSON table partitioned by year (int) and month (string); one corrupt file per pruned partition."""
    root = tmp_path / "sales"
    sizes: dict[tuple[str, str], int] = {}
    for (year, month), ids in MONTHS.items():
        folder = root / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        path = folder / "part-0.json"
        path.write_text("".join(json.dumps({"id": i, "amount": i * 1.5}) + "\n" for i in ids))
        sizes[(year, month)] = path.stat().st_size
    client.catalog.tables.create(
        database,
        "sales",
        table_type="EXTERNAL_TABLE",
        parameters={"classification": "json"},
        storage_descriptor={
            "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}],
            "location": str(root),
        },
        partition_keys=[{"name": "year", "type": "int"}, {"name": "month", "type": "string"}],
    )
    for year, month in MONTHS:
        client.catalog.partitions.create(
            database,
            "sales",
            [year, month],
            storage_descriptor={"location": str(root / f"year={year}" / f"month={month}")},
        )
    return database, root, sizes


def test_from_catalog_reads_all_partitions_with_typed_partition_columns(
    catalog: HttpCatalogClient, sales: tuple[str, Path, dict[tuple[str, str], int]]
) -> None:
    database, _, _ = sales
    frame = _ctx(catalog).create_dynamic_frame.from_catalog(database=database, table_name="sales")
    table = frame.toDF()
    assert table.schema.field("year").type == pa.int32()
    assert table.schema.field("month").type == pa.string()
    rows = sorted((r["id"], r["year"], r["month"]) for r in table.to_pylist())
    expected = sorted((i, int(y), m) for (y, m), ids in MONTHS.items() for i in ids)
    assert rows == expected


def test_predicates_prune_partitions_before_listing(
    catalog: HttpCatalogClient, sales: tuple[str, Path, dict[tuple[str, str], int]]
) -> None:
    database, root, sizes = sales
    # Files in partitions the predicates exclude are corrupt: reading one would make error records.
    for year, month in [("2025", "11"), ("2025", "12"), ("2026", "10")]:
        (root / f"year={year}" / f"month={month}" / "part-1.json").write_text('{"id": oops\n')
    glue = _ctx(catalog)
    frame = glue.create_dynamic_frame.from_catalog(
        database=database,
        table_name="sales",
        push_down_predicate="month IN ('11', '12') AND NOT month LIKE '12%'",
        additional_options={"catalogPartitionPredicate": "year >= 2026"},
    )
    rows = frame.toDF().to_pylist()
    assert sorted(r["id"] for r in rows) == MONTHS[("2026", "11")]
    metrics = glue.run_context.metrics
    assert metrics.records_read == len(MONTHS[("2026", "11")])
    assert metrics.bytes_read == sizes[("2026", "11")]
    assert metrics.error_records == 0
    assert all("2025" not in e.file and "month=10" not in e.file for e in glue.run_context.error_records)


def test_unpruned_read_does_see_the_corrupt_file(
    catalog: HttpCatalogClient, sales: tuple[str, Path, dict[tuple[str, str], int]]
) -> None:
    """The counterpart of the pruning test: without predicates the corrupt file is read."""
    database, root, _ = sales
    (root / "year=2025" / "month=12" / "part-1.json").write_text('{"id": oops\n')
    glue = _ctx(catalog)
    glue.create_dynamic_frame.from_catalog(database=database, table_name="sales").count()
    assert glue.run_context.metrics.error_records == 1


def test_from_catalog_bad_input(
    catalog: HttpCatalogClient, sales: tuple[str, Path, dict[tuple[str, str], int]]
) -> None:
    database, _, _ = sales
    reader = _ctx(catalog).create_dynamic_frame
    with pytest.raises(InvalidOptionError, match="push_down_predicate: 'amount' is not a partition column"):
        reader.from_catalog(database=database, table_name="sales", push_down_predicate="amount > 1")
    with pytest.raises(InvalidOptionError, match="push_down_predicate"):
        reader.from_catalog(database=database, table_name="sales", push_down_predicate="year = upper(month)")
    with pytest.raises(InvalidOptionError, match=r"table_name: table .*\.nope is not in the Data Catalog"):
        reader.from_catalog(database=database, table_name="nope")
    with pytest.raises(InvalidOptionError, match=r"additional_options\.bogus"):
        reader.from_catalog(database=database, table_name="sales", additional_options={"bogus": 1})
    from glueworks.sdk import InvalidInputException

    with pytest.raises(InvalidInputException):
        reader.from_catalog(
            database=database, table_name="sales", additional_options={"catalogPartitionPredicate": "amount = 1"}
        )


def test_from_catalog_without_a_catalog_names_what_is_missing() -> None:
    glue = GlueContext(executor=LocalExecutor(1), run_context=JobRunContext.standalone())
    with pytest.raises(CatalogNotConfiguredError, match=r"from_catalog: needs the Data Catalog.*--catalog-url"):
        glue.create_dynamic_frame.from_catalog(database="d", table_name="t")


def test_write_from_catalog_creates_table_and_registers_partitions(
    catalog: HttpCatalogClient, client: Client, database: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    data = pa.table({"id": [1, 2, 3], "day": ["2026-11-01", "2026-11-01", "2026-11-02"]})
    glue = _ctx(catalog)
    frame = _frame(glue, data)
    sink = glue.getSink(
        connection_type="s3", path=str(out), enableUpdateCatalog=True, updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=["day"],
    )
    sink.setCatalogInfo(catalogDatabase=database, catalogTableName="Daily")
    sink.setFormat("glueparquet")
    sink.writeFrame(frame)
    table = client.catalog.tables.get(database, "daily")
    assert [(c.name, c.type) for c in table.columns] == [("id", "bigint")]
    assert [(k.name, k.type) for k in table.partition_keys or []] == [("day", "string")]
    assert (table.parameters or {}).get("classification") == "parquet"
    parts = sorted(p.values[0] for p in client.catalog.partitions.iter(database, "daily"))
    assert parts == ["2026-11-01", "2026-11-02"]
    # Read back through the catalog: the registered table is readable with its partitions.
    back = glue.create_dynamic_frame.from_catalog(
        database=database, table_name="daily", push_down_predicate="day = '2026-11-02'"
    )
    assert back.toDF().to_pylist() == [{"id": 3, "day": "2026-11-02"}]

    # A second write with a new column and a new partition: schema update and one more partition.
    more = pa.table({"id": [4], "note": ["x"], "day": ["2026-11-03"]})
    glue.write_dynamic_frame.from_catalog(
        frame=_frame(glue, more),
        database=database,
        table_name="daily",
        additional_options={"enableUpdateCatalog": True, "partitionKeys": ["day"]},
    )
    table = client.catalog.tables.get(database, "daily")
    assert [(c.name, c.type) for c in table.columns] == [("id", "bigint"), ("note", "string")]
    parts = sorted(p.values[0] for p in client.catalog.partitions.iter(database, "daily"))
    assert parts == ["2026-11-01", "2026-11-02", "2026-11-03"]
    files = sorted(p.name for p in (out / "day=2026-11-03").iterdir())
    assert len(files) == 1 and pq.read_table(out / "day=2026-11-03" / files[0]).column("note").to_pylist() == ["x"]


def test_write_update_behavior_log_leaves_the_schema(
    catalog: HttpCatalogClient, client: Client, database: str, tmp_path: Path
) -> None:
    glue = _ctx(catalog)
    sink = glue.getSink(connection_type="s3", path=str(tmp_path / "t"), enableUpdateCatalog=True)
    sink.setCatalogInfo(database, "t")
    sink.setFormat("json")
    sink.writeFrame(_frame(glue, pa.table({"a": [1]})))
    glue.write_dynamic_frame.from_catalog(
        frame=_frame(glue, pa.table({"a": [2], "b": ["new"]})),
        database=database,
        table_name="t",
        additional_options={"enableUpdateCatalog": True, "updateBehavior": "LOG"},
    )
    assert [c.name for c in client.catalog.tables.get(database, "t").columns] == ["a"]
    assert sorted(r["a"] for r in glue.create_dynamic_frame.from_catalog(database, "t").toDF().to_pylist()) == [
        1, 2
    ]


def test_write_bad_input(catalog: HttpCatalogClient, database: str, tmp_path: Path) -> None:
    glue = _ctx(catalog)
    frame = _frame(glue, pa.table({"a": [1]}))
    with pytest.raises(InvalidOptionError, match="to create it, pass enableUpdateCatalog=True and a path"):
        glue.write_dynamic_frame.from_catalog(frame=frame, database=database, table_name="missing")
    with pytest.raises(InvalidOptionError, match=r"additional_options\.updateBehavior"):
        glue.write_dynamic_frame.from_catalog(
            frame=frame, database=database, table_name="x",
            additional_options={"enableUpdateCatalog": True, "updateBehavior": "MERGE", "path": str(tmp_path)},
        )
    sink = glue.getSink(connection_type="s3", path=str(tmp_path / "y"), enableUpdateCatalog=True)
    sink.setFormat("json")
    with pytest.raises(InvalidOptionError, match="setCatalogInfo"):
        sink.writeFrame(frame)


def test_write_into_a_missing_database_fails_and_names_it(catalog: HttpCatalogClient, tmp_path: Path) -> None:
    from glueworks.runtime.catalog_io import CatalogUpdateError

    glue = _ctx(catalog)
    sink = glue.getSink(connection_type="s3", path=str(tmp_path / "z"), enableUpdateCatalog=True)
    sink.setCatalogInfo("no_such_db_here", "z")
    sink.setFormat("json")
    with pytest.raises(CatalogUpdateError, match=r"no_such_db_here\.z"):
        sink.writeFrame(_frame(glue, pa.table({"a": [1]})))


def test_resolve_choice_match_catalog(
    catalog: HttpCatalogClient, client: Client, database: str, tmp_path: Path
) -> None:
    src = tmp_path / "mixed.json"
    src.write_text('{"id": 1, "price": 10}\n{"id": 2, "price": "12.5"}\n')
    client.catalog.tables.create(
        database,
        "prices",
        storage_descriptor={
            "columns": [{"name": "id", "type": "bigint"}, {"name": "price", "type": "double"}],
            "location": str(tmp_path),
        },
    )
    glue = _ctx(catalog)
    frame = glue.create_dynamic_frame.from_options("s3", {"paths": [str(src)]}, format="json")
    resolved = frame.resolveChoice(choice="match_catalog", database=database, table_name="prices")
    table = resolved.toDF()
    assert table.schema.field("price").type == pa.float64()
    assert table.column("price").to_pylist() == [10.0, 12.5]
    with pytest.raises(InvalidOptionError, match="table_name"):
        frame.resolveChoice(choice="match_catalog", database=database)


def test_use_catalog_makes_the_client_active(
    catalog: HttpCatalogClient, sales: tuple[str, Path, dict[tuple[str, str], int]]
) -> None:
    database, _, _ = sales
    with use_catalog(catalog):
        glue = GlueContext(executor=LocalExecutor(1), run_context=JobRunContext.standalone())
        assert glue.create_dynamic_frame.from_catalog(database, "sales").count() == 10


@pytest.mark.parametrize(
    ("predicate", "values", "expected"),
    [
        ("year = 2026", ["2026", "x"], True),
        ("year <> 2026", ["2026", "x"], False),
        ("year > 2025 AND month = 'x'", ["2026", "x"], True),
        ("year < 2026 OR month = \"x\"", ["2026", "x"], True),
        ("NOT (year >= 2026)", ["2026", "x"], False),
        ("month LIKE '_'", ["2026", "x"], True),
        ("month NOT IN ('a', 'b')", ["2026", "x"], True),
        ("year = 9", ["10", "x"], False),
        ("year < 9", ["10", "x"], False),  # numeric, not text, comparison of an int key
        ("month < '9'", ["10", "10"], True),  # text comparison of a string key
        ("month IS NULL", ["1", "__HIVE_DEFAULT_PARTITION__"], True),
        ("month = 'a'", ["1", "__HIVE_DEFAULT_PARTITION__"], False),
    ],
)
def test_push_down_predicate_semantics(predicate: str, values: list[str], expected: bool) -> None:
    assert compile_predicate(predicate, [("year", "int"), ("month", "string")])(values) is expected


@pytest.mark.parametrize("hive", ["bigint", "array<struct<a:int,b:string>>", "map<string,double>", "decimal(12,2)"])
def test_hive_types_round_trip(hive: str) -> None:
    assert hive_type(arrow_type(hive, "t")) == hive


def _frame(glue: GlueContext, table: pa.Table) -> DynamicFrame:
    return DynamicFrame.fromDF(table, glue, "src")


LOCAL_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["database"])
glue = GlueContext()
frame = glue.create_dynamic_frame.from_catalog(database=args["database"], table_name="sales",
                                               push_down_predicate="year = 2025")
print("COUNT", frame.count())
"""


def test_run_local_reaches_the_catalog_with_catalog_url(
    server: LiveServer, sales: tuple[str, Path, dict[tuple[str, str], int]], tmp_path: Path
) -> None:
    from glueworks.runtime.local_run import run_local

    database, _, _ = sales
    script = tmp_path / "job.py"
    script.write_text(LOCAL_SCRIPT)
    errors = str(tmp_path / "errors.jsonl")
    args = ["--database", database]
    result = run_local(script, args, error_records_location=errors, catalog_url=server.url)
    assert result.succeeded, result.error
    assert result.metrics["records_read"] == len(MONTHS[("2025", "11")]) + len(MONTHS[("2025", "12")])
    without = run_local(script, args, error_records_location=errors)
    assert not without.succeeded
    assert without.error is not None and "--catalog-url" in without.error


def test_a_ray_job_refuses_catalog_locations_in_memory(
    catalog: HttpCatalogClient, client: Client, database: str, tmp_path: Path
) -> None:
    # memory:// is one process's: the Ray executor's workers would list nothing and write where nobody reads.
    run = JobRunContext.standalone(executor="ray")
    glue = GlueContext(executor=RayExecutor(2), run_context=run, catalog_client=catalog)
    client.catalog.tables.create(
        database,
        "in_memory",
        table_type="EXTERNAL_TABLE",
        parameters={"classification": "json"},
        storage_descriptor={"columns": [{"name": "a", "type": "bigint"}], "location": "memory://lake/in_memory"},
    )
    with pytest.raises(InvalidOptionError, match=rf"^{database}\.in_memory\.storage_descriptor\.location: memory://"):
        glue.create_dynamic_frame.from_catalog(database=database, table_name="in_memory")
    client.catalog.tables.create(
        database,
        "partly_in_memory",
        table_type="EXTERNAL_TABLE",
        parameters={"classification": "json"},
        storage_descriptor={"columns": [{"name": "a", "type": "bigint"}], "location": str(tmp_path / "t")},
        partition_keys=[{"name": "day", "type": "string"}],
    )
    client.catalog.partitions.create(
        database, "partly_in_memory", ["d1"], storage_descriptor={"location": "memory://lake/t/day=d1"}
    )
    with pytest.raises(InvalidOptionError, match=r"^partition\.storage_descriptor\.location: memory://"):
        glue.create_dynamic_frame.from_catalog(database=database, table_name="partly_in_memory")
    with pytest.raises(InvalidOptionError, match=r"^additional_options\.path: memory://"):
        glue.write_dynamic_frame.from_catalog(
            frame=_frame(glue, pa.table({"a": [1]})),
            database=database,
            table_name="new_in_memory",
            additional_options={"enableUpdateCatalog": True, "path": "memory://lake/new_in_memory"},
        )
    with pytest.raises(EntityNotFoundException):
        client.catalog.tables.get(database, "new_in_memory")
