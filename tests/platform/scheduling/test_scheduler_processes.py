"""Two scheduler processes on PostgreSQL, 1,000 due ticks, one scheduler SIGKILLed several times.

100 SCHEDULED triggers fire every 5 minutes; both schedulers see the clock fixed 50 minutes after the triggers
were activated, so 1,000 (trigger, tick) firings are due at once. Launching 1,000 real runs would be too heavy for
CI: the scheduler processes use the real run service with a launcher that accepts runs and never starts them, so
each firing's run row is created (idempotency key = trigger, tick, action) and stays STARTING. The test counts
those rows: exactly one per (trigger, tick), none missing, although one scheduler is killed mid-pass again and
again. The deadline below only guards against a hang; it is not a speed assertion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from glueworks.platform.context import build_platform
from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import TriggerActionRow, TriggerFiringRow
from glueworks.platform.scheduling.firing import action_key
from glueworks.platform.services import JobSpec
from glueworks.platform.services.triggers import TriggerSpec
from tests.platform.scheduling.scheduler_proc import IdleLauncher, settings_for

pytestmark = pytest.mark.postgres

TRIGGERS = 100
TICKS = 10
TENANT = "default"
REPO = Path(__file__).resolve().parents[3]


def spawn(url: str, root: Path, now: datetime) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.platform.scheduling.scheduler_proc", url, str(root), now.isoformat()],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_two_schedulers_one_killed_exactly_one_run_per_tick(fresh_postgres_url: str, tmp_path: Path) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    launcher = IdleLauncher()
    platform = build_platform(settings_for(fresh_postgres_url, tmp_path), launcher=launcher, clock=lambda: start)
    launcher.start(platform.runs)
    script = tmp_path / "job.py"
    script.write_text("print('tick')\n")
    jobs = [
        f"job-{i}" for i in range(TRIGGERS)
    ]  # one job each: starts of different triggers do not queue on a job lock
    for job in jobs:
        platform.jobs.create(TENANT, job, JobSpec(script_location=f"file://{script}", max_concurrent_runs=1000))
    for i in range(TRIGGERS):
        spec = TriggerSpec("SCHEDULED", [{"JobName": jobs[i % len(jobs)]}], schedule="cron(0/5 * * * ? *)")
        platform.triggers.create(TENANT, f"t-{i:03d}", spec, start_on_creation=True)
    now = start + timedelta(minutes=5 * TICKS)

    steady = spawn(fresh_postgres_url, tmp_path, now)
    victim = spawn(fresh_postgres_url, tmp_path, now)
    kills = 0
    deadline = time.monotonic() + 240
    try:
        while True:
            with platform.db.transaction() as session:
                fired = session.scalar(select(func.count()).select_from(TriggerFiringRow)) or 0
                pending = session.scalar(
                    select(func.count()).select_from(TriggerActionRow).where(TriggerActionRow.status == "PENDING")
                )
            if fired == TRIGGERS * TICKS and pending == 0 and kills >= 3:
                break
            assert time.monotonic() < deadline, f"{fired} firings, {pending} pending after 240 s"
            assert steady.poll() is None, "the steady scheduler died"
            time.sleep(0.7 + 0.3 * (kills % 3))
            if kills < 4:
                victim.send_signal(signal.SIGKILL)  # mid-pass: it is always busy while work is due
                victim.wait()
                kills += 1
                victim = spawn(fresh_postgres_url, tmp_path, now)
    finally:
        for proc in (steady, victim):
            proc.kill()
            proc.wait()

    expected = {(f"t-{i:03d}", start + timedelta(minutes=5 * k)) for i in range(TRIGGERS) for k in range(1, TICKS + 1)}
    with platform.db.transaction() as session:
        firings = {(f.trigger_name, f.tick) for f in session.scalars(select(TriggerFiringRow))}
        runs = list(session.scalars(select(JobRunRow)))
        actions = list(session.scalars(select(TriggerActionRow)))
    assert firings == expected
    keys = [r.idempotency_key for r in runs]
    assert len(keys) == len(set(keys)) == TRIGGERS * TICKS  # exactly one run per (trigger, tick)
    assert set(keys) == {action_key(name, tick.isoformat(), 0) for name, tick in expected}
    assert {a.status for a in actions} == {"STARTED"}
    assert {a.run_id for a in actions} == {r.id for r in runs}
    assert {r.state for r in runs} == {"STARTING"}  # the idle launcher: rows only, no Ray work
    platform.db.dispose()
