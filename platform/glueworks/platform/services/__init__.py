"""Services: the business rules. Both front doors call these and only these."""

from glueworks.platform.services.jobs import JobService, JobSpec
from glueworks.platform.services.runs import TERMINAL_STATES, RunOverrides, RunService, StopFailure

__all__ = ["TERMINAL_STATES", "JobService", "JobSpec", "RunOverrides", "RunService", "StopFailure"]
