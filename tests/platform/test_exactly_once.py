"""Exactly-once output through the platform: commit with SUCCEEDED, publish after, roll forward, clean up.

Real parts only: the live platform on loopback, Ray drivers, the local filesystem. A "crash between the
commit and the publication" is the database state such a crash leaves (a COMMITTED output row, staging in
place); a new platform started on that database must publish it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from glueworks.platform.db import Database
from glueworks.platform.db.commit_models import RunOutputRow
from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor, activate
from glueworks.runtime.commit_log import LOG_DIR, STAGING_DIR
from tests.conftest import LiveServer
from tests.platform.glue_helpers import create_job, glue_client, unique, wait_for_run
from tests.runtime.conftest import read_json, write_json_lines

pytestmark = pytest.mark.ray

SCRIPT = """
import os, sys, time
import pyarrow as pa
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "output", "mode", "marker"])
glue = GlueContext()
job = Job(glue)
job.init(args["JOB_NAME"], args)
frame = DynamicFrame.fromDF(pa.table({"id": [1, 2, 3], "k": ["a", "b", "a"]}), glue, "t")
glue.write_dynamic_frame.from_options(frame, "s3", {"path": args["output"], "partitionKeys": ["k"]}, format="json")
glue.write_dynamic_frame.from_options(frame, "s3", {"path": args["output"] + "_flat"}, format="json")
open(args["marker"], "w").close()
if args["mode"] == "fail":
    raise RuntimeError("failing after two finished writes")
if args["mode"] == "wait":
    time.sleep(300)
job.commit()
"""


def visible_ids(folder: Path) -> list[int]:
    """What a glueworks reader sees in a folder."""
    glue = GlueContext(executor=LocalExecutor(2), run_context=JobRunContext.standalone())
    frame = read_json(glue, folder, recurse=True)
    return sorted(frame.toDF().column("id").to_pylist())


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def start_run(server: LiveServer, tmp_path: Path, mode: str) -> tuple[Any, str, str, Path, Path]:
    glue = glue_client(server)
    out = server.root / unique("out")
    write_json_lines(out / "before.json", [{"id": 100}])
    marker = tmp_path / "written"
    name = create_job(glue, server, SCRIPT, ExecutionProperty={"MaxConcurrentRuns": 3})
    run_id = glue.start_job_run(
        JobName=name, Arguments={"--output": str(out), "--mode": mode, "--marker": str(marker)}
    )["JobRunId"]
    return glue, name, run_id, out, marker


def test_succeeded_run_commits_with_its_state_then_publishes(any_server: LiveServer, tmp_path: Path) -> None:
    server = any_server
    glue, name, run_id, out, _ = start_run(server, tmp_path, "ok")
    run = wait_for_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    platform: Any = server.platform
    wait_until(lambda: all(o["state"] == "PUBLISHED" for o in platform.outputs.outputs("default", run_id)), "publish")
    outputs = platform.outputs.outputs("default", run_id)
    assert sorted(o["location"] for o in outputs) == [str(out), f"{out}_flat"]
    assert all(o["records"] == 3 for o in outputs)
    assert visible_ids(out) == [1, 2, 3, 100] and visible_ids(Path(f"{out}_flat")) == [1, 2, 3]
    assert not (out / STAGING_DIR).exists() and (out / LOG_DIR).is_dir()
    rows = {json.loads(p.read_text())["run_id"] for p in (out / LOG_DIR).iterdir()}
    assert rows == {run_id}


def test_a_reader_told_succeeded_finds_the_output_in_place(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The publication right after the commit is slowed down: a client polling GetJobRun sees SUCCEEDED
    # inside that window, and must find the output published all the same (the read publishes first).
    platform: Any = server.platform
    publish_after_commit = platform.outputs.publish_run

    def slow_publish(tenant_id: str, run_id: str) -> int:
        time.sleep(3)
        return int(publish_after_commit(tenant_id, run_id))

    monkeypatch.setattr(platform.outputs, "publish_run", slow_publish)
    glue, name, run_id, out, _ = start_run(server, tmp_path, "ok")
    run = wait_for_run(glue, name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert visible_ids(out) == [1, 2, 3, 100] and visible_ids(Path(f"{out}_flat")) == [1, 2, 3]
    assert [o["state"] for o in platform.outputs.outputs("default", run_id)] == ["PUBLISHED", "PUBLISHED"]


def test_failed_run_after_finished_writes_leaves_nothing(server: LiveServer, tmp_path: Path) -> None:
    glue, name, run_id, out, marker = start_run(server, tmp_path, "fail")
    run = wait_for_run(glue, name, run_id)
    assert run["JobRunState"] == "FAILED" and "failing after two finished writes" in run["ErrorMessage"]
    assert marker.exists()  # both writes had finished
    assert visible_ids(out) == [100]
    assert sorted(p.name for p in out.iterdir()) == ["before.json"]  # staging removed, nothing published
    assert not Path(f"{out}_flat").exists()
    assert server.platform.outputs.outputs("default", run_id) == []  # type: ignore[attr-defined]


def test_stopped_run_leaves_nothing_and_its_staging_is_removed(server: LiveServer, tmp_path: Path) -> None:
    glue, name, run_id, out, marker = start_run(server, tmp_path, "wait")
    wait_until(marker.exists, "the run's writes")
    assert (out / STAGING_DIR).is_dir()  # staged, not visible
    assert visible_ids(out) == [100]
    glue.batch_stop_job_run(JobName=name, JobRunIds=[run_id])
    run = wait_for_run(glue, name, run_id)
    assert run["JobRunState"] == "STOPPED"
    # The driver was killed; the platform removes its staging from the journal the driver kept.
    wait_until(lambda: not (out / STAGING_DIR).exists(), "staging cleanup")
    assert sorted(p.name for p in out.iterdir()) == ["before.json"]
    assert not (Path(f"{out}_flat") / STAGING_DIR).exists()
    assert visible_ids(out) == [100]


def test_committed_but_unpublished_output_is_published_on_platform_start(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    # The state a crash right after the commit transaction leaves: run SUCCEEDED, output COMMITTED,
    # files still in staging (the publication never ran).
    out = tmp_path / "out"
    write_json_lines(out / "before.json", [{"id": 100}])
    ctx = JobRunContext(
        run_id="jr_crash",
        job_name="job",
        attempt=0,
        executor="local",
        max_parallelism=2,
        error_records_location=None,
        publish_by_platform=True,
    )
    with activate(ctx):
        glue = GlueContext()
        frame = read_json(glue, write_json_lines(tmp_path / "in" / "a.json", [{"id": 1}, {"id": 2}]))
        glue.write_dynamic_frame.from_options(frame, "s3", {"path": str(out)}, format="json")
    ctx.finish()
    (manifest,) = ctx.manifests
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    db = Database.connect(url)
    from datetime import UTC, datetime

    with db.transaction() as session:
        session.add(
            RunOutputRow(
                tenant_id="default",
                run_id="jr_crash",
                job_name="job",
                location=manifest.location,
                token=manifest.token,
                manifest=manifest.to_dict(),
                state="COMMITTED",
                committed_on=datetime.now(UTC),
                published_on=None,
                last_error=None,
            )
        )
    db.dispose()
    assert visible_ids(out) == [100]  # readers see the old output meanwhile
    server = start_server(url)  # a platform (re)starting on that database rolls the output forward
    assert visible_ids(out) == [1, 2, 100]
    assert not (out / STAGING_DIR).exists()
    platform: Any = server.platform
    with platform.db.transaction() as session:
        states = list(session.scalars(select(RunOutputRow.state).where(RunOutputRow.run_id == "jr_crash")))
    assert states == ["PUBLISHED"]
