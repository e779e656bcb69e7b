"""Error thresholds: ``stageThreshold`` and ``totalThreshold`` on every transform.

Each transform call may set two limits (0, the default, means no limit):

* ``stageThreshold``: the most error records *that transform* may produce;
* ``totalThreshold``: the most error records up to and including that transform (the read's
  bad input records included).

A frame carries the limits of every transform it derives from. Whenever an action runs the plan
(``count``, ``schema``, ``toDF``, ``show``, a write, ``assertErrorThreshold``), every limit is
checked against the per-stage counts the split tasks report, and the first one exceeded
raises `ErrorThresholdExceededError` with the counts and the limit, which fails the run. The
error-inspection calls (``errorsCount``, ``stageErrorsCount``, ``errorsAsDynamicFrame``) do not
check, so a script can look at the errors that would fail it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from glueworks.runtime.errors import ErrorThresholdExceededError, InvalidOptionError
from glueworks.runtime.plan import PlanNode, Stage

if TYPE_CHECKING:
    # Only the type: importing the executors package here would make frame.py pull it in.
    from glueworks.runtime.executors.pipeline import SplitMeta


@dataclass(frozen=True, eq=False)
class ThresholdCheck:
    """The limits one transform call set.

    Attributes:
        node: The plan node the transform built (found by identity in the plan chain).
        transform: Name for messages, e.g. ``Filter (ctx=clean)``.
        stage_threshold: Most error records this transform may produce (0: no limit).
        total_threshold: Most error records up to and including it (0: no limit).
    """

    node: PlanNode
    transform: str
    stage_threshold: int
    total_threshold: int


def validate_thresholds(stage: object, total: object) -> tuple[int, int]:
    """Check both limits are integers >= 0.

    Raises:
        InvalidOptionError: A limit is negative or not an integer; the message names it.
    """
    for option, value in (("stageThreshold", stage), ("totalThreshold", total)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidOptionError(option, f"must be an integer >= 0, got {value!r}")
    assert isinstance(stage, int) and isinstance(total, int)
    return stage, total


def chain(plan: PlanNode) -> list[PlanNode]:
    """The nodes of a chain plan, leaf first (stops at a stage or a node without one `child`)."""
    nodes = [plan]
    # A stage (join, repartition, …) starts new parts: its tasks count from it, like a leaf.
    while not isinstance(nodes[-1], Stage) and isinstance(getattr(nodes[-1], "child", None), PlanNode):
        nodes.append(nodes[-1].child)  # type: ignore[attr-defined]
    nodes.reverse()
    return nodes


def stage_counts(plan: PlanNode, metas: Sequence[SplitMeta]) -> list[int] | None:
    """Error records per stage of the chain (leaf first), or None when the tasks did not
    report per-stage counts that fit this plan."""
    length = len(chain(plan))
    counts = [0] * length
    for meta in metas:
        if len(meta.stage_errors) != length:
            return None
        for index, count in enumerate(meta.stage_errors):
            counts[index] += count
    return counts


def enforce(plan: PlanNode, metas: Sequence[SplitMeta], checks: Sequence[ThresholdCheck]) -> None:
    """Raise if any transform of the plan produced more error records than it allows.

    Raises:
        ErrorThresholdExceededError: The first limit exceeded, leaf-most transform first.
    """
    if not checks:
        return
    nodes = chain(plan)
    counts = stage_counts(plan, metas)
    total_all = sum(len(meta.errors) for meta in metas)
    position = {id(node): index for index, node in enumerate(nodes)}
    ordered = sorted(checks, key=lambda c: position.get(id(c.node), len(nodes)))
    for check in ordered:
        index = position.get(id(check.node))
        if counts is None or index is None:
            # No per-stage split: count every error against the stage (never lets one pass).
            stage, total = total_all, total_all
        else:
            stage, total = counts[index], sum(counts[: index + 1])
        if check.stage_threshold and stage > check.stage_threshold:
            raise ErrorThresholdExceededError(check.transform, "stageThreshold", check.stage_threshold, stage, total)
        if check.total_threshold and total > check.total_threshold:
            raise ErrorThresholdExceededError(check.transform, "totalThreshold", check.total_threshold, stage, total)
