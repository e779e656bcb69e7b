"""The shortcuts that cut a DynamicFrame action's fixed cost change no result.

Covered: the local executor's shared thread pool (reused, closed, safe for nested actions), the
schema merge that skips repeated block schemas, the frame schema merged only when asked for, the
cache of parsed mappings, and records built straight from columns.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, GlueContext, JobRunContext, LocalExecutor
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.executors.base import merge_block_schemas
from glueworks.runtime.plan import ChoiceSpec, FromTables, ResolveChoice
from glueworks.runtime.record import records_from_table
from glueworks.runtime.schema import merge_schemas
from glueworks.runtime.transforms.resolve_choice import resolve_choice_block
from tests.runtime.conftest import read_json, write_json_lines


def _frame(glue: GlueContext, blocks: list[pa.Table], name: str = "t") -> DynamicFrame:
    return DynamicFrame(FromTables(name, tuple(blocks)), glue, name)


def _blocks(count: int) -> list[pa.Table]:
    return [pa.table({"id": list(range(i * 10, i * 10 + 10)), "v": [float(i)] * 10}) for i in range(count)]


def _thread_is_alive(ident: int) -> bool:
    return any(thread.ident == ident for thread in threading.enumerate())


# --- the local executor's thread pool ------------------------------------------------------


def test_pool_is_reused_across_actions_and_closed() -> None:
    threads: set[int] = set()
    lock = threading.Lock()

    def note_thread(record: dict[str, Any]) -> bool:
        with lock:
            threads.add(threading.get_ident())
        return record["id"] % 2 == 0

    executor = LocalExecutor(max_parallelism=2)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone(max_parallelism=2))
    frame = _frame(glue, _blocks(6)).filter(note_thread)
    assert not executor.pool_open  # made on first use only
    counts = [frame.count() for _ in range(3)]
    assert counts == [30, 30, 30]
    assert executor.pool_open
    # Three actions of six tasks each ran on the pool's two threads, never on new ones.
    assert 1 <= len(threads) <= 2
    assert threading.get_ident() not in threads
    executor.close()
    assert not executor.pool_open
    assert not any(_thread_is_alive(ident) for ident in threads)
    # A closed executor still runs actions, on a new pool.
    assert frame.count() == 30
    assert executor.pool_open
    executor.close()


def test_executor_as_context_manager_closes_its_pool() -> None:
    with LocalExecutor(max_parallelism=2) as executor:
        glue = GlueContext(executor=executor)
        assert _frame(glue, _blocks(4)).count() == 40
        assert executor.pool_open
    assert not executor.pool_open


def test_one_thread_runs_tasks_in_the_calling_thread() -> None:
    seen: set[int] = set()

    def note_thread(record: dict[str, Any]) -> bool:
        seen.add(threading.get_ident())
        return True

    executor = LocalExecutor(max_parallelism=1)
    glue = GlueContext(executor=executor, run_context=JobRunContext.standalone(max_parallelism=1))
    assert _frame(glue, _blocks(3)).filter(note_thread).count() == 30
    assert seen == {threading.get_ident()}
    assert not executor.pool_open


@pytest.mark.timeout(60)
def test_an_action_inside_a_task_does_not_wait_for_the_pool_forever() -> None:
    # Both pool threads run a map function that itself runs an action on the same executor:
    # waiting for a free pool thread there would never end, so such actions run inline.
    executor = LocalExecutor(max_parallelism=2)
    glue = GlueContext(executor=executor)
    inner = _frame(glue, _blocks(3), "inner")
    barrier = threading.Barrier(2, timeout=30)

    def with_inner_count(record: dict[str, Any]) -> dict[str, Any]:
        if record["id"] % 10 == 0 and record["id"] < 20:
            barrier.wait()  # both pool threads are busy before either runs its inner action
        return {**record, "inner": inner.count()}

    mapped = _frame(glue, _blocks(2), "outer").map(with_inner_count)
    table = mapped.toDF()
    assert table.column("inner").to_pylist() == [30] * 20
    executor.close()


def test_a_failed_task_leaves_the_executor_usable(tmp_path: Path) -> None:
    for index in range(4):
        write_json_lines(tmp_path / f"part-{index}.json", [{"i": index}])
    (tmp_path / "part-9.json.gz").write_bytes(b"not gzip at all")  # an I/O error, not a bad record
    executor = LocalExecutor(max_parallelism=2)
    glue = GlueContext(executor=executor)
    with pytest.raises(Exception, match=r"(?i)gzip|compress|part-9"):
        read_json(glue, tmp_path).count()
    (tmp_path / "part-9.json.gz").unlink()
    assert read_json(glue, tmp_path).count() == 4
    executor.close()


def test_a_copied_executor_gets_its_own_pool() -> None:
    import copy
    import pickle

    executor = LocalExecutor(max_parallelism=3)
    assert _frame(GlueContext(executor=executor), _blocks(4)).count() == 40
    for clone in (copy.deepcopy(executor), pickle.loads(pickle.dumps(executor))):
        assert clone.max_parallelism == 3
        assert not clone.pool_open
        assert _frame(GlueContext(executor=clone), _blocks(4)).count() == 40
        clone.close()
    executor.close()


# --- merging block schemas ----------------------------------------------------------------

_LEAVES = st.sampled_from([pa.null(), pa.int32(), pa.int64(), pa.float64(), pa.string(), pa.bool_()])
_META = st.sampled_from([None, {"k": "v"}])


@st.composite
def _fields(draw: st.DrawFn, depth: int = 0) -> pa.Field:
    name = draw(st.sampled_from(["a", "b", "c"]))
    nullable = draw(st.booleans())
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        children = draw(st.lists(_fields(depth + 1), min_size=1, max_size=3, unique_by=lambda f: f.name))
        return pa.field(name, pa.struct(children), nullable=nullable, metadata=draw(_META))
    if depth < 2 and draw(st.integers(0, 5)) == 0:
        return pa.field(name, pa.list_(draw(_fields(depth + 1))), nullable=nullable)
    leaf = draw(_LEAVES)
    return pa.field(name, leaf, nullable=nullable or pa.types.is_null(leaf), metadata=draw(_META))


_SCHEMAS = st.lists(_fields(), min_size=0, max_size=3, unique_by=lambda f: f.name).map(pa.schema)


@settings(max_examples=150, deadline=None)
@given(st.lists(_SCHEMAS, min_size=1, max_size=3), st.lists(st.integers(0, 2), min_size=0, max_size=14))
def test_merging_block_schemas_skips_repeats_without_changing_the_result(
    pool: list[pa.Schema], picks: list[int]
) -> None:
    # Blocks of a frame repeat a few schemas; draw the blocks from a small pool of schemas.
    schemas = [pool[i % len(pool)] for i in picks]
    expected = merge_schemas(schemas)
    got = merge_block_schemas(schemas)
    assert got.equals(expected, check_metadata=True), (got, expected)


def test_merging_repeated_schemas_with_non_nullable_nested_fields() -> None:
    # One schema merged with itself is not itself (nested fields become nullable): the merge
    # still runs until the result stops changing.
    inner = pa.struct([pa.field("x", pa.int32(), nullable=False)])
    plain = pa.schema([pa.field("s", inner, nullable=False), pa.field("n", pa.int64(), nullable=False)])
    text = pa.schema([pa.field("n", pa.string())])
    for schemas in ([plain], [plain] * 5, [plain, plain, text, plain, text, plain], [text, plain] * 4):
        assert merge_block_schemas(schemas).equals(merge_schemas(schemas), check_metadata=True)
    assert merge_block_schemas([]).equals(merge_schemas([]))


def test_count_does_not_merge_but_schema_matches_a_fresh_frame() -> None:
    blocks = [*_blocks(3), pa.table({"id": ["x"], "w": [True]})]
    glue = GlueContext(executor=LocalExecutor(1))
    runs = [0]

    def counting(record: dict[str, Any]) -> bool:
        runs[0] += 1
        return True

    frame = _frame(glue, blocks).filter(counting)
    assert frame.count() == 31
    assert runs[0] == 31
    schema = frame.schema()
    assert runs[0] == 31  # the schema came from the run count() made, not from a new run
    assert schema.equals(_frame(glue, blocks).schema(), check_metadata=True)
    assert schema.equals(merge_schemas(b.schema for b in blocks), check_metadata=True)
    assert frame.schema() is schema


# --- parsed mappings and records ----------------------------------------------------------


def test_cached_mappings_give_the_same_plan_and_errors() -> None:
    glue = GlueContext(executor=LocalExecutor(1))
    frame = _frame(glue, [pa.table({"a": [1, 2], "s": [{"x": "1"}, {"x": "b"}]})])
    as_lists = [["a", "long", "b", "string"], ["s.x", "string", "x", "int"]]
    as_tuples = [("a", "long", "b", "string"), ("s.x", "string", "x", "int")]
    first, second = frame.apply_mapping(as_lists), frame.apply_mapping(as_tuples)
    assert first.plan.mappings == second.plan.mappings  # type: ignore[attr-defined]
    assert first.toDF().to_pylist() == second.toDF().to_pylist() == [{"b": "1", "x": 1}, {"b": "2", "x": None}]
    for _ in range(2):  # errors are raised every time, never cached
        with pytest.raises(InvalidOptionError, match=r"mappings\[1\] target type"):
            frame.apply_mapping([("a", "long", "b", "long"), ("s.x", "string", "x", "nosuchtype")])
        with pytest.raises(InvalidOptionError, match=r"mappings"):
            frame.apply_mapping([])
        with pytest.raises(InvalidOptionError, match=r"mappings\[0\]"):
            frame.apply_mapping([("a", 1, "b", "long")])  # type: ignore[list-item]


def test_records_are_the_rows_of_the_block() -> None:
    table = pa.table(
        {
            "a": [1, None, 3],
            "s": [{"x": 1, "y": [1, 2]}, None, {"x": None, "y": []}],
            "m": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int64())),
        }
    )
    records = records_from_table(table)
    assert records == table.to_pylist()
    assert records[0].a == 1
    assert records_from_table(table.slice(1, 1)) == table.slice(1, 1).to_pylist()
    assert records_from_table(table.select([])) == [{}, {}, {}]
    assert records_from_table(table.slice(0, 0)) == []


def test_cast_keeps_a_block_that_already_holds_the_type() -> None:
    plain = pa.table({"n": pa.array([1.5, None]), "s": ["a", "b"]})
    marked_field = pa.field("n", pa.float64(), nullable=False, metadata={"k": "v"})
    marked = pa.Table.from_arrays(
        [pa.array([2.0, 3.0]), pa.array(["c", "d"])], schema=pa.schema([marked_field, pa.field("s", pa.string())])
    )
    text = pa.table({"n": ["4.5", "x"], "s": ["e", "f"]})
    node = ResolveChoice(FromTables("t", ()), (ChoiceSpec(("n",), "cast", pa.float64()),))
    assert resolve_choice_block(plain, node) is plain  # nothing to rebuild
    # A field with marks is rebuilt into the plain cast field, as before.
    assert resolve_choice_block(marked, node).schema.field("n") == pa.field("n", pa.float64())
    assert resolve_choice_block(marked, node).schema.field("n").metadata is None
    assert resolve_choice_block(text, node).column("n").to_pylist() == [4.5, None]
    glue = GlueContext(executor=LocalExecutor(1))
    frame = _frame(glue, [plain, marked, text]).resolveChoice(specs=[("n", "cast:double")])
    assert frame.toDF().to_pylist() == [
        {"n": 1.5, "s": "a"},
        {"n": None, "s": "b"},
        {"n": 2.0, "s": "c"},
        {"n": 3.0, "s": "d"},
        {"n": 4.5, "s": "e"},
        {"n": None, "s": "f"},
    ]
