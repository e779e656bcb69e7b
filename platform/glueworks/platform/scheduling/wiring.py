"""Builds the trigger and workflow services and the scheduler for a platform (nothing starts here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from glueworks.platform.db import Database
from glueworks.platform.scheduling.firing import Dispatcher, PlatformStarter
from glueworks.platform.scheduling.scheduler import Scheduler, SchedulerConfig
from glueworks.platform.services.triggers import TriggerService
from glueworks.platform.services.workflows import WorkflowService

__all__ = ["build_orchestration", "scheduler_config"]


def scheduler_config(settings: Any) -> SchedulerConfig:
    """The scheduler's tunables from ``settings.scheduler``."""
    s = settings.scheduler
    return SchedulerConfig(
        interval=s.interval,
        lease_seconds=s.lease_seconds,
        catch_up_window=timedelta(seconds=s.catch_up_window),
        fire=s.role == "all",
    )


def build_orchestration(
    settings: Any, db: Database, runs: Any, crawlers: Callable[[], Any], clock: Callable[[], datetime]
) -> tuple[TriggerService, WorkflowService, Scheduler]:
    """(TriggerService, WorkflowService, Scheduler) sharing one dispatcher."""
    dispatcher = Dispatcher(db, PlatformStarter(runs, crawlers), clock)

    def stop_job_run(tenant_id: str, job_name: str, run_id: str) -> None:
        runs.stop(tenant_id, job_name, [run_id])

    triggers = TriggerService(db, dispatcher, clock, min_interval_minutes=settings.scheduler.min_interval_minutes)
    workflows = WorkflowService(db, dispatcher, clock, stop_job_run=stop_job_run)
    scheduler = Scheduler(db, dispatcher, clock=clock, config=scheduler_config(settings))
    return triggers, workflows, scheduler
