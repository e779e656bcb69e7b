"""Errors of crawlers, their schedules and classifiers, each with the Glue code boto3 raises for it.

    GlueworksError
    ├── CrawlerRunningError              CrawlerRunningException       (start, update or delete while running)
    ├── CrawlerNotRunningError           CrawlerNotRunningException    (stop a crawler that is READY)
    ├── CrawlerStoppingError             CrawlerStoppingException      (stop a crawler already STOPPING)
    ├── SchedulerRunningError            SchedulerRunningException     (start a schedule already SCHEDULED)
    ├── SchedulerNotRunningError         SchedulerNotRunningException  (stop a schedule that is not SCHEDULED)
    ├── NoScheduleError                  NoScheduleException           (start the schedule of a crawler without one)
    └── VersionMismatchError             VersionMismatchException
"""

from __future__ import annotations

from glueworks.platform.errors import GlueworksError

__all__ = [
    "CrawlerNotRunningError",
    "CrawlerRunningError",
    "CrawlerStoppingError",
    "NoScheduleError",
    "SchedulerNotRunningError",
    "SchedulerRunningError",
    "VersionMismatchError",
]


class CrawlerRunningError(GlueworksError):
    code = "CrawlerRunningException"


class CrawlerNotRunningError(GlueworksError):
    code = "CrawlerNotRunningException"


class CrawlerStoppingError(GlueworksError):
    code = "CrawlerStoppingException"


class SchedulerRunningError(GlueworksError):
    code = "SchedulerRunningException"


class SchedulerNotRunningError(GlueworksError):
    code = "SchedulerNotRunningException"


class NoScheduleError(GlueworksError):
    code = "NoScheduleException"


class VersionMismatchError(GlueworksError):
    code = "VersionMismatchException"
