"""Helpers for the Glue JSON 1.1 tests: unmodified boto3 clients, scripts on disk, raw requests, waiting."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.conftest import LiveServer

TERMINAL = {"STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED"}
PLAIN_SCRIPT = "import sys\nprint('args', sys.argv[1:], flush=True)\n"


@contextmanager
def isolated_aws_env(folder: Path) -> Iterator[dict[str, str]]:
    """Point AWS clients at empty config and credential files, so no setting of this machine leaks in."""
    config, credentials = folder / "aws-config", folder / "aws-credentials"
    config.write_text("")
    credentials.write_text("")
    values = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE"):
            patch.delenv(key, raising=False)
        for key, value in values.items():
            patch.setenv(key, value)
        yield values


def glue_client(server: LiveServer, *, validate: bool = True) -> Any:
    """An unmodified boto3 Glue client on the live server. ``validate=False`` lets bad input reach it."""
    with isolated_aws_env(server.root):
        return boto3.client(
            "glue",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
            config=Config(parameter_validation=validate, retries={"max_attempts": 1, "mode": "standard"}),
        )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def write_script(server: LiveServer, source: str, name: str | None = None) -> str:
    """Write a script where the platform may read it; return its ``file://`` ScriptLocation."""
    folder = server.root / "glue-scripts"
    folder.mkdir(exist_ok=True)
    path = folder / (name or f"{unique('script')}.py")
    path.write_text(source)
    return f"file://{path}"


def create_job(client: Any, server: LiveServer, source: str = PLAIN_SCRIPT, **members: Any) -> str:
    """Create a job running ``source``; return its name."""
    name = members.pop("Name") if "Name" in members else unique("job")
    command = {"Name": "glueetl", "ScriptLocation": write_script(server, source), "PythonVersion": "3"}
    client.create_job(Name=name, Role="glueworks-test", Command=command, **members)
    return name


def job_names(client: Any) -> set[str]:
    """Every job name of the tenant, through ListJobs paging."""
    names: set[str] = set()
    for page in client.get_paginator("list_jobs").paginate():
        names.update(page["JobNames"])
    return names


def wait_for_run(
    client: Any, job_name: str, run_id: str, *, states: set[str] = TERMINAL, timeout: float = 120
) -> dict[str, Any]:
    """Poll GetJobRun until the run reaches one of ``states``; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
        if run["JobRunState"] in states:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['JobRunState']} after {timeout} s")
        time.sleep(0.1)


def raw_call(server: LiveServer, target: str | None, body: bytes | str) -> httpx.Response:
    """POST a hand-made AWS JSON 1.1 request, for input boto3 would never send."""
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        headers["X-Amz-Target"] = target
    content = body.encode() if isinstance(body, str) else body
    return httpx.post(server.url + "/", content=content, headers=headers, timeout=30)


def error_of(response: httpx.Response) -> tuple[str, str]:
    """The (``__type``, message) of an error response, checking its wire form on the way."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/x-amz-json-1.1")
    assert response.headers.get("x-amzn-RequestId")
    body = json.loads(response.content)
    return body["__type"], body["message"]


def botocore_error(response: httpx.Response) -> dict[str, Any]:
    """Read an error response with botocore's own JSON 1.1 parser: the ``Error`` a ClientError would carry."""
    from botocore.parsers import create_parser

    parsed: dict[str, Any] = create_parser("json").parse(
        {"status_code": response.status_code, "headers": dict(response.headers), "body": response.content},
        None,
    )
    return parsed
