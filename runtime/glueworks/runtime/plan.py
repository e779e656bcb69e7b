"""Logical plan: frozen dataclass nodes that DynamicFrame methods build and executors run.

A plan is a tree: leaves (`Read`, `FromTables`, `FromStaged`) read input splits; per-block operators
(`ApplyMapping`, `Filter`, …) are fused into the task that produces each block; stages (`Join`,
`Union`, `Repartition`, `MergeFrames`, `Spigot`) need every block of their inputs and may
have two children. `split_chain` cuts a plan into the node below a run of per-block
operators and those operators; `linearize` does it for a plan that is one chain over a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

from glueworks.runtime.locations import Location
from glueworks.runtime.sources import FileSource, Split, TableSplit


class PlanNode:
    """Base of every plan node."""


@dataclass(frozen=True)
class Read(PlanNode):
    """Leaf: read a source (files are listed when the plan runs)."""

    source: FileSource

    def splits(self) -> list[Split]:
        """List the splits to read (I/O)."""
        return list(self.source.splits())


@dataclass(frozen=True, eq=False)
class FromTables(PlanNode):
    """Leaf: blocks already in memory, one split per table."""

    name: str
    tables: tuple[pa.Table, ...]

    def splits(self) -> list[Split]:
        """One in-memory split per table."""
        return [TableSplit(self.name, i, (table,)) for i, table in enumerate(self.tables)]


@dataclass(frozen=True, eq=False)
class FromStaged(PlanNode):
    """Leaf: parts an earlier action staged as files (relationalize's tables), read lazily.

    Attributes:
        name: The frame's name.
        parts: One split per staged file, in frame order.
        area: What keeps the files alive (a `glueworks.runtime.staging.StagingArea`: they are
            removed at the end of the run, or once no plan holds the area any more).
        links: ``(column, table)`` for each key column: it holds the row keys of that table of
            the same Relationalize (see `glueworks.runtime.transforms.relationalize.key_links`).
    """

    name: str
    parts: tuple[Split, ...]
    area: object = field(default=None, repr=False)
    links: tuple[tuple[str, str], ...] = ()

    def splits(self) -> list[Split]:
        """The staged splits (no I/O)."""
        return list(self.parts)


@dataclass(frozen=True)
class Mapping:
    """One ApplyMapping entry.

    Attributes:
        source: Source path as names (``("user", "id")`` for ``user.id``).
        source_type: The source type named in the mapping (kept for describing the plan).
        target: Target path as names; a dotted target builds nested structs.
        target_type: Arrow type to cast to, or None to keep the source type.
    """

    source: tuple[str, ...]
    source_type: str
    target: tuple[str, ...]
    target_type: pa.DataType | None = field(compare=False)


@dataclass(frozen=True)
class ApplyMapping(PlanNode):
    """Keep only mapped fields, renamed and cast."""

    child: PlanNode
    mappings: tuple[Mapping, ...]
    case_sensitive: bool = False


@dataclass(frozen=True)
class ChoiceSpec:
    """One resolveChoice action on one path.

    Attributes:
        path: Field path as names.
        action: ``cast``, ``project``, ``make_struct`` or ``make_cols``.
        target_type: Arrow type for ``cast``/``project``; None otherwise.
    """

    path: tuple[str, ...]
    action: str
    target_type: pa.DataType | None = field(compare=False, default=None)


@dataclass(frozen=True)
class ResolveChoice(PlanNode):
    """Resolve Choice (or any) columns by the given specs."""

    child: PlanNode
    specs: tuple[ChoiceSpec, ...]


@dataclass(frozen=True)
class Filter(PlanNode):
    """Keep records for which `predicate` is true (record-level Python: the slow path)."""

    child: PlanNode
    predicate: Callable[[Any], Any] = field(compare=False)


@dataclass(frozen=True)
class SelectFields(PlanNode):
    """Keep only the fields at `paths` (a nested path keeps just that part of its struct)."""

    child: PlanNode
    paths: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DropFields(PlanNode):
    """Remove the fields at `paths`."""

    child: PlanNode
    paths: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RenameField(PlanNode):
    """Move the field at `old` to `new` (a rename when both share a parent)."""

    child: PlanNode
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """One ``split_rows`` condition: the value at `path` compared with `value` by `op`."""

    path: tuple[str, ...]
    op: str
    value: Any = field(compare=False)


@dataclass(frozen=True)
class SplitRows(PlanNode):
    """Keep the records meeting every comparison (`matching`), or those that do not."""

    child: PlanNode
    comparisons: tuple[Comparison, ...]
    matching: bool


@dataclass(frozen=True)
class Map(PlanNode):
    """Replace each record by ``f(record)`` (record-level Python: the slow path)."""

    child: PlanNode
    f: Callable[[Any], Any] = field(compare=False)


@dataclass(frozen=True)
class Unbox(PlanNode):
    """Parse the string field at `path` (holding `format`, e.g. JSON) into structured values."""

    child: PlanNode
    path: tuple[str, ...]
    format: str


@dataclass(frozen=True)
class Unnest(PlanNode):
    """Flatten nested structs into top-level ``a.b`` columns (arrays and maps stay as they are)."""

    child: PlanNode


BlockOp = (
    ApplyMapping | ResolveChoice | Filter | SelectFields | DropFields | RenameField | SplitRows | Map | Unbox | Unnest
)
Leaf = Read | FromTables | FromStaged


class Detached(PlanNode):
    """Stands in for the child of an operator shipped to a task on its own."""


DETACHED = Detached()


def linearize(node: PlanNode) -> tuple[Leaf, tuple[BlockOp, ...]]:
    """Split a chain plan into its leaf and its per-block operators, leaf-most first.

    The operators come back detached from their children, so shipping them to a task does not
    ship the rest of the plan (or in-memory tables) again.
    """
    leaf, ops = split_chain(node)
    if not isinstance(leaf, Read | FromTables | FromStaged):
        raise TypeError(f"not a chain over a leaf: {type(leaf).__name__}")
    return leaf, ops


# --- stages: nodes that need every block of their inputs (executors/stages.py runs them) ---


@dataclass(frozen=True)
class Join(PlanNode):
    """Inner equi-join of two frames on key paths (``keys1[i]`` of `left` = ``keys2[i]`` of `right`)."""

    left: PlanNode
    right: PlanNode
    keys1: tuple[tuple[str, ...], ...]
    keys2: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Union(PlanNode):
    """Every record of both frames (no data moves: the parts of both sides are listed together)."""

    left: PlanNode
    right: PlanNode


@dataclass(frozen=True)
class Repartition(PlanNode):
    """Cut the records into `num_partitions` balanced parts, keeping their order.

    With ``shuffle=False`` (``coalesce``) neighbouring parts are only merged, never cut, and a
    frame with fewer parts is left as it is.
    """

    child: PlanNode
    num_partitions: int
    shuffle: bool = True


@dataclass(frozen=True)
class MergeFrames(PlanNode):
    """Upsert: records of `staging` replace records of `child` with the same primary keys."""

    child: PlanNode
    staging: PlanNode
    primary_keys: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Spigot(PlanNode):
    """Pass every record through and write a sample as JSON lines to `location` (a side effect).

    Attributes:
        location: Folder the sample file goes into.
        topk: Write the first `topk` records (in part order), or None to sample by `prob`.
        prob: Keep each record with this probability (seeded, so every run writes the same sample).
        seed: Seed of the sampling.
    """

    child: PlanNode
    location: Location
    topk: int | None
    prob: float | None
    seed: int = 0


Stage = Join | Union | Repartition | MergeFrames | Spigot


def split_chain(node: PlanNode) -> tuple[PlanNode, tuple[BlockOp, ...]]:
    """Split off the per-block operators on top of `node`, leaf-most first, detached.

    Returns the node below them (a leaf or a `Stage`) and the operators, which executors fuse
    into the tasks that produce that node's parts.
    """
    ops: list[BlockOp] = []
    while isinstance(node, BlockOp):
        ops.append(replace(node, child=DETACHED))
        node = node.child
    return node, tuple(reversed(ops))
