"""Runtime test fixtures: a session Ray, an executor fixture over both executors, helpers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import fsspec
import pytest

from glueworks.runtime import (
    DynamicFrame,
    Executor,
    GlueContext,
    JobRunContext,
    LocalExecutor,
    RayExecutor,
    uninstall_awsglue_modules,
)


@pytest.fixture(params=["local", pytest.param("ray", marks=pytest.mark.ray)])
def executor(request: pytest.FixtureRequest) -> Executor:
    """Each executor in turn: transform tests must give the same results on both."""
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
        return RayExecutor(max_parallelism=2)
    return LocalExecutor(max_parallelism=2)


@pytest.fixture
def run_ctx() -> JobRunContext:
    """A standalone run context (own metrics, immediate commits)."""
    return JobRunContext.standalone()


@pytest.fixture
def glue_ctx(executor: Executor, run_ctx: JobRunContext) -> GlueContext:
    """A GlueContext on the parametrized executor."""
    return GlueContext(executor=executor, run_context=run_ctx)


@pytest.fixture
def local_ctx(run_ctx: JobRunContext) -> GlueContext:
    """A GlueContext on the local executor only (for memory:// and non-executor tests)."""
    return GlueContext(executor=LocalExecutor(2), run_context=run_ctx)


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A fresh ``memory://`` folder, removed afterwards (the memory filesystem is process-global)."""
    root = f"memory://glueworks-test-{uuid.uuid4().hex}"
    yield root
    fs = fsspec.filesystem("memory")
    path = root.removeprefix("memory://")
    if fs.exists(path):
        fs.rm(path, recursive=True)


def write_json_lines(path: Path, records: Sequence[Any]) -> Path:
    """Write records as JSON lines; `bytes` items are written raw (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def read_json(ctx: GlueContext, *paths: str | Path, **options: Any) -> DynamicFrame:
    """Shorthand for ``create_dynamic_frame.from_options`` over JSON files."""
    return ctx.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [str(p) for p in paths], **options},
        format="json",
    )


@pytest.fixture(autouse=True)
def _no_leftover_awsglue_modules() -> Iterator[None]:
    """run_script installs the awsglue names process-wide; remove them after each test."""
    yield
    uninstall_awsglue_modules()


def rows(frame: DynamicFrame) -> list[str]:
    """A frame's records as sorted JSON strings: compare frames as multisets, independent of block order."""
    return sorted(json.dumps(r, sort_keys=True) for r in frame.toDF().to_pylist())


def as_rows(records: list[dict[str, Any]]) -> list[str]:
    """Expected records in the form `rows` gives."""
    return sorted(json.dumps(r, sort_keys=True) for r in records)
