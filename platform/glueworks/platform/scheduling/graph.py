"""A workflow's graph: TRIGGER, JOB and CRAWLER nodes joined by edges, as Glue's ``WorkflowGraph`` draws it.

Edges run from a watched node to the CONDITIONAL trigger watching it, and from a trigger to each node its actions
start. Node ids are stable digests of (type, name), so ResumeWorkflowRun's NodeIds stay valid across reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from glueworks.platform.errors import InvalidInputError

__all__ = ["GraphNode", "WorkflowGraph", "build_graph", "node_id", "refuse_cycles"]


def node_id(kind: str, name: str) -> str:
    return "wnode_" + hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class GraphNode:
    kind: str  # TRIGGER | JOB | CRAWLER
    name: str

    @property
    def id(self) -> str:
        return node_id(self.kind, self.name)


@dataclass(frozen=True)
class WorkflowGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[str, str], ...]  # (source id, destination id)

    def node(self, unique_id: str) -> GraphNode | None:
        return next((n for n in self.nodes if n.id == unique_id), None)

    def downstream(self, start: Iterable[str]) -> set[str]:
        """Ids reachable from ``start`` (included)."""
        out: dict[str, list[str]] = {}
        for src, dst in self.edges:
            out.setdefault(src, []).append(dst)
        seen: set[str] = set()
        stack = list(start)
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(out.get(current, []))
        return seen

    def find_cycle(self) -> list[GraphNode] | None:
        """A cycle as a list of nodes, or None."""
        out: dict[str, list[str]] = {}
        for src, dst in self.edges:
            out.setdefault(src, []).append(dst)
        by_id = {n.id: n for n in self.nodes}
        color: dict[str, int] = {}
        path: list[str] = []

        def visit(current: str) -> list[str] | None:
            color[current] = 1
            path.append(current)
            for nxt in out.get(current, []):
                if color.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if color.get(nxt, 0) == 0:
                    found = visit(nxt)
                    if found:
                        return found
            path.pop()
            color[current] = 2
            return None

        for start in by_id:
            if color.get(start, 0) == 0:
                cycle = visit(start)
                if cycle:
                    return [by_id[i] for i in cycle]
        return None


def build_graph(triggers: Iterable[Mapping[str, Any]]) -> WorkflowGraph:
    """The graph of triggers given as ``{"Name", "Predicate", "Actions"}`` mappings (Glue's shapes)."""
    nodes: dict[str, GraphNode] = {}
    edges: list[tuple[str, str]] = []

    def add(kind: str, name: str) -> str:
        node = GraphNode(kind, name)
        nodes.setdefault(node.id, node)
        return node.id

    for trigger in triggers:
        tid = add("TRIGGER", str(trigger["Name"]))
        for cond in (trigger.get("Predicate") or {}).get("Conditions", []):
            src = add("JOB", cond["JobName"]) if cond.get("JobName") else add("CRAWLER", cond["CrawlerName"])
            edges.append((src, tid))
        for action in trigger.get("Actions") or []:
            dst = add("JOB", action["JobName"]) if action.get("JobName") else add("CRAWLER", action["CrawlerName"])
            edges.append((tid, dst))
    return WorkflowGraph(tuple(nodes.values()), tuple(dict.fromkeys(edges)))


def refuse_cycles(graph: WorkflowGraph, *, workflow: str, field: str) -> None:
    """Raise InvalidInputError naming the cycle when the graph has one."""
    cycle = graph.find_cycle()
    if cycle:
        route = " -> ".join(f"{n.kind} {n.name}" for n in cycle)
        raise InvalidInputError(f"would make a cycle in workflow {workflow!r}: {route}", field=field)
