"""The AWS CLI, unmodified, as a client of the Glue endpoint: one process per command, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.platform.glue_helpers import TERMINAL, unique, write_script

pytestmark = pytest.mark.ray

SCRIPT = """\
import sys

argv = sys.argv[1:]
args = {argv[i].lstrip("-"): argv[i + 1] for i in range(0, len(argv) - 1, 2)}
with open(args["marker"], "w") as handle:
    handle.write(args["JOB_NAME"] + " " + args["greeting"])
"""


def aws(server: LiveServer, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``aws glue ...`` against the live server with dummy keys and no configuration of this machine."""
    config, credentials = folder / "cli-config", folder / "cli-credentials"
    config.write_text("")
    credentials.write_text("")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(folder),
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = [
        sys.executable, "-m", "awscli", "glue", *arguments,
        "--endpoint-url", server.url, "--region", "us-east-1", "--output", "json",
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def aws_json(server: LiveServer, folder: Path, *arguments: str) -> dict[str, Any]:
    done = aws(server, folder, *arguments)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_create_start_poll_and_get_with_the_aws_cli(server: LiveServer, tmp_path: Path) -> None:
    name = unique("cli")
    marker = tmp_path / "marker.txt"
    command = {"Name": "glueetl", "ScriptLocation": write_script(server, SCRIPT), "PythonVersion": "3"}
    created = aws_json(
        server, tmp_path,
        "create-job", "--name", name, "--role", "glueworks-cli",
        "--command", json.dumps(command),
        "--default-arguments", json.dumps({"--greeting": "hello", "--marker": str(marker)}),
    )  # fmt: skip
    assert created == {"Name": name}

    run_id = aws_json(server, tmp_path, "start-job-run", "--job-name", name)["JobRunId"]
    deadline = time.monotonic() + 120
    while True:
        run = aws_json(server, tmp_path, "get-job-run", "--job-name", name, "--run-id", run_id)["JobRun"]
        if run["JobRunState"] in TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert marker.read_text() == f"{name} hello"
    # The CLI prints timestamps it parsed from epoch seconds, as ISO 8601 strings.
    assert run["StartedOn"] <= run["CompletedOn"]

    job = aws_json(server, tmp_path, "get-job", "--job-name", name)["Job"]
    assert job["Name"] == name
    assert job["Command"] == command
    assert job["DefaultArguments"] == {"--greeting": "hello", "--marker": str(marker)}
    assert job["Role"] == "glueworks-cli"


def test_cli_error_for_an_unknown_job(server: LiveServer, tmp_path: Path) -> None:
    ghost = unique("ghost")
    done = aws(server, tmp_path, "get-job", "--job-name", ghost)
    assert done.returncode != 0
    assert "EntityNotFoundException" in done.stderr
    assert ghost in done.stderr
    assert done.stdout == ""
