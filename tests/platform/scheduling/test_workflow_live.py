"""A workflow on a live server with real runs on Ray, driven by an unmodified boto3 Glue client.

A → (B and C on A SUCCEEDED) → D on B AND C. The jobs pass values along through the workflow run properties
(they find the run through --WORKFLOW_NAME / --WORKFLOW_RUN_ID and call the Glue API). C fails until a gate
file exists; the failed node is then resumed, and D runs in the resumed run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import LiveServer
from tests.platform.glue_helpers import create_job, glue_client, unique

pytestmark = pytest.mark.ray

PRELUDE = """\
import sys
from pathlib import Path

import boto3

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
glue = boto3.client(
    "glue", endpoint_url=args["--endpoint"], region_name="us-east-1",
    aws_access_key_id="x", aws_secret_access_key="y",
)
name, run_id = args["--WORKFLOW_NAME"], args["--WORKFLOW_RUN_ID"]
props = glue.get_workflow_run_properties(Name=name, RunId=run_id)["RunProperties"]


def put(**values):
    glue.put_workflow_run_properties(Name=name, RunId=run_id, RunProperties=values)
"""

SCRIPTS = {
    "A": "put(a_rows=str(len(props['source'])))\n",
    "B": "put(b_saw=props['a_rows'])\n",
    "C": ("if not Path(args['--gate']).exists():\n    raise RuntimeError('gate closed')\nput(c_saw=props['a_rows'])\n"),
    "D": "put(d_done=props['b_saw'] + '+' + props['c_saw'])\n",
}


def wait_run(client: Any, name: str, run_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)["Run"]
        if run["Status"] not in ("RUNNING", "STOPPING"):
            return run
        assert time.monotonic() < deadline, f"workflow run still {run['Status']}: {run['Statistics']}"
        time.sleep(0.3)


def nodes_by_name(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["Name"]: node for node in run["Graph"]["Nodes"]}


def test_three_job_workflow_runs_in_order_and_resumes(server: LiveServer, tmp_path: Path) -> None:
    client = glue_client(server)
    gate = server.root / f"{unique('gate')}.flag"
    jobs = {
        key: create_job(
            client,
            server,
            PRELUDE + body,
            Name=unique(f"wf-{key}"),
            DefaultArguments={"--endpoint": server.url, "--gate": str(gate)},
        )
        for key, body in SCRIPTS.items()
    }
    wf = unique("wf")
    client.create_workflow(Name=wf, DefaultRunProperties={"source": "orders"}, MaxConcurrentRuns=2)
    client.create_trigger(Name=unique("start"), WorkflowName=wf, Type="ON_DEMAND", Actions=[{"JobName": jobs["A"]}])
    after_a = {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": jobs["A"], "State": "SUCCEEDED"}]}
    client.create_trigger(
        Name=unique("after-a"),
        WorkflowName=wf,
        Type="CONDITIONAL",
        Predicate=after_a,
        Actions=[{"JobName": jobs["B"]}, {"JobName": jobs["C"]}],
        StartOnCreation=True,
    )
    after_bc = {
        "Logical": "AND",
        "Conditions": [
            {"LogicalOperator": "EQUALS", "JobName": jobs["B"], "State": "SUCCEEDED"},
            {"LogicalOperator": "EQUALS", "JobName": jobs["C"], "State": "SUCCEEDED"},
        ],
    }
    client.create_trigger(
        Name=unique("after-bc"),
        WorkflowName=wf,
        Type="CONDITIONAL",
        Predicate=after_bc,
        Actions=[{"JobName": jobs["D"]}],
        StartOnCreation=True,
    )

    run_id = client.start_workflow_run(Name=wf)["RunId"]
    run = wait_run(client, wf, run_id)
    assert run["Status"] == "COMPLETED"
    stats = run["Statistics"]
    assert (stats["TotalActions"], stats["SucceededActions"], stats["FailedActions"]) == (3, 2, 1)
    nodes = nodes_by_name(run)
    assert [r["JobRunState"] for r in nodes[jobs["C"]]["JobDetails"]["JobRuns"]] == ["FAILED"]
    assert nodes[jobs["D"]]["JobDetails"]["JobRuns"] == []
    props = client.get_workflow_run_properties(Name=wf, RunId=run_id)["RunProperties"]
    assert props == {"source": "orders", "a_rows": "6", "b_saw": "6"}
    a_run = nodes[jobs["A"]]["JobDetails"]["JobRuns"][0]
    b_run = nodes[jobs["B"]]["JobDetails"]["JobRuns"][0]
    assert a_run["CompletedOn"] <= b_run["StartedOn"]
    assert b_run["Arguments"]["--WORKFLOW_RUN_ID"] == run_id

    gate.write_text("open")
    resumed = client.resume_workflow_run(Name=wf, RunId=run_id, NodeIds=[nodes[jobs["C"]]["UniqueId"]])
    again = wait_run(client, wf, resumed["RunId"])
    assert again["Status"] == "COMPLETED" and again["PreviousRunId"] == run_id
    assert (again["Statistics"]["TotalActions"], again["Statistics"]["SucceededActions"]) == (2, 2)
    props = client.get_workflow_run_properties(Name=wf, RunId=resumed["RunId"])["RunProperties"]
    assert props["d_done"] == "6+6"
    nodes = nodes_by_name(again)
    c_runs = nodes[jobs["C"]]["JobDetails"]["JobRuns"]
    d_run = nodes[jobs["D"]]["JobDetails"]["JobRuns"][0]
    assert max(r["CompletedOn"] for r in c_runs) <= d_run["StartedOn"]
    assert len(client.get_job_runs(JobName=jobs["A"])["JobRuns"]) == 1  # A was not run again
    assert len(client.get_job_runs(JobName=jobs["B"])["JobRuns"]) == 1

    with pytest.raises(ClientError) as info:  # nothing failed in the resumed run: nothing to resume
        client.resume_workflow_run(Name=wf, RunId=resumed["RunId"], NodeIds=[nodes[jobs["C"]]["UniqueId"]])
    assert info.value.response["Error"]["Code"] == "IllegalWorkflowStateException"
    listed = client.get_workflow_runs(Name=wf)["Runs"]
    assert [r["WorkflowRunId"] for r in listed] == [resumed["RunId"], run_id]
    workflow = client.get_workflow(Name=wf, IncludeGraph=True)["Workflow"]
    assert workflow["LastRun"]["WorkflowRunId"] == resumed["RunId"]
    # start→A, A→after-a, after-a→B, after-a→C, B→after-bc, C→after-bc, after-bc→D
    assert len(workflow["Graph"]["Edges"]) == 7


def test_glue_door_bad_input(server: LiveServer) -> None:
    client = glue_client(server)
    job = create_job(client, server)
    with pytest.raises(ClientError) as info:
        client.create_trigger(
            Name=unique("t"), Type="SCHEDULED", Schedule="cron(0 12 * * MON *)", Actions=[{"JobName": job}]
        )
    assert info.value.response["Error"]["Code"] == "InvalidInputException"
    assert "Schedule" in info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as info:
        client.create_trigger(
            Name=unique("t"),
            Type="CONDITIONAL",
            Predicate={"Conditions": [{"JobName": unique("missing"), "State": "SUCCEEDED"}]},
            Actions=[{"JobName": job}],
        )
    assert info.value.response["Error"]["Code"] == "EntityNotFoundException"
    assert "Predicate.Conditions[0].JobName" in info.value.response["Error"]["Message"]
    name = unique("t")
    client.create_trigger(Name=name, Type="SCHEDULED", Schedule="cron(15 12 * * ? *)", Actions=[{"JobName": job}])
    assert client.get_trigger(Name=name)["Trigger"]["State"] == "CREATED"
    client.start_trigger(Name=name)
    assert client.get_trigger(Name=name)["Trigger"]["State"] == "ACTIVATED"
    client.stop_trigger(Name=name)
    got = client.batch_get_triggers(TriggerNames=[name, "nope"])
    assert got["TriggersNotFound"] == ["nope"] and got["Triggers"][0]["State"] == "DEACTIVATED"
    assert name in client.list_triggers(DependentJobName=job)["TriggerNames"]
    client.delete_trigger(Name=name)
    with pytest.raises(ClientError) as info:
        client.get_trigger(Name=name)
    assert info.value.response["Error"]["Code"] == "EntityNotFoundException"
