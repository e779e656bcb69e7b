"""``glueworks scheduler`` as its own process beside a server that only dispatches (scheduler.role=dispatch)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import SchedulerLeaseRow
from glueworks.platform.scheduling.scheduler import LEASE_NAME
from glueworks.platform.services.triggers import TriggerSpec
from tests.platform.scheduling.conftest import TENANT


def wait_for(check: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_scheduler_process_fires_and_the_server_dispatches(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(role="dispatch")
    o.job("first")
    o.job("second")
    o.platform.workflows.create(TENANT, "split")
    o.platform.triggers.create(TENANT, "go", TriggerSpec("ON_DEMAND", [{"JobName": "first"}], workflow_name="split"))
    predicate = {"Conditions": [{"LogicalOperator": "EQUALS", "JobName": "first", "State": "SUCCEEDED"}]}
    spec = TriggerSpec("CONDITIONAL", [{"JobName": "second"}], workflow_name="split", predicate=predicate)
    o.platform.triggers.create(TENANT, "next", spec, start_on_creation=True)
    run_id = o.platform.workflows.start_run(TENANT, "split")  # the API starts "first" at once

    env = {
        **os.environ,
        "GLUEWORKS_DATA_DIR": str(o.root),
        "GLUEWORKS_DATABASE__URL": o.platform.settings.database_url,
        "GLUEWORKS_SCHEDULER__INTERVAL": "0.1",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "glueworks"), "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def second_started() -> bool:
            o.platform.scheduler.run_once()  # dispatch only: this "server" never fires triggers itself
            with o.platform.db.transaction() as session:
                return session.scalars(select(JobRunRow).where(JobRunRow.job_name == "second")).first() is not None

        wait_for(second_started, "the scheduler process to fire 'next'")
        run = wait_for(
            lambda: (v := o.platform.workflows.get_run(TENANT, "split", run_id)).run.status == "COMPLETED" and v,
            "the scheduler process to complete the workflow run",
        )
        assert run.statistics["SucceededActions"] == 2
        with o.platform.db.transaction() as session:
            lease = session.get(SchedulerLeaseRow, LEASE_NAME)
            assert lease is not None and lease.expires_at > datetime.now(UTC)  # it leads, and renews
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    with o.platform.db.transaction() as session:
        lease = session.get(SchedulerLeaseRow, LEASE_NAME)
        assert lease is not None and lease.expires_at <= datetime.now(UTC)  # handed back on a clean stop
