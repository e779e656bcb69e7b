"""Relationalize as executor work: parts pivoted in tasks, tables staged, read back lazily.

The reference is the in-memory implementation (`relationalize_frame` over the frame's blocks
in block order, conformed to the frame schema): the staged tables must equal it exactly,
schemas (Choice metadata) and keys included, on every executor.
"""

from __future__ import annotations

import gc
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, JobRunContext, LocalExecutor
from glueworks.runtime.collection import DynamicFrameCollection
from glueworks.runtime.errors import ErrorThresholdExceededError, UnsafePathError
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.inference import table_from_records
from glueworks.runtime.plan import FromStaged, FromTables
from glueworks.runtime.staging import StagingArea
from glueworks.runtime.transforms.relationalize import relationalize_frame
from tests.runtime.conftest import read_json, write_json_lines


def drifting_blocks(seed: int, count: int) -> tuple[pa.Table, ...]:
    """Blocks whose types drift: ``a`` is an array in some blocks and a struct in others (a
    Choice in the frame, whose lone array member pivots), ``b`` an array or a string (stays a
    Choice), ``s.xs`` nested arrays of structs, some blocks empty or without a column."""
    rng = random.Random(seed)
    blocks = []
    for number in range(count):
        records: list[dict[str, Any]] = []
        for i in range(rng.randrange(0, 9)):
            record: dict[str, Any] = {"n": number * 100 + i}
            if number % 3 != 1:
                record["a"] = [rng.randrange(50) for _ in range(rng.randrange(4))] if rng.random() < 0.8 else None
            else:
                record["a"] = {"k": rng.randrange(9)}
            if number % 2:
                record["b"] = [[rng.randrange(5)] * rng.randrange(3) for _ in range(rng.randrange(3))]
            elif rng.random() < 0.5:
                record["b"] = f"text-{i}"
            if number != 2:
                xs = [{"y": rng.randrange(9), "zs": ["z"] * rng.randrange(3)} for _ in range(rng.randrange(3))]
                record["s"] = {"t": i, "xs": xs}
            records.append(record)
        blocks.append(table_from_records(records) if records else pa.table({"n": pa.array([], pa.int64())}))
    return tuple(blocks)


def reference(frame: DynamicFrame, root: str) -> dict[str, pa.Table]:
    """The in-memory implementation over the frame's blocks, in block order."""
    executed = frame.glue_ctx.execute_plan(frame.plan)
    blocks = [block for part in frame.glue_ctx.executor.fetch(executed.parts) for block in part]
    return {name: pa.concat_tables(parts) for name, parts in relationalize_frame(blocks, frame.schema(), root).items()}


def staged_tables(dfc: DynamicFrameCollection) -> dict[str, pa.Table]:
    return {name: dfc[name].toDF() for name in dfc}


def staging_folders(root: Path) -> list[Path]:
    return sorted(path for path in root.iterdir() if path.is_dir()) if root.exists() else []


@pytest.mark.parametrize("repartition", [False, True], ids=["split-tasks", "after-a-stage"])
def test_staged_tables_equal_the_in_memory_reference_on_drifting_blocks(
    glue_ctx: GlueContext, tmp_path: Path, repartition: bool
) -> None:
    frame = DynamicFrame(FromTables("events", drifting_blocks(7, 9)), glue_ctx, "events")
    if repartition:
        frame = frame.repartition(4)  # parts come from a stage, not from split tasks
    assert is_choice(frame.schema().field("a")) and is_choice(frame.schema().field("b"))
    expected = reference(frame, "root")
    assert {"root", "root_a", "root_s.xs", "root_s.xs.val.zs"} <= set(expected)
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    got = staged_tables(dfc)
    assert list(got) == list(expected)
    for name, table in expected.items():
        assert got[name].schema.equals(table.schema, check_metadata=True), name
        assert got[name].to_pylist() == table.to_pylist(), name
        assert dfc[name].schema().equals(table.schema, check_metadata=True), name
    assert is_choice(got["root"].schema.field("b"))  # choice<array,string> survives the round trip
    plans = [dfc[name].plan for name in dfc]
    assert any(isinstance(plan, FromStaged) and len(plan.parts) > 1 for plan in plans)  # several staged parts


def leafwise_blocks() -> tuple[pa.Table, ...]:
    """Blocks that drift without changing shape: narrower integers, struct and element fields
    missing, list kinds, all-null columns, an array missing. No Choice in the frame."""
    item = pa.struct([("sku", pa.string())])
    wide_item = pa.struct([("sku", pa.string()), ("qty", pa.int64())])
    return (
        pa.table(
            {
                "n": pa.array([1, 2], pa.int32()),
                "s": pa.array([{"t": 1}, None], pa.struct([("t", pa.int32())])),
                "xs": pa.array([[{"sku": "a"}], []], pa.list_(item)),
            }
        ),
        pa.table(
            {
                "n": pa.array([3], pa.int64()),
                "s": pa.array([{"t": 3, "u": "x"}], pa.struct([("t", pa.int64()), ("u", pa.string())])),
                "xs": pa.array([[{"sku": "b", "qty": 2}, {"sku": "c", "qty": None}]], pa.large_list(wide_item)),
                "tags": pa.array([["p", "q"]], pa.list_(pa.string())),
            }
        ),
        pa.table({"n": pa.array([4, 5], pa.int64()), "xs": pa.nulls(2), "tags": pa.nulls(2)}),
        pa.table({"n": pa.array([], pa.int64())}),
        pa.table({"n": pa.array([6], pa.int16()), "xs": pa.array([[{"sku": "d"}]], pa.list_(item))}),
    )


def test_parts_that_keep_their_shape_are_pivoted_once_and_conformed_as_read(
    glue_ctx: GlueContext, tmp_path: Path
) -> None:
    frame = DynamicFrame(FromTables("events", leafwise_blocks()), glue_ctx, "events")
    expected = reference(frame, "root")
    assert {"root", "root_xs", "root_tags"} <= set(expected)
    staging = tmp_path / "staging"
    dfc = frame.relationalize("root", str(staging))
    got = staged_tables(dfc)
    assert list(got) == list(expected)
    for name, table in expected.items():
        assert got[name].schema.equals(table.schema, check_metadata=True), name
        assert got[name].to_pylist() == table.to_pylist(), name
    # One round: every table was staged by the split tasks, none by a second pivot.
    (area,) = staging_folders(staging)
    assert (area / "parts").is_dir() and not (area / "tables").exists()


def test_only_the_parts_whose_shape_changes_are_pivoted_again(
    local_ctx: GlueContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glueworks.runtime.executors import relationalize as staged_relationalize

    blocks = leafwise_blocks()
    # ``v`` is a long in one part and a string in another: a Choice in the frame, so those two
    # parts pivot differently under the frame schema; the others do not hold ``v`` at all.
    blocks = (
        blocks[0].append_column("v", pa.array([7, 8], pa.int64())),
        *blocks[1:3],
        blocks[3].append_column("v", pa.array([], pa.string())),
        blocks[4].append_column("v", pa.array(["nine"], pa.string())),
    )
    redone: list[int] = []
    pivot_task = staged_relationalize._pivot_task

    def counting(index: int, *args: Any) -> Any:
        redone.append(index)
        return pivot_task(index, *args)

    monkeypatch.setattr(staged_relationalize, "_pivot_task", counting)
    frame = DynamicFrame(FromTables("events", blocks), local_ctx, "events")
    assert is_choice(frame.schema().field("v"))
    expected = reference(frame, "root")
    got = staged_tables(frame.relationalize("root", str(tmp_path / "staging")))
    for name, table in expected.items():
        assert got[name].schema.equals(table.schema, check_metadata=True), name
        assert got[name].to_pylist() == table.to_pylist(), name
    assert sorted(redone) == [0, 3, 4]


@pytest.mark.parametrize("bound", ["rows", "bytes"])
def test_many_staged_parts_are_read_as_a_few_splits_with_the_same_keys(
    run_ctx: JobRunContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str
) -> None:
    from glueworks.runtime.executors import relationalize as staged_relationalize

    # 30 parts on two task slots, with a bound that makes a few splits of several parts each.
    if bound == "rows":
        monkeypatch.setattr(staged_relationalize, "MAX_GROUP_ROWS", 40)
    else:
        monkeypatch.setattr(staged_relationalize, "MAX_GROUP_BYTES", 2000)
    ctx = GlueContext(executor=LocalExecutor(2), run_context=run_ctx)
    frame = DynamicFrame(FromTables("events", drifting_blocks(11, 30)), ctx, "events")
    expected = reference(frame, "root")
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    got = staged_tables(dfc)
    for name, table in expected.items():
        assert got[name].to_pylist() == table.to_pylist(), name
    root = dfc["root"].plan
    assert isinstance(root, FromStaged)
    table = expected["root"]
    needed = -(-table.num_rows // 40) if bound == "rows" else -(-table.nbytes // 2000)
    assert len(root.parts) == needed + needed % 2 > 2  # rounded up to a multiple of the slots
    assert sum(len(split.files) for split in root.parts) > len(root.parts)  # several files a split


def test_blocks_of_several_files_in_one_split_keep_their_keys(local_ctx: GlueContext, tmp_path: Path) -> None:
    # groupFiles packs files into one split whose blocks have different schemas (one IPC file each).
    write_json_lines(tmp_path / "in" / "1.json", [{"id": 1, "xs": [1, 2]}, {"id": 2, "xs": []}])
    write_json_lines(tmp_path / "in" / "2.json", [{"id": 3, "xs": ["a"], "ys": [{"q": 1}]}])
    write_json_lines(tmp_path / "in" / "3.json", [{"id": 4, "ys": [{"q": 2}, {"q": 3}]}])
    frame = read_json(local_ctx, tmp_path / "in", groupFiles="inPartition")
    expected = reference(frame, "r")
    got = staged_tables(frame.relationalize("r", str(tmp_path / "staging")))
    assert {name: t.to_pylist() for name, t in got.items()} == {name: t.to_pylist() for name, t in expected.items()}
    assert got["r_ys"].column("id").to_pylist() == [3, 4, 4]


def test_staged_files_live_until_the_run_finishes(tmp_path: Path) -> None:
    run = JobRunContext(
        run_id="jr_stage", job_name="j", attempt=0, executor="local", max_parallelism=2, error_records_location=None
    )
    ctx = GlueContext(executor=LocalExecutor(2), run_context=run)
    frame = DynamicFrame(FromTables("events", drifting_blocks(3, 4)), ctx, "events")
    staging = tmp_path / "staging"
    dfc = frame.relationalize("root", str(staging))
    (folder,) = staging_folders(staging)
    assert folder.name.startswith(run.run_token)
    staged = sorted(folder.rglob("*.arrow"))
    assert staged and all(path.parent.name == "tables" for path in staged)  # input parts already removed
    rows = dfc["root"].count()
    assert rows == sum(block.num_rows for block in drifting_blocks(3, 4))
    run.finish(succeeded=True)
    assert staging.exists() and staging_folders(staging) == []


def test_without_a_staging_path_a_temporary_folder_is_used_and_removed(local_ctx: GlueContext) -> None:
    frame = DynamicFrame(FromTables("events", drifting_blocks(5, 3)), local_ctx, "events")
    dfc = frame.relationalize("root", "")
    plan = dfc["root"].plan
    assert isinstance(plan, FromStaged) and isinstance(plan.area, StagingArea)
    folder = Path(plan.area.location.path)
    assert any(folder.rglob("*.arrow"))
    expected = dfc["root"].count()
    assert expected == sum(block.num_rows for block in drifting_blocks(5, 3))
    temp_root = folder.parent
    del dfc, plan, frame
    gc.collect()  # outside a job the files go with the last frame reading them
    assert not temp_root.exists()


def test_an_unsafe_staging_path_is_refused_before_the_plan_runs(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, tmp_path / "missing")  # running the plan would raise FileNotFoundError
    for bad in ("ftp://host/tmp", f"{tmp_path}/../elsewhere", "s3://a::memory://b"):
        with pytest.raises(UnsafePathError, match="staging_path"):
            frame.relationalize("root", bad)


def test_a_failed_threshold_leaves_no_staged_files(local_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "in" / "1.json", [{"id": 1, "xs": [1]}, b"{bad", b"[bad", {"id": 2, "xs": []}])
    frame = read_json(local_ctx, tmp_path / "in")
    staging = tmp_path / "staging"
    with pytest.raises(ErrorThresholdExceededError):
        frame.relationalize("root", str(staging), totalThreshold=1)
    assert staging.exists() and staging_folders(staging) == []


def test_run_cleanups_run_once_in_order_and_a_failing_one_does_not_fail_the_run() -> None:
    run = JobRunContext(
        run_id="jr_clean", job_name="j", attempt=0, executor="local", max_parallelism=1, error_records_location=None
    )
    calls: list[str] = []

    def failing() -> None:
        calls.append("failing")
        raise RuntimeError("cannot remove")

    run.add_cleanup(failing)
    run.add_cleanup(lambda: calls.append("next"))
    run.finish(succeeded=False)
    run.finish(succeeded=True)
    assert calls == ["failing", "next"]


@pytest.mark.parametrize("mode", ["aligned", "broadcast", "shuffled"])
@pytest.mark.parametrize("parent_as_is", [True, False], ids=["parent-as-staged", "parent-selected"])
def test_a_join_reads_a_staged_table_in_its_own_tasks(
    glue_ctx: GlueContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parent_as_is: bool, mode: str
) -> None:
    """Relationalize's child table joined back to its parents. On their link key the join is aligned: the join
    tasks read both tables' files part by part, and no task loads either first. Otherwise (the alignment
    turned off), in a broadcast join the staged child parts go to the join tasks as they are; a shuffle reads
    them into blocks to cut. Either way every child row finds its own parent."""
    from glueworks.runtime.glue_transforms import Join, SelectFields
    from glueworks.runtime.staging import StagedSplit

    blocks = tuple(pa.table({"n": list(range(b, 60, 3)), "a": [[i, i + 1] for i in range(b, 60, 3)]}) for b in range(3))
    frame = DynamicFrame(FromTables("events", blocks), glue_ctx, "events")
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    parents = dfc["root"] if parent_as_is else SelectFields.apply(frame=dfc["root"], paths=["n", "a"])
    executed: list[tuple[str, int]] = []
    execute = glue_ctx.executor.execute

    def spy(splits: Any, ops: Any, on_done: Any) -> Any:
        executed.extend((split.name, len(ops)) for split in splits if isinstance(split, StagedSplit))
        return execute(splits, ops, on_done)

    monkeypatch.setattr(glue_ctx.executor, "execute", spy)
    monkeypatch.setattr(glue_ctx.executor, "align_staged_joins", mode == "aligned")
    if mode == "shuffled":
        monkeypatch.setattr(glue_ctx.executor, "broadcast_join_bytes", -1)
    joined = Join.apply(frame1=dfc["root_a"], frame2=parents, keys1=["id"], keys2=["a"]).toDF()

    assert bool([name for name, _ in executed if name == "root_a"]) is (mode == "shuffled")
    # SelectFields over the parents runs as tasks unless aligned; staged parents as they are only for a shuffle.
    loaded = mode == "shuffled" or (mode == "broadcast" and not parent_as_is)
    assert bool([name for name, _ in executed if name == "root"]) is loaded
    rows = joined.select(["n", "index", "a.val"]).to_pylist()
    # Record n holds [n, n + 1]: its child at index i holds n + i.
    assert sorted((r["n"], r["index"]) for r in rows) == sorted((n, i) for n in range(60) for i in (0, 1))
    assert all(r["a.val"] == r["n"] + r["index"] for r in rows)


def json_key(row: dict[str, Any]) -> str:
    import json

    return json.dumps(row, sort_keys=True, default=str)


@pytest.mark.parametrize(
    "case", ["child-to-parent", "child-to-projected-parent", "two-children", "parent-first", "grandchild"]
)
def test_an_aligned_join_of_many_parts_equals_the_same_join_shuffled(
    run_ctx: JobRunContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """30 parts with drifting schemas (some parts without child rows), read as splits of several files each: a
    join of two tables on keys that link them gives exactly the rows of the same join shuffled, child rows in
    frame order, and runs no task but the join's own."""
    from glueworks.runtime.executors import relationalize as staged_relationalize
    from glueworks.runtime.glue_transforms import DropFields, Join, SelectFields

    monkeypatch.setattr(staged_relationalize, "MAX_GROUP_ROWS", 40)
    ctx = GlueContext(executor=LocalExecutor(2), run_context=run_ctx)
    frame = DynamicFrame(FromTables("events", drifting_blocks(7, 30)), ctx, "events")
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    joins = {
        "child-to-parent": (dfc["root_s.xs"], dfc["root"], "id", "s.xs"),
        "child-to-projected-parent": (
            dfc["root_s.xs"],
            DropFields.apply(frame=SelectFields.apply(frame=dfc["root"], paths=["n", "`s.xs`", "a"]), paths=["a"]),
            "id",
            "s.xs",
        ),
        "two-children": (dfc["root_a"], dfc["root_s.xs"], "id", "id"),
        "parent-first": (dfc["root"], dfc["root_s.xs"], "s.xs", "id"),
        "grandchild": (dfc["root_s.xs.val.zs"], dfc["root_s.xs"], "id", "s.xs.val.zs"),
    }
    left, right, key1, key2 = joins[case]
    assert left.count() and right.count()
    quoted = [f"`{key1}`" if "." in key1 else key1], [f"`{key2}`" if "." in key2 else key2]
    tasks: list[str] = []
    run_tasks = ctx.executor.run_tasks

    def spy(fn: Any, calls: Any, num_outputs: int) -> Any:
        tasks.append(fn.__name__)
        return run_tasks(fn, calls, num_outputs)

    monkeypatch.setattr(ctx.executor, "run_tasks", spy)
    monkeypatch.setattr(ctx.executor, "execute", None)  # an aligned join reads no input on its own
    from glueworks.runtime.executors import stages

    for other in ("_broadcast", "_shuffle"):
        monkeypatch.setattr(stages, other, None)
    aligned = Join.apply(frame1=left, frame2=right, keys1=quoted[0], keys2=quoted[1])
    got = aligned.toDF()
    assert tasks == ["join_task"]
    monkeypatch.undo()
    monkeypatch.setattr(ctx.executor, "align_staged_joins", False)
    monkeypatch.setattr(ctx.executor, "broadcast_join_bytes", -1)
    shuffled = Join.apply(frame1=left, frame2=right, keys1=quoted[0], keys2=quoted[1]).toDF()
    assert got.num_rows == shuffled.num_rows > 0
    assert got.schema == shuffled.schema
    assert sorted(map(json_key, got.to_pylist())) == sorted(map(json_key, shuffled.to_pylist()))
    # Child rows come out in frame order: their keys never go down.
    keys = got.column(key1).to_pylist()
    assert keys == sorted(keys)


@pytest.mark.parametrize("case", ["not-a-key", "filtered-parent", "another-relationalize", "key-renamed"])
def test_a_join_not_on_linked_keys_of_one_relationalize_is_not_aligned(
    run_ctx: JobRunContext, tmp_path: Path, case: str
) -> None:
    """Only keys that hold one table's row keys, of tables staged by the same Relationalize and read as they
    are or projected, are joined part with part; any other join is broadcast or shuffled, and still right."""
    from glueworks.runtime.executors.stages import _aligned
    from glueworks.runtime.glue_transforms import Filter, Join, RenameField
    from glueworks.runtime.plan import Join as JoinNode

    ctx = GlueContext(executor=LocalExecutor(2), run_context=run_ctx)
    blocks = tuple(pa.table({"n": list(range(b, 30, 3)), "a": [[i, i + 1] for i in range(b, 30, 3)]}) for b in range(3))
    frame = DynamicFrame(FromTables("events", blocks), ctx, "events")
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    child, parent, keys = dfc["root_a"], dfc["root"], (["id"], ["a"])
    assert isinstance(Join.apply(frame1=child, frame2=parent, keys1=["id"], keys2=["a"]).plan, JoinNode)
    if case == "not-a-key":
        keys = (["index"], ["n"])
    elif case == "filtered-parent":
        parent = Filter.apply(frame=parent, f=lambda row: row["n"] % 2 == 0)
    elif case == "another-relationalize":
        parent = frame.relationalize("root", str(tmp_path / "other"))["root"]
    else:
        parent = RenameField.apply(
            frame=RenameField.apply(frame=parent, old_name="a", new_name="k"), old_name="n", new_name="a"
        )
    joined = Join.apply(frame1=child, frame2=parent, keys1=keys[0], keys2=keys[1])
    node = joined.plan
    assert isinstance(node, JoinNode)
    assert _aligned(node, (), 2) is None
    rows = joined.toDF().to_pylist()
    if case in ("filtered-parent", "another-relationalize"):  # the same parents (or the even ones): linked
        assert sorted((r["n"], r["index"]) for r in rows) == sorted(
            (n, i) for n in range(30) for i in (0, 1) if case != "filtered-parent" or n % 2 == 0
        )
        assert all(r["a.val"] == r["n"] + r["index"] for r in rows)
