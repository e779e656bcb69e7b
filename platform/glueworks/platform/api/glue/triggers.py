"""Glue trigger operations: CreateTrigger, GetTrigger, GetTriggers, ListTriggers, BatchGetTriggers, UpdateTrigger,
DeleteTrigger, StartTrigger, StopTrigger.

Action members kept and used: JobName, CrawlerName, Arguments, Timeout. NotificationProperty and
SecurityConfiguration are accepted and kept on the action (shown back by GetTrigger) but have no effect.
ListTriggers' Tags filter keeps triggers carrying every given tag.
"""

from __future__ import annotations

from typing import Any

from glueworks.platform.api.glue.protocol import Handler, compact
from glueworks.platform.context import Platform
from glueworks.platform.db.scheduling_models import TriggerRow
from glueworks.platform.errors import InvalidInputError
from glueworks.platform.services.triggers import TriggerSpec

__all__ = ["TRIGGER_OPERATIONS", "trigger_shape"]

_UPDATE_MEMBERS = {
    "Description": "description",
    "Schedule": "schedule",
    "Actions": "actions",
    "Predicate": "predicate",
    "EventBatchingCondition": "event_batching",
}


def trigger_shape(row: TriggerRow) -> dict[str, Any]:
    """A trigger row as Glue's ``Trigger`` shape."""
    return compact(
        {
            "Name": row.name,
            "WorkflowName": row.workflow_name,
            "Id": row.trigger_id,
            "Type": row.type,
            "State": row.state,
            "Description": row.description,
            "Schedule": row.schedule,
            "Actions": row.actions,
            "Predicate": row.predicate,
            "EventBatchingCondition": row.event_batching,
        }
    )


def create_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    spec = TriggerSpec(
        type=params["Type"],
        actions=params["Actions"],
        workflow_name=params.get("WorkflowName"),
        schedule=params.get("Schedule"),
        predicate=params.get("Predicate"),
        description=params.get("Description"),
        event_batching=params.get("EventBatchingCondition"),
        tags=params.get("Tags", {}),
    )
    row = platform.triggers.create(tenant, params["Name"], spec, start_on_creation=bool(params.get("StartOnCreation")))
    return {"Name": row.name}


def get_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Trigger": trigger_shape(platform.triggers.get(tenant, params["Name"]))}


def get_triggers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.triggers.page(
        tenant, params.get("MaxResults"), params.get("NextToken"), dependent_job_name=params.get("DependentJobName")
    )
    return compact({"Triggers": [trigger_shape(r) for r in rows], "NextToken": token})


def list_triggers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, token = platform.triggers.page(
        tenant,
        params.get("MaxResults"),
        params.get("NextToken"),
        dependent_job_name=params.get("DependentJobName"),
        tags=params.get("Tags"),
    )
    return compact({"TriggerNames": [r.name for r in rows], "NextToken": token})


def batch_get_triggers(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    rows, missing = platform.triggers.batch_get(tenant, list(params["TriggerNames"]))
    return {"Triggers": [trigger_shape(r) for r in rows], "TriggersNotFound": missing}


def update_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    update = params["TriggerUpdate"]
    changes = {field: update[member] for member, field in _UPDATE_MEMBERS.items() if member in update}
    if "Name" in update and update["Name"] != params["Name"]:
        raise InvalidInputError("renaming a trigger is not supported", field="TriggerUpdate.Name")
    return {"Trigger": trigger_shape(platform.triggers.update(tenant, params["Name"], changes))}


def delete_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    platform.triggers.delete(tenant, params["Name"])
    return {"Name": params["Name"]}


def start_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Name": platform.triggers.start(tenant, params["Name"])}


def stop_trigger(platform: Platform, tenant: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"Name": platform.triggers.stop(tenant, params["Name"])}


TRIGGER_OPERATIONS: dict[str, Handler] = {
    "BatchGetTriggers": batch_get_triggers,
    "CreateTrigger": create_trigger,
    "DeleteTrigger": delete_trigger,
    "GetTrigger": get_trigger,
    "GetTriggers": get_triggers,
    "ListTriggers": list_triggers,
    "StartTrigger": start_trigger,
    "StopTrigger": stop_trigger,
    "UpdateTrigger": update_trigger,
}
