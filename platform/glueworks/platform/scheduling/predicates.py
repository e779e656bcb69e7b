"""Trigger predicates: Glue's ``Predicate{Logical, Conditions[]}`` checked and evaluated.

Evaluation is agnostic of where states come from: the caller passes, per watched node (a job or a crawler), the
latest finished run it should consider (an :class:`Outcome`), and the predicate says whether it is satisfied and
by which runs. The scheduler builds those outcomes from job runs and crawls, scoped to a workflow run or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.platform.errors import InvalidInputError

__all__ = [
    "CRAWL_STATES",
    "JOB_STATES",
    "Condition",
    "NodeKey",
    "Outcome",
    "Predicate",
    "parse_predicate",
]

JOB_STATES = ("SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT")
CRAWL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")

NodeKey = tuple[str, str]
"""(kind, name): ("JOB", "load") or ("CRAWLER", "raw")."""


@dataclass(frozen=True)
class Outcome:
    """The finished run of a node that a condition looks at: its id and its (Glue condition) state."""

    run_id: str
    state: str


@dataclass(frozen=True)
class Condition:
    kind: str  # JOB | CRAWLER
    name: str
    state: str

    @property
    def node(self) -> NodeKey:
        return (self.kind, self.name)

    def to_glue(self) -> dict[str, str]:
        if self.kind == "JOB":
            return {"LogicalOperator": "EQUALS", "JobName": self.name, "State": self.state}
        return {"LogicalOperator": "EQUALS", "CrawlerName": self.name, "CrawlState": self.state}


@dataclass(frozen=True)
class Predicate:
    logical: str  # AND | ANY
    conditions: tuple[Condition, ...]

    def nodes(self) -> set[NodeKey]:
        return {c.node for c in self.conditions}

    def evaluate(self, outcomes: Mapping[NodeKey, Outcome | None]) -> tuple[Outcome, ...] | None:
        """The outcomes that satisfy the predicate (sorted by run id), or None when it is not satisfied.

        AND needs every condition met; ANY needs one, and reports every met condition so that the same set of runs
        is recognised again on the next pass.
        """
        met: list[Outcome] = []
        for cond in self.conditions:
            outcome = outcomes.get(cond.node)
            if outcome is not None and outcome.state == cond.state:
                met.append(outcome)
            elif self.logical == "AND":
                return None
        if not met:
            return None
        return tuple(sorted(set(met), key=lambda o: o.run_id))

    def to_glue(self) -> dict[str, Any]:
        return {"Logical": self.logical, "Conditions": [c.to_glue() for c in self.conditions]}


def parse_predicate(value: Mapping[str, Any] | None, *, field: str = "Predicate") -> Predicate:
    """Check a Glue Predicate.

    Raises:
        InvalidInputError: no conditions, a condition naming both or neither of a job and a crawler, a state a
            trigger cannot watch, or a bad Logical; the message names the field.
    """
    if not value or not value.get("Conditions"):
        raise InvalidInputError("a CONDITIONAL trigger needs at least one condition", field=f"{field}.Conditions")
    conditions_in = value["Conditions"]
    logical = value.get("Logical", "AND")
    if logical not in ("AND", "ANY"):
        raise InvalidInputError(f"must be AND or ANY, got {logical!r}", field=f"{field}.Logical")
    if len(conditions_in) > 1 and "Logical" not in value:
        raise InvalidInputError("is required when there is more than one condition", field=f"{field}.Logical")
    conditions: list[Condition] = []
    for i, raw in enumerate(conditions_in):
        where = f"{field}.Conditions[{i}]"
        operator = raw.get("LogicalOperator", "EQUALS")
        if operator != "EQUALS":
            raise InvalidInputError(f"must be EQUALS, got {operator!r}", field=f"{where}.LogicalOperator")
        job, crawler = raw.get("JobName"), raw.get("CrawlerName")
        if bool(job) == bool(crawler):
            raise InvalidInputError("name exactly one of JobName and CrawlerName", field=where)
        if job:
            state = raw.get("State")
            if state not in JOB_STATES:
                raise InvalidInputError(
                    f"must be one of {', '.join(JOB_STATES)}, got {state!r}", field=f"{where}.State"
                )
            conditions.append(Condition("JOB", str(job), str(state)))
        else:
            state = raw.get("CrawlState")
            if state not in CRAWL_STATES:
                raise InvalidInputError(
                    f"must be one of {', '.join(CRAWL_STATES)}, got {state!r}", field=f"{where}.CrawlState"
                )
            conditions.append(Condition("CRAWLER", str(crawler), str(state)))
    return Predicate(str(logical), tuple(conditions))
