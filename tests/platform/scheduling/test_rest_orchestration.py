"""REST /v1/triggers and /v1/workflows on the real app served on loopback, with the in-process backend (no Ray)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from glueworks.platform.scheduling.graph import node_id
from glueworks.platform.services.triggers import TriggerSpec
from tests.platform.scheduling.conftest import serve


def test_rest_triggers_and_workflows(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    for job in ("extract", "load"):
        o.job(job)
    o.launcher.outcomes["load"] = "FAILED"
    with serve(o.platform) as http:
        made = http.post("/v1/workflows", json={"name": "nightly", "default_run_properties": {"day": "1"}})
        assert made.status_code == 201, made.text
        assert made.json()["default_run_properties"] == {"day": "1"}
        start = http.post(
            "/v1/triggers",
            json={
                "name": "go",
                "workflow_name": "nightly",
                "type": "ON_DEMAND",
                "actions": [{"job_name": "extract", "arguments": {"--Mode": "full"}}],
            },
        )
        assert start.status_code == 201, start.text
        assert start.json()["actions"] == [{"job_name": "extract", "arguments": {"--Mode": "full"}}]
        then = http.post(
            "/v1/triggers",
            json={
                "name": "then",
                "workflow_name": "nightly",
                "type": "CONDITIONAL",
                "start_on_creation": True,
                "predicate": {
                    "conditions": [{"logical_operator": "EQUALS", "job_name": "extract", "state": "SUCCEEDED"}]
                },
                "actions": [{"job_name": "load"}],
            },
        )
        assert then.json()["state"] == "ACTIVATED"
        bad = http.post(
            "/v1/triggers",
            json={
                "name": "x",
                "type": "SCHEDULED",
                "schedule": "cron(0 12 * * * *)",
                "actions": [{"job_name": "load"}],
            },
        )
        assert bad.status_code == 400 and "Schedule" in bad.json()["error"]["message"]
        unknown = http.post("/v1/triggers", json={"name": "x", "type": "ON_DEMAND", "actions": [{"jobname": "load"}]})
        assert unknown.status_code == 400 and "jobname" in unknown.json()["error"]["message"]
        assert [
            t["name"] for t in http.get("/v1/triggers", params={"dependent_job_name": "load"}).json()["triggers"]
        ] == ["then"]

        run_id = http.post("/v1/workflows/nightly/runs", json={"run_properties": {"who": "rest"}}).json()["run_id"]
        for _ in range(4):
            o.clock.advance(timedelta(seconds=1))
            o.platform.scheduler.run_once()
        run = http.get(f"/v1/workflows/nightly/runs/{run_id}", params={"include_graph": True}).json()
        assert run["status"] == "COMPLETED"
        assert run["statistics"]["succeeded_actions"] == 1 and run["statistics"]["failed_actions"] == 1
        nodes = {n["name"]: n for n in run["graph"]["nodes"]}
        assert nodes["extract"]["job_details"]["job_runs"][0]["arguments"]["--Mode"] == "full"
        assert nodes["load"]["unique_id"] == node_id("JOB", "load")
        props = http.put(f"/v1/workflows/nightly/runs/{run_id}/properties", json={"run_properties": {"late": "1"}})
        assert props.status_code == 409 and props.json()["error"]["code"] == "IllegalWorkflowStateException"
        assert http.get(f"/v1/workflows/nightly/runs/{run_id}/properties").json()["run_properties"] == {
            "day": "1",
            "who": "rest",
        }
        o.launcher.outcomes["load"] = "SUCCEEDED"
        resumed = http.post(f"/v1/workflows/nightly/runs/{run_id}/resume", json={"node_ids": [node_id("JOB", "load")]})
        assert resumed.status_code == 200, resumed.text
        o.platform.scheduler.run_once()
        again = http.get(f"/v1/workflows/nightly/runs/{resumed.json()['run_id']}").json()
        assert again["status"] == "COMPLETED" and again["statistics"]["succeeded_actions"] == 1
        listed = http.get("/v1/workflows/nightly/runs").json()["runs"]
        assert [r["workflow_run_id"] for r in listed] == [resumed.json()["run_id"], run_id]
        assert http.get("/v1/workflows").json()["workflows"] == ["nightly"]
        assert http.delete("/v1/workflows/nightly").status_code == 200
        assert http.get("/v1/triggers/go").status_code == 404  # a workflow's triggers go with it


def test_sdk_triggers_and_workflows(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    from glueworks.sdk import Client
    from glueworks.sdk.errors import APIError, EntityNotFoundException, InvalidInputException

    o = make_orchestra()
    o.job("one")
    with serve(o.platform) as http, Client(str(http.base_url)) as client:
        client.workflows.create("wf", default_run_properties={"k": "v"}, max_concurrent_runs=3)
        trig = client.triggers.create("kick", "ON_DEMAND", [{"job_name": "one"}], workflow_name="wf")
        assert trig["state"] == "CREATED" and trig["workflow_name"] == "wf"
        with pytest.raises(InvalidInputException, match="Schedule"):
            client.triggers.create("bad", "SCHEDULED", [{"job_name": "one"}], schedule="cron(* * * * * *)")
        with pytest.raises(EntityNotFoundException, match=r"Actions\[0\].JobName"):
            client.triggers.create("bad", "ON_DEMAND", [{"job_name": "missing"}])
        run_id = client.workflows.start_run("wf", {"extra": "1"})
        o.platform.scheduler.run_once()
        run = client.workflows.get_run("wf", run_id, include_graph=True)
        assert run["status"] == "COMPLETED" and run["statistics"]["total_actions"] == 1
        assert client.workflows.get_run_properties("wf", run_id) == {"k": "v", "extra": "1"}
        with pytest.raises(APIError) as info:
            client.workflows.resume_run("wf", run_id, [node_id("JOB", "one")])
        assert info.value.code == "IllegalWorkflowStateException" and info.value.status_code == 409
        assert client.workflows.list()["workflows"] == ["wf"]
        assert [t["name"] for t in client.triggers.list()["triggers"]] == ["kick"]
        assert client.triggers.update("kick", description="manual")["description"] == "manual"
        client.triggers.delete("kick")
        with pytest.raises(EntityNotFoundException):
            client.triggers.get("kick")


def test_cli_workflows_and_triggers(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from glueworks.sdk import Client
    from glueworks.sdk.cli import create_cli

    o = make_orchestra()
    o.job("only")
    o.launcher.outcomes["only"] = "FAILED"
    o.platform.workflows.create("default", "cli-wf")
    o.platform.triggers.create(
        "default", "kick", TriggerSpec("ON_DEMAND", [{"JobName": "only"}], workflow_name="cli-wf")
    )
    with serve(o.platform) as http:
        app = create_cli(lambda endpoint, key: Client(endpoint, key))

        def cli(*args: str) -> str:
            result = CliRunner().invoke(app, ["--endpoint", str(http.base_url), *args])
            assert result.exit_code == 0, result.output
            return result.output

        run_id = cli("workflows", "start", "cli-wf", "--property", "day=2").strip()
        o.platform.scheduler.run_once()
        shown = cli("workflows", "run", "cli-wf", run_id)
        assert "COMPLETED" in shown and "failed 1" in shown and "day=2" in shown
        run = json.loads(cli("workflows", "run", "cli-wf", run_id, "--json"))
        node = next(n for n in run["graph"]["nodes"] if n["name"] == "only")
        o.launcher.outcomes["only"] = "SUCCEEDED"
        new_id = cli("workflows", "resume", "cli-wf", run_id, node["unique_id"]).strip()
        o.platform.scheduler.run_once()
        assert json.loads(cli("workflows", "run", "cli-wf", new_id, "--json"))["status"] == "COMPLETED"
        assert "kick" in cli("triggers", "list") and "ON_DEMAND" in cli("triggers", "list")
