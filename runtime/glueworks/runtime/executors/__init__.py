"""Executors: where a plan's tasks run (threads here, or Ray tasks)."""

from __future__ import annotations

from glueworks.runtime.executors.base import TARGET_FILE_BYTES, Executed, Executor, OnSplitDone
from glueworks.runtime.executors.local import LocalExecutor
from glueworks.runtime.executors.pipeline import SplitMeta, run_split
from glueworks.runtime.executors.ray import RayExecutor
from glueworks.runtime.executors.writing import WriteOutcome, write_plan


def make_executor(name: str, max_parallelism: int) -> Executor:
    """Build the executor a run context names (``"local"`` or ``"ray"``)."""
    if name == "local":
        return LocalExecutor(max_parallelism)
    if name == "ray":
        return RayExecutor(max_parallelism)
    raise ValueError(f"executor: must be 'local' or 'ray', got {name!r}")


__all__ = [
    "TARGET_FILE_BYTES",
    "Executed",
    "Executor",
    "LocalExecutor",
    "OnSplitDone",
    "RayExecutor",
    "SplitMeta",
    "WriteOutcome",
    "make_executor",
    "run_split",
    "write_plan",
]
