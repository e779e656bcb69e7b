"""Scheduling: AWS cron expressions, trigger predicates, firings and the scheduler service.

See ``scheduler.py`` for the service (leases, row locks, catch-up policy) and ``firing.py`` for why a firing is
never lost nor repeated.
"""

from glueworks.platform.scheduling.cron import CronSchedule, min_gap_minutes, parse_cron
from glueworks.platform.scheduling.firing import ActionStarter, Dispatcher, PlatformStarter, action_key
from glueworks.platform.scheduling.predicates import Condition, Outcome, Predicate, parse_predicate
from glueworks.platform.scheduling.scheduler import PassReport, Scheduler, SchedulerConfig

__all__ = [
    "ActionStarter",
    "Condition",
    "CronSchedule",
    "Dispatcher",
    "Outcome",
    "PassReport",
    "PlatformStarter",
    "Predicate",
    "Scheduler",
    "SchedulerConfig",
    "action_key",
    "min_gap_minutes",
    "parse_cron",
    "parse_predicate",
]
