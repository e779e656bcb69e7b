"""The `glueworks` CLI through typer's CliRunner, with a client over the in-memory `/v1` API."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from glueworks.sdk import Client, Job, JobRun
from glueworks.sdk.cli import create_cli
from tests.sdk._fakes import FakeApi

SCRIPT = "from awsglue.context import GlueContext\nprint('hello')\n"


class Cli:
    """Runs CLI commands against the fake API and records what the client factory was given."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        self.factory_calls: list[tuple[str, str | None]] = []
        self.app = create_cli(self._factory)
        self.runner = CliRunner()

    def _factory(self, endpoint: str, api_key: str | None) -> Client:
        self.factory_calls.append((endpoint, api_key))
        return self.api.client(endpoint, api_key)

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self.runner.invoke(self.app, list(args), env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def cli(api: FakeApi) -> Cli:
    return Cli(api)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "etl_job.py"
    path.write_text(SCRIPT)
    return path


@pytest.fixture
def job(cli: Cli) -> str:
    assert cli("jobs", "create", "--name", "nightly", "--script", "s3://bucket/etl.py").exit_code == 0
    return "nightly"


def test_create_uploads_a_local_script_first(cli: Cli, api: FakeApi, script: Path) -> None:
    result = cli(
        "jobs", "create", "--name", "nightly", "--script", str(script),
        "--arg", "--day=mon", "--arg", "--out=s3://b/o", "--worker-type", "G.2X", "--number-of-workers", "3",
        "--max-concurrent-runs", "2", "--timeout", "30", "--description", "loads events",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert api.scripts["etl_job.py"] == SCRIPT.encode()
    stored = api.jobs["nightly"]
    assert stored["command"]["script_location"] == "file:///scripts/etl_job.py"
    assert stored["default_arguments"] == {"--day": "mon", "--out": "s3://b/o"}
    assert (stored["worker_type"], stored["number_of_workers"], stored["timeout"]) == ("G.2X", 3, 30)
    assert stored["execution_property"] == {"max_concurrent_runs": 2}
    assert "created job nightly" in result.stdout
    assert "G.2X x 3" in result.stdout
    assert "uploaded" in result.stderr and "uploaded" not in result.stdout


def test_create_with_a_url_uploads_nothing(cli: Cli, api: FakeApi) -> None:
    result = cli("jobs", "create", "--name", "n", "--script", "s3://bucket/etl.py", "--json")
    assert result.exit_code == 0, result.output
    assert api.scripts == {}
    job = Job.model_validate_json(result.stdout)
    assert job.command.script_location == "s3://bucket/etl.py"
    # Options left out are not sent: the server's defaults apply.
    assert set(json.loads(api.requests[-1].content)) == {"name", "command"}


def test_create_with_a_missing_file_is_a_usage_error(cli: Cli, api: FakeApi, tmp_path: Path) -> None:
    result = cli("jobs", "create", "--name", "n", "--script", str(tmp_path / "nope.py"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert api.requests == []


def test_an_argument_without_equals_is_a_usage_error(cli: Cli, api: FakeApi) -> None:
    result = cli("jobs", "create", "--name", "n", "--script", "s3://b/e.py", "--arg", "day")
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.stderr
    assert api.requests == []


def test_list_shows_every_page(cli: Cli, api: FakeApi) -> None:
    names = [f"job-{i}" for i in range(5)]
    for name in names:
        cli("jobs", "create", "--name", name, "--script", "s3://b/e.py", "--max-capacity", "2")
    table = cli("jobs", "list")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:2] == ["NAME", "CAPACITY"]
    assert [line.split()[0] for line in lines[1:]] == names
    assert "2 DPU" in lines[1]
    as_json = cli("jobs", "list", "--json")
    assert [j["name"] for j in json.loads(as_json.stdout)] == names
    assert [j["name"] for j in json.loads(cli("--json", "jobs", "list", "--limit", "2").stdout)] == names[:2]


def test_api_errors_print_code_and_message_and_exit_2(cli: Cli) -> None:
    result = cli("jobs", "get", "ghost")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: EntityNotFoundException: job ghost not found"
    assert result.stdout == ""


def test_get_update_delete(cli: Cli, api: FakeApi, job: str, script: Path) -> None:
    shown = cli("jobs", "get", job)
    assert "s3://bucket/etl.py" in shown.stdout
    updated = cli("jobs", "update", job, "--timeout", "45", "--json")
    assert updated.exit_code == 0, updated.output
    assert json.loads(api.requests[-1].content) == {"timeout": 45}
    assert Job.model_validate_json(updated.stdout).timeout == 45
    moved = cli("jobs", "update", job, "--script", str(script))
    assert moved.exit_code == 0, moved.output
    assert api.jobs[job]["command"]["script_location"] == "file:///scripts/etl_job.py"
    assert api.jobs[job]["command"]["name"] == "glueetl"
    assert cli("jobs", "update", job).exit_code == 2  # nothing to change
    deleted = cli("jobs", "delete", job)
    assert (deleted.exit_code, deleted.stdout.strip()) == (0, f"deleted job {job}")
    assert job not in api.jobs


def test_start_prints_the_run_and_next_steps(cli: Cli, api: FakeApi, job: str) -> None:
    result = cli("runs", "start", job, "--arg", "--day=tue")
    assert result.exit_code == 0, result.output
    (run_id,) = api.runs
    assert api.runs[run_id].body["arguments"] == {"--day": "tue"}
    assert f"started run {run_id}" in result.stdout
    assert f"glueworks runs wait {run_id}" in result.stdout


def test_start_and_wait_exits_0_on_success_with_progress_on_stderr(cli: Cli, api: FakeApi, job: str) -> None:
    api.run_plan = ["STARTING", "RUNNING", "RUNNING", "SUCCEEDED"]
    result = cli("runs", "start", job, "--wait", "--poll-interval", "1")
    assert result.exit_code == 0, result.output
    progress = result.stderr.splitlines()
    # One line per change of state or counts; the repeated RUNNING brought new counts.
    assert [line.split()[1] for line in progress[1:]] == api.run_plan
    assert "read 30" in progress[-1] and "written 27" in progress[-1]
    assert "SUCCEEDED" in result.stdout


@pytest.mark.parametrize("final", ["FAILED", "STOPPED", "TIMEOUT", "ERROR"])
def test_wait_exits_1_when_the_run_does_not_succeed(cli: Cli, api: FakeApi, job: str, final: str) -> None:
    api.run_plan = ["RUNNING", final]
    run_id = JobRun.model_validate_json(cli("runs", "start", job, "--json").stdout).id
    result = cli("runs", "wait", run_id, "--json")
    assert result.exit_code == 1
    run = JobRun.model_validate_json(result.stdout)
    assert run.job_run_state.value == final and run.error_message


def test_wait_timeout_exits_1(cli: Cli, api: FakeApi, job: str) -> None:
    api.run_plan = ["RUNNING"]
    run_id = JobRun.model_validate_json(cli("runs", "start", job, "--json").stdout).id
    result = cli("runs", "wait", run_id, "--timeout", "3")
    assert result.exit_code == 1
    assert f"error: run {run_id} still RUNNING after waiting 3 s" in result.stderr


def test_status_list_stop_metrics(cli: Cli, api: FakeApi, job: str) -> None:
    ids = [JobRun.model_validate_json(cli("runs", "start", job, "--json").stdout).id for _ in range(2)]
    status = cli("runs", "status", ids[0])
    assert "state:" in status.stdout and ids[0] in status.stdout
    listed = cli("runs", "list", job)
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ids[::-1]
    assert [r["id"] for r in json.loads(cli("runs", "list", job, "--json").stdout)] == ids[::-1]
    stopped = cli("runs", "stop", ids[1])
    assert stopped.stdout.strip() == f"run {ids[1]} is STOPPING"
    metrics = json.loads(cli("runs", "metrics", ids[0], "--json").stdout)
    assert metrics["records_read"] == api.runs[ids[0]].body["metrics"].get("records_read", 0)
    assert "records read:" in cli("runs", "metrics", ids[0]).stdout


def test_logs_and_follow(cli: Cli, api: FakeApi, job: str) -> None:
    api.run_plan = ["SUCCEEDED"]
    run_id = JobRun.model_validate_json(cli("runs", "start", job, "--json").stdout).id
    api.log_chunks[run_id] = ["line 1\n", "line 2\n", "", "line 3\n"]
    assert cli("runs", "logs", run_id).stdout == "line 1\nline 2\n"
    api.log_revealed.clear()
    api.runs[run_id].step = 0
    cli("runs", "status", run_id)  # the run reaches SUCCEEDED
    followed = cli("runs", "logs", run_id, "--follow", "--poll-interval", "0.5")
    assert followed.stdout == "line 1\nline 2\nline 3\n"
    api.log_revealed.clear()
    chunks = [json.loads(line) for line in cli("runs", "logs", run_id, "-f", "--json").stdout.splitlines()]
    assert "".join(c["text"] for c in chunks) == "line 1\nline 2\nline 3\n"


def test_global_options_and_environment_reach_the_client(cli: Cli) -> None:
    cli("--endpoint", "http://127.0.0.1:9999", "--api-key", "k1", "health")
    cli("health", env={"GLUEWORKS_ENDPOINT": "http://127.0.0.1:7777", "GLUEWORKS_API_KEY": "k2"})
    cli("health", env={"GLUEWORKS_ENDPOINT": "", "GLUEWORKS_API_KEY": ""})
    assert cli.factory_calls[0] == ("http://127.0.0.1:9999", "k1")
    assert cli.factory_calls[1] == ("http://127.0.0.1:7777", "k2")
    assert cli.factory_calls[2][0] == "http://127.0.0.1:8080"
    assert cli.api.requests[0].headers["authorization"] == "Bearer k1"


def test_help_never_builds_a_client(cli: Cli) -> None:
    for args in (["--help"], ["jobs", "--help"], ["runs", "wait", "--help"]):
        assert cli(*args).exit_code == 0
    assert cli.factory_calls == []


def test_connection_errors_exit_2(api: FakeApi) -> None:
    runner = CliRunner()
    app = create_cli(lambda endpoint, key: Client("http://127.0.0.1:9", max_retries=0))
    result = runner.invoke(app, ["jobs", "list"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot connect to http://127.0.0.1:9")


@pytest.fixture
def fake_platform_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, object]]]:
    calls: list[tuple[object, object]] = []
    module = types.ModuleType("glueworks.platform.server")
    module.main = lambda host, port: calls.append((host, port))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "glueworks.platform.server", module)
    yield calls


def test_server_passes_host_and_port_to_the_platform(
    cli: Cli, fake_platform_server: list[tuple[object, object]]
) -> None:
    assert cli("server", "--host", "0.0.0.0", "--port", "9000").exit_code == 0
    assert cli("server").exit_code == 0
    assert fake_platform_server == [("0.0.0.0", 9000), (None, None)]


class _MissingExtra:
    """A meta-path finder that fails one module's import as if a dependency of it were not installed."""

    def __init__(self, module: str, dependency: str) -> None:
        self.module, self.dependency = module, dependency

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == self.module:
            raise ModuleNotFoundError(f"No module named {self.dependency!r}", name=self.dependency)


@pytest.mark.parametrize(
    ("command", "module"), [("server", "glueworks.platform.server"), ("demo", "glueworks.platform.demo")]
)
def test_platform_commands_explain_a_missing_extra(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, command: str, module: str
) -> None:
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(sys, "meta_path", [_MissingExtra(module, "fastapi"), *sys.meta_path])
    result = cli(command)
    assert result.exit_code == 2
    assert "needs the platform extra" in result.stderr
    assert "pip install 'glueworks[platform]'" in result.stderr
    assert "fastapi" in result.stderr
