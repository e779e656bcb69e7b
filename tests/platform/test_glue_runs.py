"""Job runs on Ray, driven by an unmodified boto3 Glue client against a live platform (SQLite).

Each run costs a second or two of Ray time, so jobs are reused across asserts where that reads naturally.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import PLAIN_SCRIPT, TERMINAL, create_job, glue_client, unique, wait_for_run

pytestmark = pytest.mark.ray

GLUE_SCRIPT = """\
import sys

from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "output"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
orders = glue_context.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["input"]]}, format="json"
)
mapped = ApplyMapping.apply(
    frame=orders,
    mappings=[("id", "long", "order_id", "long"), ("city", "string", "city", "string")],
)
glue_context.write_dynamic_frame.from_options(
    frame=mapped, connection_type="s3", connection_options={"path": args["output"]}, format="parquet"
)
job.commit()
"""

FAILING_SCRIPT = """\
rows = [1, 2, 3]

raise ValueError(f"amount must be positive, got {-len(rows)}")
"""

SLEEPING_SCRIPT = """\
import time

while True:
    time.sleep(0.05)
"""


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Any:
    return glue_client(server)


def test_a_glue_script_writes_parquet_on_ray(server: LiveServer, client: Any, tmp_path: Path) -> None:
    source = tmp_path / "orders.json"
    cities = ["Lisbon", "Porto", "Faro", "Braga", "Évora"]
    source.write_text(
        "".join(json.dumps({"id": i, "city": city, "extra": i * 2}) + "\n" for i, city in enumerate(cities))
    )
    output = tmp_path / "out"
    arguments = {"--input": str(source), "--output": "/nowhere"}
    name = create_job(client, server, GLUE_SCRIPT, DefaultArguments=arguments)
    run_id = client.start_job_run(JobName=name, Arguments={"--output": str(output)})["JobRunId"]
    assert run_id.startswith("jr_")
    run = wait_for_run(client, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")

    table = pq.read_table(output).sort_by("order_id")
    assert table.column_names == ["order_id", "city"]
    assert table.column("order_id").to_pylist() == list(range(len(cities)))
    assert table.column("city").to_pylist() == cities

    assert run["Id"] == run_id
    assert run["JobName"] == name
    assert run["Attempt"] == 0
    assert run["Arguments"] == {"--input": str(source), "--output": str(output)}  # the run's argument wins
    assert run["StartedOn"] <= run["CompletedOn"]
    assert run["LastModifiedOn"] >= run["StartedOn"]
    assert run["ExecutionTime"] >= 0 and run["DPUSeconds"] >= 0
    assert run["Timeout"] == 2880
    assert (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"]) == ("G.1X", 10, 10.0)
    assert run["LogGroupName"] == "/glueworks/jobs/default"
    assert "ErrorMessage" not in run


def test_get_job_runs_pages_newest_first(server: LiveServer, client: Any) -> None:
    name = create_job(client, server, PLAIN_SCRIPT, ExecutionProperty={"MaxConcurrentRuns": 5})
    started = [client.start_job_run(JobName=name)["JobRunId"] for _ in range(5)]
    for run_id in started:
        wait_for_run(client, name, run_id)

    seen: list[str] = []
    token: str | None = None
    while True:
        page = client.get_job_runs(JobName=name, MaxResults=2, **({"NextToken": token} if token else {}))
        assert 1 <= len(page["JobRuns"]) <= 2
        assert all(run["JobName"] == name for run in page["JobRuns"])
        seen += [run["Id"] for run in page["JobRuns"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert sorted(seen) == sorted(started)
    assert len(seen) == len(set(seen)) == 5

    everything = client.get_job_runs(JobName=name)["JobRuns"]
    assert [run["Id"] for run in everything] == seen
    assert [run["StartedOn"] for run in everything] == sorted((run["StartedOn"] for run in everything), reverse=True)
    assert {run["JobRunState"] for run in everything} == {"SUCCEEDED"}


def test_a_failed_run_names_the_exception_message_and_line(server: LiveServer, client: Any) -> None:
    name = create_job(client, server, FAILING_SCRIPT)
    run = wait_for_run(client, name, client.start_job_run(JobName=name)["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    message = run["ErrorMessage"]
    assert "ValueError" in message
    assert "amount must be positive, got -3" in message
    assert "line 3" in message
    assert run["CompletedOn"] >= run["StartedOn"]


def test_stop_a_long_run_and_refuse_runs_beyond_max_concurrent(server: LiveServer, client: Any) -> None:
    name = create_job(client, server, SLEEPING_SCRIPT, ExecutionProperty={"MaxConcurrentRuns": 1})
    run_id = client.start_job_run(JobName=name)["JobRunId"]
    assert wait_for_run(client, name, run_id, states={"RUNNING", *TERMINAL}, timeout=60)["JobRunState"] == "RUNNING"

    with pytest.raises(client.exceptions.ConcurrentRunsExceededException, match="MaxConcurrentRuns is 1"):
        client.start_job_run(JobName=name)
    assert [run["Id"] for run in client.get_job_runs(JobName=name)["JobRuns"]] == [run_id]

    ghost = "jr_" + "f" * 64
    answer = client.batch_stop_job_run(JobName=name, JobRunIds=[run_id, ghost])
    assert answer["SuccessfulSubmissions"] == [{"JobName": name, "JobRunId": run_id}]
    assert [(e["JobRunId"], e["ErrorDetail"]["ErrorCode"]) for e in answer["Errors"]] == [
        (ghost, "EntityNotFoundException")
    ]
    stopped = wait_for_run(client, name, run_id, timeout=60)
    assert stopped["JobRunState"] == "STOPPED"
    assert stopped["CompletedOn"] >= stopped["StartedOn"]

    again = client.batch_stop_job_run(JobName=name, JobRunIds=[run_id])
    assert again["SuccessfulSubmissions"] == []
    assert again["Errors"][0]["ErrorDetail"]["ErrorCode"] == "InvalidInputException"
    assert "already ended (STOPPED)" in again["Errors"][0]["ErrorDetail"]["ErrorMessage"]

    # With the run ended, the job takes a new one.
    second = client.start_job_run(JobName=name)["JobRunId"]
    client.batch_stop_job_run(JobName=name, JobRunIds=[second])
    assert wait_for_run(client, name, second, timeout=60)["JobRunState"] == "STOPPED"


def test_deleting_a_job_stops_its_active_runs(server: LiveServer, client: Any) -> None:
    name = create_job(client, server, SLEEPING_SCRIPT, Description=unique("delete"))
    run_id = client.start_job_run(JobName=name)["JobRunId"]
    wait_for_run(client, name, run_id, states={"RUNNING", *TERMINAL}, timeout=60)
    assert client.delete_job(JobName=name)["JobName"] == name
    with pytest.raises(client.exceptions.EntityNotFoundException):
        client.get_job(JobName=name)
    # The run row outlives its job until it ends; it must end, not stay RUNNING.
    assert wait_for_run(client, name, run_id, timeout=60)["JobRunState"] == "STOPPED"
