"""Scheduling: AWS cron expressions, trigger predicates, firings and the scheduler service.

See ``scheduler.py`` for the service (leases, row locks, catch-up policy) and ``firing.py`` for why a firing is
never lost nor repeated; ``events_batching.py`` for EVENT triggers.
"""

from glueworks.platform.scheduling.cron import CronSchedule, min_gap_minutes, parse_cron
from glueworks.platform.scheduling.events_batching import PutEventsResult, fire_event_batches, put_events
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
    "PutEventsResult",
    "Scheduler",
    "SchedulerConfig",
    "action_key",
    "fire_event_batches",
    "min_gap_minutes",
    "parse_cron",
    "parse_predicate",
    "put_events",
]
