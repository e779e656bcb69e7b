"""Error thresholds: ``stageThreshold`` and ``totalThreshold`` on every transform.

Each transform call may set two limits (0, the default, means no limit):

* ``stageThreshold``: the most error records *that transform* may produce;
* ``totalThreshold``: the most error records up to and including that transform (the read's
  bad input records included, and after a join, union or merge every error record of both
  inputs).

A frame carries the limits of every transform it derives from, those of the other frame of a
join, union or merge included. Whenever an action runs the plan
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
from glueworks.runtime.plan import Join, MergeFrames, PlanNode, Repartition, Spigot, Stage, Union

if TYPE_CHECKING:
    # Only the type: importing the executors package here would make frame.py pull it in.
    from glueworks.runtime.executors.base import Executed
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


def enforce(plan: PlanNode, executed: Executed, checks: Sequence[ThresholdCheck]) -> None:
    """Raise if any transform of the plan produced more error records than it allows.

    The plan is walked as a tree: below a stage (a join, union, merge, repartition, spigot)
    each input's checks are counted from what that input reported (`Executed.inputs`), and a
    ``totalThreshold`` above a stage counts every error record of its inputs as well
    (`Executed.inherited`), so a join's result is limited by the errors of both sides.

    Raises:
        ErrorThresholdExceededError: The first limit exceeded, leaf-most transform first
            (inputs before the stage that takes them).
    """
    if not checks:
        return
    pending = {id(check): check for check in checks}
    _enforce_tree(plan, executed, pending)
    if pending:
        # A check whose transform this run did not report on: count every error record
        # against it (this never lets one pass).
        total_all = len(executed.errors)
        for check in pending.values():
            _check(check, total_all, total_all)


def _enforce_tree(plan: PlanNode, executed: Executed, pending: dict[int, ThresholdCheck]) -> None:
    nodes = chain(plan)
    base = nodes[0]
    children = _stage_inputs(base)
    if children and len(children) == len(executed.inputs):
        for child, child_executed in zip(children, executed.inputs, strict=True):
            _enforce_tree(child, child_executed, pending)
    counts = stage_counts(plan, executed.metas)
    if counts is None:
        return
    inherited = len(executed.inherited)
    position = {id(node): index for index, node in enumerate(nodes)}
    for check in sorted(pending.values(), key=lambda c: position.get(id(c.node), len(nodes))):
        index = position.get(id(check.node))
        if index is None:
            continue
        del pending[id(check)]
        _check(check, counts[index], inherited + sum(counts[: index + 1]))


def _stage_inputs(node: PlanNode) -> tuple[PlanNode, ...]:
    """The inputs of a stage in the order its `Executed.inputs` lists them (none for a leaf)."""
    if isinstance(node, Join | Union):
        return (node.left, node.right)
    if isinstance(node, MergeFrames):
        return (node.child, node.staging)
    if isinstance(node, Repartition | Spigot):
        return (node.child,)
    return ()


def _check(check: ThresholdCheck, stage: int, total: int) -> None:
    if check.stage_threshold and stage > check.stage_threshold:
        raise ErrorThresholdExceededError(check.transform, "stageThreshold", check.stage_threshold, stage, total)
    if check.total_threshold and total > check.total_threshold:
        raise ErrorThresholdExceededError(check.transform, "totalThreshold", check.total_threshold, stage, total)
