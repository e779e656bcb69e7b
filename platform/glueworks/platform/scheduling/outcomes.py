"""Where trigger actions stand: the state of the run or crawl each action started, in Glue's terms.

A job run that was retried (F's run lifecycle: a new attempt with ``previous_run_id``) stands for its latest
attempt. A crawl's history state is mapped to the states a predicate can watch (COMPLETED -> SUCCEEDED,
STOPPED -> CANCELLED).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from glueworks.platform.db import JobRunRow
from glueworks.platform.db.scheduling_models import TriggerActionRow, WorkflowRunRow
from glueworks.platform.scheduling.predicates import NodeKey, Outcome

__all__ = [
    "TERMINAL",
    "ActionView",
    "action_views",
    "latest_attempts",
    "node_key",
    "recent_outcome",
    "workflow_actions",
    "workflow_outcomes",
]

TERMINAL = frozenset({"STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT", "ERROR", "EXPIRED", "CANCELLED"})
_CRAWL_STATES = {"COMPLETED": "SUCCEEDED", "STOPPED": "CANCELLED", "STOPPING": "RUNNING"}


def node_key(action: TriggerActionRow) -> NodeKey:
    return (action.kind, action.target_name)


class ActionView:
    """An action with the state it stands in now, and the run ids it made (every attempt, oldest first)."""

    def __init__(self, action: TriggerActionRow, state: str, run_ids: list[str]) -> None:
        self.action = action
        self.state = state
        self.run_ids = run_ids

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


def latest_attempts(session: Session, run_ids: Iterable[str]) -> dict[str, list[JobRunRow]]:
    """Each run id with its chain of attempts (itself first, then retries via previous_run_id)."""
    chains: dict[str, list[JobRunRow]] = {}
    first = list(session.scalars(select(JobRunRow).where(JobRunRow.id.in_(list(run_ids)))))
    owner: dict[str, str] = {}
    frontier: list[str] = []
    for run in first:
        chains[run.id] = [run]
        owner[run.id] = run.id
        frontier.append(run.id)
    while frontier:
        retries = list(session.scalars(select(JobRunRow).where(JobRunRow.previous_run_id.in_(frontier))))
        frontier = []
        for run in retries:
            root = owner.get(run.previous_run_id or "")
            if root is None or run.id in owner:
                continue
            owner[run.id] = root
            chains[root].append(run)
            frontier.append(run.id)
    return chains


def _crawl_states(session: Session, crawl_ids: list[str]) -> dict[str, str]:
    if not crawl_ids:
        return {}
    try:
        from glueworks.platform.db.crawler_models import CrawlRow
    except ImportError:  # a build without crawlers
        return {}
    rows = session.scalars(select(CrawlRow).where(CrawlRow.id.in_(crawl_ids)))
    return {row.id: _CRAWL_STATES.get(row.state, row.state) for row in rows}


def action_views(session: Session, actions: Iterable[TriggerActionRow]) -> list[ActionView]:
    """The current state of each action (PENDING, ERROR, or the state of the run/crawl it started)."""
    actions = list(actions)
    job_ids = [a.run_id for a in actions if a.kind == "JOB" and a.status == "STARTED" and a.run_id]
    crawl_ids = [a.run_id for a in actions if a.kind == "CRAWLER" and a.status == "STARTED" and a.run_id]
    chains = latest_attempts(session, job_ids) if job_ids else {}
    crawls = _crawl_states(session, crawl_ids)
    views: list[ActionView] = []
    for action in actions:
        if action.status != "STARTED" or not action.run_id:
            views.append(ActionView(action, action.status, []))
        elif action.kind == "JOB":
            chain = chains.get(action.run_id, [])
            state = chain[-1].state if chain else "ERROR"  # the run row is gone: nothing will ever finish it
            views.append(ActionView(action, state, [r.id for r in chain]))
        else:
            views.append(ActionView(action, crawls.get(action.run_id, "RUNNING"), [action.run_id]))
    return views


def workflow_actions(session: Session, run: WorkflowRunRow) -> tuple[list[ActionView], list[ActionView]]:
    """(the run's own actions, the actions it inherited from the run it resumed), as views."""
    own = list(
        session.scalars(
            select(TriggerActionRow)
            .where(TriggerActionRow.workflow_run_id == run.id, TriggerActionRow.tenant_id == run.tenant_id)
            .order_by(TriggerActionRow.id)
        )
    )
    inherited_ids = [int(i) for i in run.inherited.values()]
    inherited = (
        list(session.scalars(select(TriggerActionRow).where(TriggerActionRow.id.in_(inherited_ids))))
        if inherited_ids
        else []
    )
    return action_views(session, own), action_views(session, inherited)


def workflow_outcomes(own: list[ActionView], inherited: list[ActionView]) -> dict[NodeKey, Outcome | None]:
    """Per node, the outcome a predicate sees in a workflow run: its latest action there, else the inherited one.

    A node whose latest action has not finished has no outcome yet (None).
    """
    latest: dict[NodeKey, ActionView] = {node_key(v.action): v for v in inherited}
    for view in own:  # ordered by id: later actions win
        latest[node_key(view.action)] = view
    return {key: Outcome(str(view.action.id), view.state) if view.terminal else None for key, view in latest.items()}


def recent_outcome(session: Session, tenant_id: str, node: NodeKey, since: datetime | None) -> Outcome | None:
    """Outside workflows: the latest finished run (or crawl) of a node, completed at or after ``since``."""
    kind, name = node
    if kind == "JOB":
        query = select(JobRunRow).where(
            JobRunRow.tenant_id == tenant_id,
            JobRunRow.job_name == name,
            JobRunRow.completed_on.is_not(None),
            JobRunRow.state.in_(sorted(TERMINAL)),
        )
        if since is not None:
            query = query.where(JobRunRow.completed_on >= since)
        run = session.scalars(query.order_by(JobRunRow.completed_on.desc(), JobRunRow.id.desc()).limit(1)).first()
        return None if run is None else Outcome(run.id, run.state)
    try:
        from glueworks.platform.db.crawler_models import CrawlRow
    except ImportError:
        return None
    crawl_query = select(CrawlRow).where(
        CrawlRow.tenant_id == tenant_id, CrawlRow.crawler_name == name, CrawlRow.end_time.is_not(None)
    )
    if since is not None:
        crawl_query = crawl_query.where(CrawlRow.end_time >= since)
    crawl = session.scalars(crawl_query.order_by(CrawlRow.end_time.desc()).limit(1)).first()
    if crawl is None:
        return None
    return Outcome(crawl.id, _CRAWL_STATES.get(crawl.state, crawl.state))
