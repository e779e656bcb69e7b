"""Logical plan: frozen dataclass nodes that DynamicFrame methods build and executors run.

A plan today is a chain: one leaf (`Read` or `FromTables`) under per-block operators
(`ApplyMapping`, `ResolveChoice`, `Filter`). `linearize` turns it into the leaf and the
operators in the order they apply, which executors fuse into one task per input split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa

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


BlockOp = ApplyMapping | ResolveChoice | Filter
Leaf = Read | FromTables


class Detached(PlanNode):
    """Stands in for the child of an operator shipped to a task on its own."""


DETACHED = Detached()


def linearize(node: PlanNode) -> tuple[Leaf, tuple[BlockOp, ...]]:
    """Split a chain plan into its leaf and its per-block operators, leaf-most first.

    The operators come back detached from their children, so shipping them to a task does not
    ship the rest of the plan (or in-memory tables) again.
    """
    ops: list[BlockOp] = []
    while isinstance(node, ApplyMapping | ResolveChoice | Filter):
        ops.append(replace(node, child=DETACHED))
        node = node.child
    if not isinstance(node, Read | FromTables):
        raise TypeError(f"unsupported plan node {type(node).__name__}")
    return node, tuple(reversed(ops))
