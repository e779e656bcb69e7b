"""The scheduler with an injected clock: cron ticks fire exactly once, the SQLite lease, the catch-up policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import TriggerActionRow, TriggerFiringRow
from glueworks.platform.scheduling.firing import action_key
from glueworks.platform.scheduling.scheduler import Scheduler
from glueworks.platform.services.triggers import TriggerSpec
from tests.platform.scheduling.conftest import TENANT, Orchestra


def runs_of(o: Orchestra, job: str) -> list[JobRunRow]:
    with o.platform.db.transaction() as session:
        return list(session.scalars(select(JobRunRow).where(JobRunRow.job_name == job).order_by(JobRunRow.started_on)))


def firings(o: Orchestra, trigger: str) -> list[TriggerFiringRow]:
    with o.platform.db.transaction() as session:
        return list(
            session.scalars(
                select(TriggerFiringRow).where(TriggerFiringRow.trigger_name == trigger).order_by(TriggerFiringRow.tick)
            )
        )


def scheduled(o: Orchestra, name: str, job: str, cron: str) -> None:
    spec = TriggerSpec(type="SCHEDULED", schedule=cron, actions=[{"JobName": job, "Arguments": {"--who": name}}])
    o.platform.triggers.create(TENANT, name, spec, start_on_creation=True)


def test_a_simulated_day_fires_once_per_tick(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    job = o.job("nightly")
    scheduled(o, "every-15", job, "cron(0/15 * * * ? *)")
    start = o.clock()
    # Passes at uneven moments (every 7 minutes, and twice at some), so ticks fall between and on passes.
    while o.clock() < start + timedelta(days=1):
        o.clock.advance(timedelta(minutes=7))
        o.platform.scheduler.run_once()
        if o.clock().minute % 3 == 0:
            o.platform.scheduler.run_once()
    end = o.clock()
    expected = []
    tick = start + timedelta(minutes=15)
    while tick <= end:
        expected.append(tick)
        tick += timedelta(minutes=15)
    fired = firings(o, "every-15")
    assert [f.tick for f in fired] == expected
    runs = runs_of(o, job)
    assert len(runs) == len(expected)
    assert sorted(r.idempotency_key or "" for r in runs) == sorted(
        action_key("every-15", t.isoformat(), 0) for t in expected
    )
    assert {r.trigger_name for r in runs} == {"every-15"}
    assert all(r.state == "SUCCEEDED" and r.arguments["--who"] == "every-15" for r in runs)
    # Each run started at (or just after) its tick: never before it.
    by_key = {r.idempotency_key: r for r in runs}
    for f in fired:
        assert f.tick is not None
        run = by_key[action_key("every-15", f.tick.isoformat(), 0)]
        assert f.tick <= run.started_on < f.tick + timedelta(minutes=15)


def test_second_scheduler_refuses_to_lead_until_the_lease_expires(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(lease_seconds=30)
    job = o.job("leased")
    scheduled(o, "every-5", job, "cron(0/5 * * * ? *)")
    first = o.platform.scheduler
    second = Scheduler(o.platform.db, first._dispatcher, clock=o.clock, config=first.config, holder="second")
    o.clock.advance(timedelta(minutes=5))
    assert first.run_once().led
    assert first.is_leader()
    o.clock.advance(timedelta(minutes=5) - timedelta(seconds=31))  # the first renews at each pass...
    assert first.run_once().led
    o.clock.advance(timedelta(seconds=20))
    report = second.run_once()
    assert not report.led and report.ticks_fired == 0  # ...so the second stays out while the lease holds
    o.clock.advance(timedelta(seconds=11))  # the first stopped renewing: its lease ran out
    report = second.run_once()
    assert report.led and report.ticks_fired == 1
    assert not first.run_once().led
    assert len(firings(o, "every-5")) == 2 == len(runs_of(o, job))
    second.stop()  # hands the lease back: the first leads at once
    assert first.run_once().led


def test_catch_up_fires_recent_missed_ticks_and_skips_older_ones(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra(catch_up_window=3600)
    job = o.job("hourly")
    scheduled(o, "every-10", job, "cron(0/10 * * * ? *)")
    o.clock.advance(timedelta(hours=3, minutes=5))  # the scheduler was down for three hours
    report = o.platform.scheduler.run_once()
    now = o.clock()
    fired = [f.tick for f in firings(o, "every-10")]
    assert fired and all(now - timedelta(hours=1) <= t <= now for t in fired if t is not None)
    assert len(fired) == 6 == report.ticks_fired  # 02:10 .. 03:00
    assert report.ticks_skipped == 12  # 00:10 .. 02:00, older than the window
    assert len(runs_of(o, job)) == 6


def test_a_pass_with_nothing_due_fires_nothing_and_a_repeated_pass_is_idempotent(make_orchestra) -> None:  # type: ignore[no-untyped-def]
    o = make_orchestra()
    job = o.job("noon")
    scheduled(o, "noon", job, "cron(0 12 * * ? *)")
    o.clock.advance(timedelta(hours=11, minutes=59))
    assert o.platform.scheduler.run_once().ticks_fired == 0
    o.clock.advance(timedelta(minutes=1))
    assert o.platform.scheduler.run_once().ticks_fired == 1
    assert o.platform.scheduler.run_once().ticks_fired == 0
    # A firing whose actions were never started (a scheduler killed after committing it) starts on the next pass.
    with o.platform.db.transaction() as session:
        action = session.scalars(select(TriggerActionRow)).one()
        action.status, action.run_id = "PENDING", None
    assert o.platform.scheduler.run_once().actions_started == 1
    assert len(runs_of(o, job)) == 1  # the idempotency key returned the run the first start made
    assert firings(o, "noon")[0].tick == datetime(2026, 3, 1, 12, tzinfo=UTC)
