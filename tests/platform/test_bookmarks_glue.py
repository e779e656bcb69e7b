"""Job bookmarks end to end: runs over arriving files, failures, Get/ResetJobBookmark, REST set, concurrency."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import httpx
import pytest
from sqlalchemy import delete as sa_delete

from glueworks.platform.db import Database, JobRow, JobRunRow
from glueworks.platform.errors import EntityNotFoundError, InvalidInputError
from glueworks.platform.launchers import RunOutcome
from glueworks.platform.services.bookmarks import BookmarkService
from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor
from tests.conftest import LiveServer
from tests.platform.glue_helpers import create_job, glue_client, unique, wait_for_run
from tests.runtime.conftest import read_json, write_json_lines

SCRIPT = """
import os, sys, time
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "JOB_RUN_ID", "input", "output", "fail", "gate"])
if args["gate"] != "none":
    while not os.path.exists(os.path.join(args["gate"], args["JOB_RUN_ID"])):
        time.sleep(0.05)
glue = GlueContext()
job = Job(glue)
job.init(args["JOB_NAME"], args)
frame = glue.create_dynamic_frame.from_options(
    "s3", {"paths": [args["input"]], "maxBand": "0"}, format="json", transformation_ctx="src"
)
glue.write_dynamic_frame.from_options(frame, "s3", {"path": args["output"]}, format="json")
if args["fail"] == "yes":
    raise RuntimeError("failing on purpose")
job.commit()
"""


class Bookmarked:
    """A bookmarked job over one input folder; files arrive with increasing modification times."""

    def __init__(self, server: LiveServer, **job: Any) -> None:
        self.server = server
        self.glue = glue_client(server)
        self.input = server.root / unique("in")
        self.input.mkdir()
        self.output = server.root / unique("out")
        self.clock = 1_700_000_000.0
        self.name = create_job(
            self.glue,
            server,
            SCRIPT,
            DefaultArguments={"--job-bookmark-option": "job-bookmark-enable", "--fail": "no", "--gate": "none"},
            **job,
        )

    def arrive(self, name: str, ids: list[int]) -> None:
        self.clock += 10
        path = write_json_lines(self.input / name, [{"id": i} for i in ids])
        os.utime(path, (self.clock, self.clock))

    def start(self, **arguments: str) -> str:
        args = {"--input": str(self.input), "--output": str(self.output), **arguments}
        run_id: str = self.glue.start_job_run(JobName=self.name, Arguments=args)["JobRunId"]
        return run_id

    def run(self, **arguments: str) -> dict[str, Any]:
        return wait_for_run(self.glue, self.name, self.start(**arguments))

    def bookmark(self, **params: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.glue.get_job_bookmark(JobName=self.name, **params)["JobBookmarkEntry"]
        return entry


def ids_in(folder: Path, timeout: float = 30) -> list[int]:
    """What a glueworks reader sees (waits for publication: it follows the commit by moments)."""
    glue = GlueContext(executor=LocalExecutor(2), run_context=JobRunContext.standalone())
    if not folder.exists():
        return []
    deadline = time.monotonic() + timeout
    while (folder / "_glueworks_staging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(read_json(glue, folder).toDF().column("id").to_pylist())


@pytest.mark.ray
def test_runs_read_each_arriving_file_once_and_failures_do_not_advance(server: LiveServer) -> None:
    job = Bookmarked(server)
    job.arrive("f1.json", [1, 2])
    first = job.run()
    assert first["JobRunState"] == "SUCCEEDED", first.get("ErrorMessage")
    assert ids_in(job.output) == [1, 2]
    assert job.bookmark()["Version"] == 1

    job.arrive("f2.json", [3])
    failed = job.run(**{"--fail": "yes"})
    assert failed["JobRunState"] == "FAILED"
    entry = job.bookmark()
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (1, 1, first["Id"])  # the failure saved nothing
    assert ids_in(job.output) == [1, 2]  # and published nothing

    job.arrive("f3.json", [4])
    second = job.run()
    job.arrive("f4.json", [5])
    third = job.run()
    assert second["JobRunState"] == third["JobRunState"] == "SUCCEEDED"
    assert ids_in(job.output) == [1, 2, 3, 4, 5]  # each file read exactly once over the runs
    entry = job.bookmark()
    assert (entry["Version"], entry["Run"], entry["RunId"], entry["PreviousRunId"]) == (3, 3, third["Id"], second["Id"])
    state = json.loads(entry["JobBookmark"])
    assert set(state) == {"src"} and state["src"]["kind"] == "files"

    # Pause over a range: what arrived after run 1's bookmark up to run 2's (f2 and f3), nothing saved.
    ranged = job.output.with_name(job.output.name + "-range")
    paused = job.run(
        **{
            "--job-bookmark-option": "job-bookmark-pause",
            "--job-bookmark-from": first["Id"],
            "--job-bookmark-to": second["Id"],
            "--output": str(ranged),
        }
    )
    assert paused["JobRunState"] == "SUCCEEDED", paused.get("ErrorMessage")
    assert ids_in(ranged) == [3, 4]
    assert job.bookmark()["Version"] == 3

    # Rewind to run 1: the next run reads everything that arrived after it.
    rewound = job.glue.reset_job_bookmark(JobName=job.name, RunId=first["Id"])["JobBookmarkEntry"]
    assert json.loads(rewound["JobBookmark"]) == json.loads(job.bookmark(RunId=first["Id"])["JobBookmark"])
    again = job.output.with_name(job.output.name + "-again")
    after_rewind = job.run(**{"--output": str(again)})
    assert after_rewind["JobRunState"] == "SUCCEEDED"
    assert ids_in(again) == [3, 4, 5]

    # Reset: the bookmark is empty, and a bookmark that was never saved by a run cannot be a rewind target.
    cleared = job.glue.reset_job_bookmark(JobName=job.name)["JobBookmarkEntry"]
    assert json.loads(cleared["JobBookmark"]) == {}
    with pytest.raises(botocore.exceptions.ClientError) as err:
        job.glue.reset_job_bookmark(JobName=job.name, RunId=failed["Id"])
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


@pytest.mark.ray
def test_rest_sets_a_bookmark_and_names_bad_fields(server: LiveServer) -> None:
    job = Bookmarked(server)
    job.arrive("old.json", [1])
    job.arrive("new.json", [2])
    new_mtime = job.clock
    base = f"{server.url}/v1/jobs/{job.name}/bookmark"
    # Set the bookmark so that only files after old.json are new.
    state = {"src": {"kind": "files", "cut": new_mtime - 5, "files": {}, "band_ms": 0}}
    put = httpx.put(base, json={"state": state}, timeout=30)
    assert put.status_code == 200, put.text
    assert put.json()["state"] == state and put.json()["version"] == 1
    run = job.run()
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert ids_in(job.output) == [2]
    got = httpx.get(base, timeout=30).json()
    assert got["version"] == 2 and got["run_id"] == run["Id"]
    bad = httpx.put(base, json={"state": {"src": {"kind": "files", "cut": "yesterday"}}}, timeout=30)
    assert bad.status_code == 400 and "state.src.cut" in bad.text
    reset = httpx.post(f"{base}/reset", json={"run_id": None}, timeout=30)
    assert reset.status_code == 200 and reset.json()["state"] == {}
    missing = httpx.get(f"{server.url}/v1/jobs/{unique('nojob')}/bookmark", timeout=30)
    assert missing.status_code == 404


@pytest.mark.ray
def test_bad_bookmark_arguments_fail_the_run_naming_them(server: LiveServer) -> None:
    job = Bookmarked(server)
    run = job.run(**{"--job-bookmark-option": "job-bookmark-sometimes"})
    assert run["JobRunState"] == "FAILED" and "--job-bookmark-option" in run["ErrorMessage"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        job.glue.get_job_bookmark(JobName=unique("nojob"))
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"


@pytest.mark.ray
def test_concurrent_runs_cannot_corrupt_the_bookmark(server: LiveServer, tmp_path: Path) -> None:
    job = Bookmarked(server, ExecutionProperty={"MaxConcurrentRuns": 2})
    job.arrive("f1.json", [1, 2])
    gate = tmp_path / "gate"
    gate.mkdir()
    first, second = job.start(**{"--gate": str(gate)}), job.start(**{"--gate": str(gate)})
    for run_id in (first, second):  # both start from the same bookmark version
        wait_for_run(job.glue, job.name, run_id, states={"RUNNING"})
    (gate / first).touch()
    assert wait_for_run(job.glue, job.name, first)["JobRunState"] == "SUCCEEDED"
    (gate / second).touch()
    late = wait_for_run(job.glue, job.name, second)
    assert late["JobRunState"] == "FAILED"
    assert "job bookmark" in late["ErrorMessage"] and "changed while this run was going" in late["ErrorMessage"]
    assert ids_in(job.output) == [1, 2]  # the stale run's output was not committed
    entry = job.bookmark()
    assert (entry["Version"], entry["RunId"]) == (1, first)


def _job_row(name: str, created: datetime) -> JobRow:
    return JobRow(
        tenant_id="t1",
        name=name,
        command_name="glueetl",
        script_location="s3://b/s.py",
        default_arguments={},
        non_overridable_arguments={},
        tags={},
        created_on=created,
        last_modified_on=created,
    )


def _run_row(run_id: str, state: str = "SUCCEEDED") -> JobRunRow:
    return JobRunRow(
        id=run_id,
        tenant_id="t1",
        job_name="j",
        attempt=0,
        state=state,
        arguments={"--job-bookmark-option": "job-bookmark-enable"},
    )


def test_bookmark_service_compare_and_set_reset_and_set(database: Database) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    service = BookmarkService(database, lambda: now)
    with database.transaction() as session:
        session.add(_job_row("j", now - timedelta(hours=1)))
    run_a, run_b = _run_row("jr_a"), _run_row("jr_b")
    assert (
        service.launch_spec(run_a)
        == service.launch_spec(run_b)
        == {
            "option": "job-bookmark-enable",
            "version": 0,
            "state": {},
            "to_state": None,
        }
    )
    saved = {"src": {"kind": "files", "cut": 5.0, "files": {"a": 6.0}, "band_ms": 1000}}
    with database.transaction() as session:
        service.on_terminal(session, run_a, RunOutcome("SUCCEEDED", bookmark={"version": 0, "state": saved}))
    with database.transaction() as session:
        service.on_terminal(session, run_b, RunOutcome("SUCCEEDED", bookmark={"version": 0, "state": {}}))
    assert run_a.state == "SUCCEEDED"
    assert run_b.state == "FAILED" and "last saved by run jr_a" in (run_b.error_message or "")
    entry = service.get("t1", "j")
    assert (entry.version, entry.run, entry.run_id, entry.state) == (1, 1, "jr_a", saved)
    assert service.put("t1", "j", {}).version == 2
    rewound = service.reset("t1", "j", "jr_a")
    assert (rewound.version, rewound.state) == (3, saved)
    assert service.reset("t1", "j").state == {}
    with pytest.raises(InvalidInputError, match=r"state\.src\.files"):
        service.put("t1", "j", {"src": {"kind": "files", "files": ["a"]}})
    with pytest.raises(EntityNotFoundError):
        service.reset("t1", "j", "jr_b")  # a run that saved nothing
    # The job is deleted and created again: its old bookmark is gone, as in Glue.
    with database.transaction() as session:
        session.execute(sa_delete(JobRow).where(JobRow.tenant_id == "t1", JobRow.name == "j"))
        session.add(_job_row("j", now + timedelta(hours=1)))
    with pytest.raises(EntityNotFoundError, match="Continuation"):
        service.get("t1", "j")
