"""A job whose script, input and output all live in S3, reached through moto's S3 server on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import boto3
import pyarrow.parquet as pq
import pytest
import s3fs

from tests.conftest import LiveServer
from tests.fixtures.s3 import S3Endpoint

pytestmark = pytest.mark.ray

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "output"])
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)
frame = glue.create_dynamic_frame.from_options("s3", {"paths": [args["input"]]}, format="json")
frame = frame.resolveChoice(specs=[("n", "cast:long")])
glue.write_dynamic_frame.from_options(frame, "s3", {"path": args["output"], "partitionKeys": ["k"]}, format="parquet")
job.commit()
"""


def test_s3_script_input_and_output(
    start_server: Callable[..., LiveServer], s3_endpoint: S3Endpoint, s3_bucket: str
) -> None:
    s3 = s3_endpoint.client()
    s3.put_object(Bucket=s3_bucket, Key="scripts/job.py", Body=SCRIPT.encode())
    good = [{"k": "a" if i % 2 else "b", "n": i if i % 3 else str(i)} for i in range(40)]
    lines = [json.dumps(record) for record in good]
    lines.insert(7, '{"k": "a", "n": ')  # one malformed line
    s3.put_object(Bucket=s3_bucket, Key="in/part-1.json", Body="\n".join(lines).encode())
    server = start_server(
        s3={
            "endpoint_url": s3_endpoint.url,
            "region": s3_endpoint.region,
            "access_key_id": s3_endpoint.access_key,
            "secret_access_key": s3_endpoint.secret_key,
        }
    )
    glue = boto3.client(
        "glue", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    glue.create_job(
        Name="s3-job", Role="r", Command={"Name": "glueetl", "ScriptLocation": f"s3://{s3_bucket}/scripts/job.py"}
    )
    run_id = glue.start_job_run(
        JobName="s3-job",
        Arguments={"--input": f"s3://{s3_bucket}/in/", "--output": f"s3://{s3_bucket}/out/"},
    )["JobRunId"]
    deadline = time.monotonic() + 120
    while True:
        run = glue.get_job_run(JobName="s3-job", RunId=run_id)["JobRun"]
        if run["JobRunState"] in ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"):
            break
        assert time.monotonic() < deadline, "run did not finish"
        time.sleep(0.2)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")

    fs = s3fs.S3FileSystem(**s3_endpoint.s3fs_options(), skip_instance_cache=True)
    # Outputs are published right after the commit that made the run SUCCEEDED (services/outputs.py).
    outputs = server.platform.outputs  # type: ignore[attr-defined]
    while not all(o["state"] == "PUBLISHED" for o in outputs.outputs("default", run_id)):
        assert time.monotonic() < deadline, "outputs not published"
        time.sleep(0.05)
    files = [path for path in fs.find(f"{s3_bucket}/out/") if path.endswith(".parquet")]
    assert files and all("/k=" in path for path in files)
    assert not fs.find(f"{s3_bucket}/out/_glueworks_staging/")  # staging cleaned after commit
    rows = sum(pq.read_metadata(fs.open(path)).num_rows for path in files)
    assert rows == len(good)
    metrics = server.platform.runs.metrics("default", run_id)  # type: ignore[attr-defined]
    assert (metrics["records_read"], metrics["error_records"], metrics["records_written"]) == (len(good), 1, len(good))
