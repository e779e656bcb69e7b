"""Services: the business rules. Both front doors call these and only these."""

from glueworks.platform.services.jobs import JobService, JobSpec
from glueworks.platform.services.runs import (
    TERMINAL_STATES,
    LifecyclePolicy,
    RunOverrides,
    RunService,
    StopFailure,
)
from glueworks.platform.services.triggers import TriggerService, TriggerSpec
from glueworks.platform.services.workflows import IllegalWorkflowStateError, WorkflowService

__all__ = [
    "TERMINAL_STATES",
    "IllegalWorkflowStateError",
    "JobService",
    "JobSpec",
    "LifecyclePolicy",
    "RunOverrides",
    "RunService",
    "StopFailure",
    "TriggerService",
    "TriggerSpec",
    "WorkflowService",
]
