"""Platform jobs that read and write catalog tables: the driver reaches the catalog with the URL (and, with
API keys, the run-scoped token) it gets through LaunchRequest -> DriverSpec."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from glueworks.platform.services.run_tokens import RunTokens
from glueworks.sdk import Client, EntityNotFoundException
from glueworks.sdk.models import JobRunState
from tests.conftest import LiveServer
from tests.platform.glue_helpers import unique

pytestmark = pytest.mark.ray

MONTHS = {("2026", "10"): [1, 2, 3], ("2026", "11"): [4, 5], ("2025", "11"): [6, 7, 8, 9]}

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database", "output"])
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)
frame = glue.create_dynamic_frame.from_catalog(
    database=args["database"],
    table_name="sales",
    push_down_predicate="month = '11'",
    additional_options={"catalogPartitionPredicate": "year = '2026'"},
    transformation_ctx="sales",
)
sink = glue.getSink(connection_type="s3", path=args["output"], enableUpdateCatalog=True, partitionKeys=["month"])
sink.setCatalogInfo(catalogDatabase=args["database"], catalogTableName="copied")
sink.setFormat("json")
sink.writeFrame(frame)
job.commit()
"""


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, timeout=60) as client:
        yield client


@pytest.fixture
def sales(server: LiveServer, client: Client) -> Iterator[tuple[str, dict[tuple[str, str], int]]]:
    database = unique("jobs").lower()
    root = server.root / database / "sales"
    sizes = {}
    for (year, month), ids in MONTHS.items():
        folder = root / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        path = folder / "part-0.json"
        path.write_text("".join(json.dumps({"id": i}) + "\n" for i in ids))
        sizes[(year, month)] = path.stat().st_size
    client.catalog.databases.create(database)
    client.catalog.tables.create(
        database,
        "sales",
        parameters={"classification": "json"},
        storage_descriptor={"columns": [{"name": "id", "type": "bigint"}], "location": str(root)},
        partition_keys=[{"name": "year", "type": "string"}, {"name": "month", "type": "string"}],
    )
    for year, month in MONTHS:
        client.catalog.partitions.create(database, "sales", [year, month])
    yield database, sizes
    with contextlib.suppress(EntityNotFoundException):
        client.catalog.databases.delete(database)


def test_a_job_reads_only_matching_partitions_and_registers_its_output(
    server: LiveServer, client: Client, sales: tuple[str, dict[tuple[str, str], int]]
) -> None:
    database, sizes = sales
    name = f"catalog-{uuid.uuid4().hex[:8]}"
    location = client.scripts.upload(f"{name}.py", SCRIPT).script_location
    client.jobs.create(name=name, command={"script_location": location})
    output = server.root / database / "copied"
    run = client.runs.start(name, arguments={"--database": database, "--output": str(output)})
    final = client.runs.wait(run.id, timeout=180, poll_interval=0.2)
    assert final.job_run_state == JobRunState.SUCCEEDED, final.error_message
    metrics = client.runs.metrics(run.id)
    # Only year=2026/month=11 was listed and read: its records and its bytes, nothing of the others.
    assert metrics.records_read == len(MONTHS[("2026", "11")])
    assert metrics.bytes_read == sizes[("2026", "11")]
    assert metrics.records_written == 2
    copied = client.catalog.tables.get(database, "copied")
    assert [k.name for k in copied.partition_keys or []] == ["month"]
    assert {c.name for c in copied.columns} == {"id", "year"}
    assert [p.values for p in client.catalog.partitions.iter(database, "copied")] == [["11"]]
    files = list((output / "month=11").iterdir())
    rows = sorted(json.loads(line)["id"] for f in files for line in f.read_text().splitlines())
    assert rows == MONTHS[("2026", "11")]


def test_run_tokens_are_tenant_and_run_scoped(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from glueworks.platform.db import Database, JobRunRow

    db = Database.connect(f"sqlite:///{tmp_path / 'tokens.db'}")
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.add(JobRunRow(
            id="jr_1", tenant_id="acme", job_name="j", state="RUNNING", arguments={}, started_on=now,
            last_modified_on=now, script_location="file:///x.py", metrics={},
        ))
    tokens = RunTokens(db, b"k" * 32)
    token = tokens.mint("acme", "jr_1")
    assert tokens.tenant_of(token) == "acme"
    assert RunTokens(db, b"j" * 32).tenant_of(token) is None  # signed with another secret
    forged = token.replace("gwrun1.", "gwrun1.x", 1)
    assert tokens.tenant_of(forged) is None
    assert tokens.tenant_of(tokens.mint("other", "jr_1")) is None  # the run belongs to acme
    assert tokens.tenant_of(tokens.mint("acme", "jr_missing")) is None
    with db.transaction() as session:
        row = session.get(JobRunRow, "jr_1")
        assert row is not None
        row.state = "SUCCEEDED"
    assert tokens.tenant_of(token) is None  # only while the run is active
    db.dispose()


READ_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["database"])
frame = GlueContext().create_dynamic_frame.from_catalog(database=args["database"], table_name="t")
print("ROWS", frame.count(), flush=True)
"""


def test_with_api_keys_a_run_reaches_its_tenant_catalog_with_a_run_token(
    start_server: Callable[..., LiveServer],
) -> None:
    import httpx

    server = start_server(auth={"api_keys": {"acme": "acme-key", "other": "other-key"}})
    with Client(server.url, "acme-key", timeout=60) as client:
        folder = server.root / "acme" / "t"
        folder.mkdir(parents=True)
        (folder / "a.json").write_text('{"x": 1}\n{"x": 2}\n')
        client.catalog.databases.create("keyed")
        client.catalog.tables.create(
            "keyed", "t", parameters={"classification": "json"}, storage_descriptor={"location": str(folder)}
        )
        location = client.scripts.upload("read.py", READ_SCRIPT).script_location
        client.jobs.create(name="reader", command={"script_location": location})
        run = client.runs.start("reader", arguments={"--database": "keyed"})
        final = client.runs.wait(run.id, timeout=180, poll_interval=0.2)
        assert final.job_run_state == JobRunState.SUCCEEDED, final.error_message
        assert client.runs.metrics(run.id).records_read == 2
        assert "ROWS 2" in client.runs.logs(run.id).text
    # The run's token (minted as the launcher did) is refused now that the run has ended, and another tenant's
    # key does not see acme's catalog.
    token = server.platform.run_tokens.mint("acme", run.id)  # type: ignore[attr-defined]
    reply = httpx.get(f"{server.url}/v1/catalog/databases/keyed", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403
    reply = httpx.get(f"{server.url}/v1/catalog/databases/keyed", headers={"Authorization": "Bearer other-key"})
    assert reply.status_code == 404
