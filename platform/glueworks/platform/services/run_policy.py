"""Pure rules of the run lifecycle: retry ids and backoff, failure kinds, admission by slots and CPUs.

No database and no clock here: the run service feeds these functions what it read in its transaction, so the
rules are tested exactly, on their own.

Policies (documented for users in the README):

- **Retries** (``MaxRetries``): a FAILED run is retried as a new run ``<first run id>_attempt_<n>`` with
  ``Attempt`` n and ``PreviousRunId`` the failed run, as Glue does. Both kinds of failure are retried, as Glue
  retries both: ``USER`` (the script raised) and ``INFRASTRUCTURE`` (driver lost, launch refused, Ray gone,
  platform restarted). The kind is kept in the run (``failure_kind``) and infrastructure messages start with
  ``Infrastructure failure:``. TIMEOUT and STOPPED runs are never retried. A retry waits (WAITING, StateDetail
  says until when) for a capped exponential backoff with equal jitter: ``min(cap, base * 2**(n-1))`` times a
  factor drawn uniformly from [0.5, 1].
- **Queuing**: a job's runs in STARTING/RUNNING/STOPPING hold its ``MaxConcurrentRuns`` slots. Beyond them a
  start with ``JobRunQueuingEnabled`` waits (WAITING) and is started oldest first when a slot frees; without
  queuing it is refused (ConcurrentRunsExceededException). Retries always queue.
- **Capacity**: a run asks for its capacity's vCPUs, capped at the cluster's CPUs. STANDARD runs start while
  the CPUs asked by started runs stay within ``cpu_overcommit`` times the cluster's CPUs (Ray multiplexes
  tasks, so some overcommit keeps the cluster busy); a run alone on the cluster always starts. **FLEX** runs
  start only on spare capacity: when no STANDARD run is waiting for capacity and the cluster's free CPUs
  (without overcommit) cover the run's ask. STANDARD runs are dispatched before FLEX runs, each oldest first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.autoscaler.capacity import Capacity

USER = "USER"
INFRASTRUCTURE = "INFRASTRUCTURE"
INFRASTRUCTURE_PREFIX = "Infrastructure failure: "
EXECUTION_CLASSES = ("STANDARD", "FLEX")

# Why a run is WAITING (the ``wait_reason`` a StateDetail explains).
QUEUED = "QUEUED"
CAPACITY = "CAPACITY"
RETRY = "RETRY"

_ATTEMPT = "_attempt_"


def retry_run_id(previous_run_id: str, attempt: int) -> str:
    """Glue's id of a retry: the first attempt's id with ``_attempt_<n>``."""
    return f"{previous_run_id.split(_ATTEMPT, 1)[0]}{_ATTEMPT}{attempt}"


def retry_delay(attempt: int, *, base: float, cap: float, random: Callable[[], float]) -> float:
    """Seconds before retry ``attempt`` (1 for the first retry): capped exponential backoff, equal jitter.

    Args:
        attempt: The attempt number of the retry run, from 1.
        base: Seconds before the first retry, before jitter.
        cap: Most seconds before any retry, before jitter.
        random: Uniform draws from [0, 1); a seam for tests.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return float(ceiling / 2 + random() * ceiling / 2)


def failure_kind(state: str, reported: str | None) -> str | None:
    """The kind of a terminal state: None unless FAILED; a FAILED outcome that names no kind is the script's."""
    if state != "FAILED":
        return None
    return reported if reported in (USER, INFRASTRUCTURE) else USER


def with_kind_prefix(kind: str | None, message: str | None) -> str | None:
    """Infrastructure failures say so first, so users and tools tell them from their own errors."""
    if kind != INFRASTRUCTURE:
        return message
    text = message or "the run's job driver was lost"
    return text if text.startswith(INFRASTRUCTURE_PREFIX) else INFRASTRUCTURE_PREFIX + text


def request_fingerprint(job_name: str, request: Mapping[str, Any]) -> str:
    """A stable digest of a start request, to tell a repeated request from another one under the same key."""
    canonical = json.dumps({"job_name": job_name, **request}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def cpu_ask(
    worker_type: str | None, number_of_workers: int | None, max_capacity: float | None, cluster_cpus: int
) -> int:
    """CPUs a run asks of this cluster: its capacity's vCPUs, at least 1, at most the cluster's CPUs."""
    capacity = Capacity(worker_type, number_of_workers, max_capacity or 0.0)
    return capacity.max_parallelism(cluster_cpus)


@dataclass(frozen=True)
class ClusterLoad:
    """What the started runs ask of the cluster, and whether STANDARD runs wait for capacity."""

    cluster_cpus: int | None
    in_use: int
    overcommit: float
    standard_waiting: bool = False


def capacity_wait(execution_class: str, ask: int, load: ClusterLoad) -> str | None:
    """Why a run may not start for lack of capacity (a StateDetail), or None when it may start."""
    cpus = load.cluster_cpus
    if cpus is None:  # the launcher does not know its cluster: no capacity rule
        return None
    if execution_class == "FLEX":
        if load.standard_waiting:
            return "FLEX run waiting for spare capacity: STANDARD runs are waiting for the cluster"
        if load.in_use + ask > cpus:
            return f"FLEX run waiting for spare capacity: needs {ask} free CPUs; {load.in_use} of {cpus} in use"
        return None
    if load.standard_waiting:
        return "waiting for cluster capacity behind earlier runs"
    limit = cpus * load.overcommit
    if load.in_use > 0 and load.in_use + ask > limit:
        return f"waiting for cluster capacity: needs {ask} CPUs; {load.in_use} of {limit:g} schedulable in use"
    return None


def slot_wait(job_name: str, started: int, waiting_ahead: int, max_concurrent_runs: int) -> str | None:
    """Why a run waits for one of its job's slots, or None when a slot is free and nobody is ahead."""
    if started + waiting_ahead >= max_concurrent_runs:
        return (
            f"queued: job {job_name!r} has {started} started and {waiting_ahead} waiting runs; "
            f"its MaxConcurrentRuns is {max_concurrent_runs}"
        )
    if waiting_ahead:
        return f"queued behind {waiting_ahead} earlier waiting runs of job {job_name!r}"
    return None
