"""Executors: the local and Ray executors give identical results; the local pool is bounded."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glueworks.runtime import GlueContext, InvalidOptionError, JobRunContext, LocalExecutor, RayExecutor, run_script
from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.executors import make_executor
from tests.runtime.conftest import read_json, write_json_lines


def make_input(root: Path) -> Path:
    for index in range(4):
        records: list[object] = [
            {"id": index * 10 + i, "n": i if i % 3 else str(i), "day": f"d{i % 2}", "s": {"v": i * 0.5}}
            for i in range(8)
        ]
        records.insert(3, b"{broken")
        write_json_lines(root / f"part-{index}.json", records)
    return root


def run_pipeline(glue: GlueContext, source: Path, out: Path) -> tuple[pa.Table, list[ErrorRecord], dict[str, bytes]]:
    frame = (
        read_json(glue, source)
        .resolveChoice(specs=[("n", "cast:long")])
        .apply_mapping(
            [
                ("id", "int", "id", "long"),
                ("n", "long", "n", "long"),
                ("s.v", "double", "v", "string"),
                ("day", "string", "day", "string"),
            ]
        )
        .filter(lambda r: 10 // (r["n"] - 4) >= -10)  # n == 4 raises ZeroDivisionError: an error record
    )
    glue.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(out), "partitionKeys": ["day"]},
        format="parquet",
    )
    files = {str(p.relative_to(out)): pq.read_table(p).to_pylist() for p in sorted(out.rglob("*.parquet"))}
    return frame.toDF(), frame._execute().errors, {k: repr(v).encode() for k, v in files.items()}


@pytest.mark.ray
def test_local_and_ray_give_identical_results(ray_cluster: None, tmp_path: Path) -> None:
    source = make_input(tmp_path / "in")
    results = []
    for name, executor in (("local", LocalExecutor(2)), ("ray", RayExecutor(2))):
        ctx = JobRunContext("jr_same", "job", 1, name, 2, None, defer_commit=False)
        glue = GlueContext(executor=executor, run_context=ctx)
        table, errors, files = run_pipeline(glue, source, tmp_path / f"out-{name}")
        results.append((table, errors, files, ctx.metrics.snapshot()))
    (local_table, local_errors, local_files, local_metrics), (ray_table, ray_errors, ray_files, ray_metrics) = results
    assert local_table.equals(ray_table)  # same rows in the same order, same schema
    assert local_table.num_rows > 0
    assert local_errors == ray_errors
    assert sorted({e.stage for e in local_errors}) == ["filter", "read"]
    assert local_files == ray_files
    for key in ("records_read", "records_written", "error_records", "bytes_read", "bytes_written", "files_written"):
        assert local_metrics[key] == ray_metrics[key], key


def test_local_pool_keeps_at_most_max_parallelism_tasks_running(tmp_path: Path) -> None:
    for index in range(4):
        write_json_lines(tmp_path / f"part-{index}.json", [{"file": index}])
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=30)
    active = [0]
    peak = [0]

    def predicate(record: dict[str, int]) -> bool:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        barrier.wait()  # two tasks must overlap; a third must never join them
        with lock:
            active[0] -= 1
        return True

    glue = GlueContext(executor=LocalExecutor(max_parallelism=2))
    assert read_json(glue, tmp_path).filter(predicate).count() == 4
    assert peak[0] == 2


def test_one_task_per_split_and_results_in_split_order(glue_ctx: GlueContext, tmp_path: Path) -> None:
    for index in range(5):
        write_json_lines(tmp_path / f"part-{index}.json", [{"file": index, "i": i} for i in range(3)])
    executed = read_json(glue_ctx, tmp_path)._execute()
    assert [meta.index for meta in executed.metas] == [0, 1, 2, 3, 4]
    assert [meta.split_id.rsplit("/", 1)[-1] for meta in executed.metas] == [f"part-{i}.json" for i in range(5)]
    files = [b.column("file").to_pylist() for part in glue_ctx.executor.fetch(executed.parts) for b in part]
    assert files == [[i] * 3 for i in range(5)]


def test_executor_factory_and_validation() -> None:
    assert isinstance(make_executor("local", 3), LocalExecutor)
    assert isinstance(make_executor("ray", 3), RayExecutor)
    with pytest.raises(ValueError, match="executor"):
        make_executor("spark", 1)
    with pytest.raises(ValueError, match="max_parallelism"):
        LocalExecutor(0)
    with pytest.raises(ValueError, match="max_parallelism"):
        RayExecutor(0)


def _freeze_count() -> tuple[int]:
    import gc

    return (gc.get_freeze_count(),)


@pytest.mark.ray
def test_task_workers_and_the_script_leave_imported_objects_out_of_collections(
    ray_cluster: None, tmp_path: Path
) -> None:
    # What imports left is frozen before a task runs, so a full collection does not walk it (see
    # `freeze_imported_objects`): every task sees a frozen heap in its worker.
    counts = [count for count, _ in RayExecutor(2).run_tasks(_freeze_count, [()] * 4, 0)]
    assert all(count > 10_000 for count in counts), counts
    script = tmp_path / "job.py"
    out = tmp_path / "count.txt"
    script.write_text(f"import gc\nopen({str(out)!r}, 'w').write(str(gc.get_freeze_count()))\n")
    run_script(str(script), [])
    assert int(out.read_text()) > 10_000


def _huge_pages_setting() -> tuple[str]:
    with open("/proc/self/status") as handle:
        return (next((line.split()[1] for line in handle if line.startswith("THP_enabled:")), "unknown"),)


@pytest.mark.ray
@pytest.mark.skipif(sys.platform != "linux", reason="transparent huge pages are a Linux setting")
def test_task_workers_run_without_transparent_huge_pages(ray_cluster: None) -> None:
    # See `disable_transparent_huge_pages`: set once per worker before its first task runs. Kernels older
    # than 6.0 do not show the setting; the prctl call must still have succeeded there.
    settings = {setting for setting, _ in RayExecutor(2).run_tasks(_huge_pages_setting, [()] * 4, 0)}
    assert settings in ({"0"}, {"unknown"}), settings


def test_disabling_transparent_huge_pages_takes_in_a_fresh_process() -> None:
    code = (
        "from glueworks.runtime.executors.pipeline import disable_transparent_huge_pages as off\n"
        "took = off()\n"
        "lines = [l.split()[1] for l in open('/proc/self/status') if l.startswith('THP_enabled:')]\n"
        "print(took, lines[0] if lines else 'unknown')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    took, setting = result.stdout.split()
    if sys.platform == "linux":
        assert took == "True"
        assert setting in ("0", "unknown")
    else:
        assert took == "False"


@pytest.mark.ray
@pytest.mark.parametrize("use", ["read", "write", "relationalize staging"])
def test_the_ray_executor_refuses_memory_paths_naming_the_option(
    ray_cluster: None, memory_root: str, tmp_path: Path, use: str
) -> None:
    # memory:// is one process's: Ray's workers would read an empty filesystem and write where the driver never looks.
    fs, root = fsspec.filesystem("memory"), memory_root.removeprefix("memory://")
    local = write_json_lines(tmp_path / "in" / "a.json", [{"id": 1, "tags": ["x", "y"]}])
    fs.pipe(f"{root}/in/a.json", local.read_bytes())
    glue = GlueContext(executor=RayExecutor(2), run_context=JobRunContext.standalone(executor="ray"))
    option = {"read": r"connection_options\.paths\[0\]", "write": r"connection_options\.path"}.get(use, "staging_path")
    with pytest.raises(InvalidOptionError, match=rf"^{option}: memory://.* Ray's worker processes cannot see"):
        if use == "read":
            read_json(glue, f"{memory_root}/in")
        elif use == "write":
            glue.write_dynamic_frame.from_options(
                frame=read_json(glue, tmp_path / "in"),
                connection_type="s3",
                connection_options={"path": f"{memory_root}/out"},
                format="json",
            )
        else:
            read_json(glue, tmp_path / "in").relationalize("root", f"{memory_root}/staging")
    assert [path.rsplit("/", 1)[-1] for path in fs.ls(root, detail=False)] == ["in"]  # nothing written
