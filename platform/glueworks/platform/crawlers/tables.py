"""Table roots versus partitions: which folders are tables, and which are partitions of them.

The input is one *unit* per leaf folder and format signature (files of one folder that share a
classification, codec and format parameters). The decision, Glue's documented rules:

* **Bottom-up grouping.** Starting from the include path, a folder is one table when everything below it
  can be one table: every unit has the same format signature, sits at the same depth below the folder, and
  the folder's entries (its sub-folders, each already one table candidate, and the units of its own files)
  have *similar schemas*: a majority (more than half) of them are similar to the most common column set.
  Two column sets are similar when one contains the other (columns added over time) or when they share at
  least 70% of their union. Otherwise the folder splits: each sub-folder that could be a table is one,
  rooted at that sub-folder, and the folder's own files make one table per signature rooted at the folder.
* **CombineCompatibleSchemas** drops the similarity test: same signature and depth is enough.
* **TableLevelConfiguration** forces table roots at an absolute folder depth (see `CrawlConfig`).
* **Known folders** (``CRAWL_NEW_FOLDERS_ONLY``): a known folder above new units stays their table root, so
  an incremental crawl files new partitions under the table they belong to; known leaf folders are not read.
* **Partition keys**: one per folder level between the table root and the files; a level whose folder names
  are all ``key=value`` with one key gives the key ``key`` (values are the URL-decoded right-hand sides),
  otherwise ``partition_<i>`` with the folder name as value. Keys are typed ``string``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from glueworks.platform.crawlers.scan import GroupStats

_SIMILARITY = 0.7


@dataclass
class Unit:
    """Files of one leaf folder sharing a format signature.

    Attributes:
        parts: The folder's parts under the target root.
        signature: The format signature.
        stats: What was read of them (and the counts of files only listed, past SampleSize).
    """

    parts: tuple[str, ...]
    signature: tuple[Any, ...]
    stats: GroupStats

    @property
    def columns(self) -> frozenset[str]:
        """Lower-cased column names."""
        return frozenset(name.lower() for name in self.stats.schema.names)


@dataclass
class TablePlan:
    """A table root and the units that make it.

    Attributes:
        root: The root's parts under the target root.
        units: Units below (or at) the root, all of one signature.
    """

    root: tuple[str, ...]
    units: list[Unit]


@dataclass
class _Candidate:
    units: list[Unit]
    depth: int  # folder levels between the candidate's root and its units

    @property
    def signature(self) -> tuple[Any, ...]:
        return self.units[0].signature

    @property
    def columns(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for unit in self.units:
            out |= unit.columns
        return out


def similar(left: frozenset[str], right: frozenset[str]) -> bool:
    """Whether two column sets are similar (one contains the other, or they share >= 70% of their union)."""
    if left <= right or right <= left:
        return True
    return len(left & right) >= _SIMILARITY * len(left | right)


def plan_tables(units: Sequence[Unit], *, combine: bool) -> list[TablePlan]:
    """Group units into tables by the bottom-up rule (see the module doc)."""
    if not units:
        return []
    candidate, plans = _analyse((), units, combine)
    if candidate is not None:
        plans.append(TablePlan((), candidate.units))
    return plans


def _analyse(parts: tuple[str, ...], units: Sequence[Unit], combine: bool) -> tuple[_Candidate | None, list[TablePlan]]:
    """A folder as one candidate table (None when it splits) and the tables found below it."""
    depth = len(parts)
    own = [u for u in units if len(u.parts) == depth]
    below: dict[str, list[Unit]] = {}
    for unit in units:
        if len(unit.parts) > depth:
            below.setdefault(unit.parts[depth], []).append(unit)
    plans: list[TablePlan] = []
    children: list[tuple[tuple[str, ...], _Candidate]] = []
    split = False
    for name in sorted(below):
        child_parts = (*parts, name)
        candidate, child_plans = _analyse(child_parts, below[name], combine)
        plans.extend(child_plans)
        if candidate is None:
            split = True
        else:
            children.append((child_parts, candidate))
    entries = [_Candidate(c.units, c.depth + 1) for _, c in children] + [_Candidate([u], 0) for u in own]
    if not split and _compatible(entries, combine):
        return _Candidate([u for e in entries for u in e.units], entries[0].depth), plans
    plans.extend(TablePlan(child_parts, candidate.units) for child_parts, candidate in children)
    plans.extend(TablePlan(parts, group) for group in _by_signature(own))
    return None, plans


def _compatible(entries: Sequence[_Candidate], combine: bool) -> bool:
    if not entries:
        return False
    if len({e.signature for e in entries}) != 1 or len({e.depth for e in entries}) != 1:
        return False
    if combine or len(entries) == 1:
        return True
    column_sets = [e.columns for e in entries]
    mode, _ = Counter(column_sets).most_common(1)[0]
    alike = sum(1 for columns in column_sets if similar(columns, mode))
    return alike * 2 > len(entries)


def _by_signature(units: Iterable[Unit]) -> list[list[Unit]]:
    groups: dict[tuple[Any, ...], list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.signature, []).append(unit)
    return list(groups.values())


def plan_forced(units: Sequence[Unit], roots: Sequence[tuple[str, ...]]) -> list[TablePlan]:
    """Tables at given roots: each unit joins the root it lies under, one table per root and signature."""
    grouped: dict[tuple[tuple[str, ...], tuple[Any, ...]], list[Unit]] = {}
    for unit, root in zip(units, roots, strict=True):
        grouped.setdefault((root, unit.signature), []).append(unit)
    return [TablePlan(root, group) for (root, _), group in grouped.items()]


def partition_keys(root: Sequence[str], levels: int, folders: Iterable[tuple[str, ...]]) -> list[str]:
    """Partition key names for `levels` folder levels below `root`, from every leaf folder listed there."""
    names: list[set[str]] = [set() for _ in range(levels)]
    depth = len(root)
    for parts in folders:
        if len(parts) != depth + levels or tuple(parts[:depth]) != tuple(root):
            continue
        for i in range(levels):
            names[i].add(parts[depth + i])
    keys = []
    for i, level in enumerate(names):
        found = {name.split("=", 1)[0].lower() for name in level if "=" in name and not name.startswith("=")}
        hive = bool(level) and all("=" in name and not name.startswith("=") for name in level) and len(found) == 1
        keys.append(found.pop() if hive else f"partition_{i}")
    return _distinct(keys)


def _distinct(keys: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, key in enumerate(keys):
        name = key if key not in seen else f"partition_{i}"
        seen.add(name)
        out.append(name)
    return out
