"""DynamicFrame.join / Join.apply: inner equi-join, identical on the local and Ray executors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from glueworks.runtime import (
    DynamicFrame,
    GlueContext,
    InvalidOptionError,
    JobRunContext,
    LocalExecutor,
    RayExecutor,
    SchemaError,
)
from glueworks.runtime.executors.base import Executor
from glueworks.runtime.executors.ray import BYTES_PER_BUCKET
from glueworks.runtime.glue_transforms import Join
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines


@pytest.fixture(params=["shuffle", "broadcast"])
def glue_ctx(executor: Executor, run_ctx: JobRunContext, request: pytest.FixtureRequest) -> GlueContext:
    """Each executor with each join strategy: hash-shuffling both inputs, or broadcasting the smaller."""
    if request.param == "shuffle":
        executor.broadcast_join_bytes = -1
    return GlueContext(executor=executor, run_context=run_ctx)


def frame(ctx: GlueContext, name: str, *tables: pa.Table) -> DynamicFrame:
    """A frame of several in-memory blocks (one split each, so joins shuffle across parts)."""
    return DynamicFrame(FromTables(name, tables), ctx, name)


def multiset(table: pa.Table) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in table.to_pylist())


def oracle(left: list[dict[str, Any]], right: list[dict[str, Any]], k1: str, k2: str) -> list[str]:
    """A nested-loop inner join: frame2's fields laid over frame1's; a None key matches nothing."""
    out = [{**a, **b} for a in left for b in right if a[k1] is not None and a[k1] == b[k2]]
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in out)


def people_tables() -> tuple[list[pa.Table], list[pa.Table]]:
    people = [
        pa.table({"id": [1, 2, 3, None], "name": ["ann", "bob", "cy", "nobody"]}),
        pa.table({"id": [4, 5, 2], "name": ["di", "ed", "bob2"]}),
    ]
    memberships = [
        pa.table({"person_id": pa.array([1, 1, 2, 7], pa.int32()), "org": ["o1", "o2", "o1", "o9"]}),
        pa.table({"person_id": pa.array([None, 2, 5], pa.int32()), "org": ["o3", "o2", "o5"]}),
        pa.table({"person_id": pa.array([], pa.int32()), "org": pa.array([], pa.string())}),
    ]
    return people, memberships


def test_join_is_an_inner_equi_join_many_to_many(glue_ctx: GlueContext) -> None:
    people, memberships = people_tables()
    joined = frame(glue_ctx, "p", *people).join(["id"], ["person_id"], frame(glue_ctx, "m", *memberships))
    left = [row for t in people for row in t.to_pylist()]
    right = [row for t in memberships for row in t.to_pylist()]
    result = joined.toDF()
    assert multiset(result) == oracle(left, right, "id", "person_id")
    # int and long keys compare in the wider type; each side keeps its own field type.
    assert result.schema.field("id").type == pa.int64()
    assert result.schema.field("person_id").type == pa.int32()
    assert result.schema.names == ["id", "name", "person_id", "org"]
    assert joined.count() == 7  # id 2: two people x two memberships; id 1: 1 x 2; id 5: 1 x 1


@pytest.mark.ray
def test_many_string_keys_across_many_buckets_match_the_oracle(ray_cluster: None) -> None:
    left = [{"k": f"key-{i % 37}", "a": i} for i in range(300)]
    right = [{"key": f"key-{i % 41}", "b": -i} for i in range(200)]
    expected = oracle(left, right, "k", "key")
    for broadcast_bytes in (-1, 10**6):
        for executor in (LocalExecutor(2), RayExecutor(4)):
            executor.broadcast_join_bytes = broadcast_bytes
            ctx = GlueContext(executor=executor, run_context=JobRunContext.standalone())
            tables1 = [pa.Table.from_pylist(left[i : i + 70]) for i in range(0, 300, 70)]
            tables2 = [pa.Table.from_pylist(right[i : i + 50]) for i in range(0, 200, 50)]
            joined = frame(ctx, "l", *tables1).join("k", "key", frame(ctx, "r", *tables2))
            assert multiset(joined.toDF()) == expected
        metas = joined._execute().metas
        if broadcast_bytes < 0:
            # A few buckets per task slot on Ray (16 for 4 slots), and most got matches: the shuffle really
            # cut the data (37 distinct keys over 16 buckets leave few empty).
            assert len(metas) == 16 and sum(1 for meta in metas if meta.num_rows) >= 12
        else:
            # Broadcast: one task per slot, each joining a run of frame1's 5 parts with all of frame2.
            assert [meta.split_id for meta in metas] == [f"join:{i}" for i in range(4)]
            assert all(meta.num_rows for meta in metas)


def test_a_join_broadcasts_only_a_small_enough_side(local_ctx: GlueContext) -> None:
    """The threshold is on the smaller side's Arrow bytes, whichever frame that is."""
    big = [pa.table({"k": list(range(i, i + 100)), "v": [str(j) for j in range(100)]}) for i in range(0, 400, 100)]
    small = pa.table({"key": [5, 150, 399, 1000], "w": ["a", "b", "c", "d"]})
    executor = local_ctx.executor
    for threshold, buckets in ((small.nbytes, 2), (small.nbytes - 1, 1)):
        executor.broadcast_join_bytes = threshold
        for joined in (
            frame(local_ctx, "big", *big).join("k", "key", frame(local_ctx, "small", small)),
            frame(local_ctx, "small", small).join("key", "k", frame(local_ctx, "big", *big)),
        ):
            metas = joined._execute().metas
            assert len(metas) == buckets  # broadcast: a task per slot; shuffle: the local executor's one bucket
            assert sorted(joined.toDF().column("k").to_pylist()) == [5, 150, 399]


def test_null_and_missing_keys_match_nothing(glue_ctx: GlueContext) -> None:
    left = frame(
        glue_ctx,
        "l",
        pa.table({"k": [None, 1], "v": ["null key", "one"]}),
        pa.table({"v": ["no key at all"]}),
    )
    right = frame(glue_ctx, "r", pa.table({"k": pa.array([None, 1], pa.int64()), "w": ["null", "uno"]}))
    rows = left.join(["k"], ["k"], right).toDF().to_pylist()
    assert rows == [{"k": 1, "v": "one", "w": "uno"}]


def test_nested_key_paths_and_several_keys(glue_ctx: GlueContext) -> None:
    left_rows = [
        {"person": {"id": 1, "country": "fr"}, "x": "a"},
        {"person": {"id": 1, "country": "de"}, "x": "b"},
        {"person": {"id": 2, "country": "fr"}, "x": "c"},
        {"person": None, "x": "d"},
    ]
    right_rows = [
        {"pid": 1, "cc": "fr", "y": 10},
        {"pid": 1, "cc": "de", "y": 20},
        {"pid": 2, "cc": "de", "y": 30},
    ]
    left = frame(glue_ctx, "l", pa.Table.from_pylist(left_rows))
    right = frame(glue_ctx, "r", pa.Table.from_pylist(right_rows[:1]), pa.Table.from_pylist(right_rows[1:]))
    joined = left.join(["person.id", "person.country"], ["pid", "cc"], right).toDF()
    expected = [
        {**a, **b}
        for a in left_rows
        for b in right_rows
        if a["person"] and (a["person"]["id"], a["person"]["country"]) == (b["pid"], b["cc"])
    ]
    assert multiset(joined) == sorted(json.dumps(r, sort_keys=True) for r in expected)
    assert len(expected) == 2


def test_a_name_in_both_frames_takes_frame2s_value(glue_ctx: GlueContext) -> None:
    left = frame(glue_ctx, "l", pa.table({"id": [1, 2], "name": ["left1", "left2"], "only_l": [True, False]}))
    right = frame(glue_ctx, "r", pa.table({"name": ["right1"], "id": [1], "only_r": [9.5]}))
    result = left.join(["id"], ["id"], right).toDF()
    assert result.schema.names == ["id", "name", "only_l", "only_r"]
    assert result.to_pylist() == [{"id": 1, "name": "right1", "only_l": True, "only_r": 9.5}]


def test_keys_of_different_types_are_refused_naming_both_keys(glue_ctx: GlueContext) -> None:
    left = frame(glue_ctx, "l", pa.table({"id": ["1", "2"]}))
    right = frame(glue_ctx, "r", pa.table({"person_id": [1, 2]}))
    joined = left.join(["id"], ["person_id"], right)
    with pytest.raises(SchemaError, match=r"keys1\[0\] 'id' \(string\) and keys2\[0\] 'person_id' \(long\)"):
        joined.count()


def test_a_choice_key_or_a_struct_key_is_refused(glue_ctx: GlueContext, tmp_path: Path) -> None:
    source = write_json_lines(tmp_path / "in.json", [{"id": 1}, {"id": "x"}])
    right = frame(glue_ctx, "r", pa.table({"id": [1]}))
    with pytest.raises(SchemaError, match="choice; resolve it with resolveChoice"):
        read_json(glue_ctx, source).join("id", "id", right).count()
    nested = frame(glue_ctx, "n", pa.Table.from_pylist([{"s": {"a": 1}}]))
    with pytest.raises(SchemaError, match="keys must be primitive"):
        nested.join("s", "id", right).count()


def test_a_key_path_no_record_has_is_an_error(glue_ctx: GlueContext) -> None:
    left = frame(glue_ctx, "l", pa.table({"id": [1]}))
    right = frame(glue_ctx, "r", pa.table({"id": [1]}))
    with pytest.raises(InvalidOptionError, match=r"keys2\[0\]: no field 'idd'"):
        left.join("id", "idd", right).count()


def test_empty_frames_join_to_an_empty_frame(glue_ctx: GlueContext) -> None:
    empty = frame(glue_ctx, "e")
    empty_block = frame(glue_ctx, "eb", pa.table({"id": pa.array([], pa.int64())}))
    full = frame(glue_ctx, "f", pa.table({"id": [1, 2], "v": ["a", "b"]}))
    assert full.join("id", "id", empty).count() == 0
    assert empty.join("id", "id", full).count() == 0
    assert full.join("id", "id", empty_block).count() == 0
    assert empty_block.join("id", "id", empty_block).toDF().num_rows == 0


def test_error_records_of_both_inputs_flow_through(glue_ctx: GlueContext, tmp_path: Path) -> None:
    left_file = write_json_lines(tmp_path / "l.json", [{"id": 1, "a": "x"}, b"{broken", {"id": 2, "a": "y"}])
    right_file = write_json_lines(tmp_path / "r.json", [b"not json", {"id": 2, "b": True}, b"[1,"])
    joined = read_json(glue_ctx, left_file).join("id", "id", read_json(glue_ctx, right_file))
    assert joined.toDF().to_pylist() == [{"id": 2, "a": "y", "b": True}]
    assert joined.errorsCount() == 3
    assert joined.stageErrorsCount() == 0  # the join itself makes none
    errors = joined.errorsAsDynamicFrame().toDF().to_pylist()
    assert sorted((Path(e["file"]).name, e["line"]) for e in errors) == [("l.json", 2), ("r.json", 1), ("r.json", 3)]


def test_transforms_after_a_join_run_in_the_join_tasks(glue_ctx: GlueContext) -> None:
    people, memberships = people_tables()
    joined = frame(glue_ctx, "p", *people).join("id", "person_id", frame(glue_ctx, "m", *memberships))

    def only_o1(record: dict[str, Any]) -> bool:
        if record["name"] == "ed":
            raise RuntimeError("ed is not allowed")
        return bool(record["org"] == "o1")

    result = joined.filter(only_o1).apply_mapping([("name", "string", "who", "string")])
    assert sorted(r["who"] for r in result.toDF().to_pylist()) == ["ann", "bob", "bob2"]
    assert result.errorsCount() == 1
    assert "ed is not allowed" in result.errorsAsDynamicFrame().toDF().column("reason")[0].as_py()


def test_join_class_takes_glue_arguments_and_names_the_result(glue_ctx: GlueContext) -> None:
    people, memberships = people_tables()
    persons = frame(glue_ctx, "persons", *people)
    members = frame(glue_ctx, "memberships", *memberships)
    joined = Join.apply(persons, members, "id", "person_id")
    method = persons.join(["id"], ["person_id"], members)
    assert multiset(joined.toDF()) == multiset(method.toDF())
    assert joined.name == "personsmemberships"
    keyword = Join.apply(frame1=persons, frame2=members, keys1=["id"], keys2=["person_id"])
    assert keyword.count() == method.count()


@pytest.mark.parametrize(
    ("paths1", "paths2", "option"),
    [([], ["id"], "paths1"), (["id"], ["a", "b"], "paths2"), (["id"], [""], r"paths2\[0\]"), (3, "id", "paths1")],
)
def test_bad_key_arguments_name_the_option(paths1: Any, paths2: Any, option: str, local_ctx: GlueContext) -> None:
    left = frame(local_ctx, "l", pa.table({"id": [1]}))
    with pytest.raises(InvalidOptionError, match=f"^{option}"):
        left.join(paths1, paths2, left)


def test_frame2_must_be_a_frame(local_ctx: GlueContext) -> None:
    left = frame(local_ctx, "l", pa.table({"id": [1]}))
    with pytest.raises(InvalidOptionError, match=r"^frame2: must be a DynamicFrame"):
        left.join("id", "id", pa.table({"id": [1]}))  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^frame1"):
        Join.apply("not a frame", left, "id", "id")


@pytest.mark.ray
def test_local_and_ray_give_identical_rows_and_schemas(ray_cluster: None, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "l" / "a.json", [{"k": i % 5, "v": {"x": i}} for i in range(20)] + [b"{bad"])
    write_json_lines(tmp_path / "l" / "b.json", [{"k": i % 7, "s": str(i)} for i in range(15)])
    write_json_lines(tmp_path / "r" / "c.json", [{"key": i % 6, "w": i * 1.5} for i in range(12)])
    results = []
    for executor in (LocalExecutor(2), RayExecutor(2)):
        ctx = GlueContext(executor=executor, run_context=JobRunContext.standalone())
        joined = read_json(ctx, tmp_path / "l").join("k", "key", read_json(ctx, tmp_path / "r"))
        table = joined.toDF()
        results.append((multiset(table), table.schema, joined.errorsCount()))
    assert results[0] == results[1]
    assert len(results[0][0]) > 0


def test_the_legislators_history_join_of_the_glue_guide(glue_ctx: GlueContext) -> None:
    persons_rows = [{"id": f"p{i}", "name": f"person {i}", "gender": "f" if i % 2 else "m"} for i in range(6)]
    memberships_rows = [
        {"person_id": f"p{i % 6}", "organization_id": f"o{i % 3}", "role": "member" if i % 4 else "chair"}
        for i in range(14)
    ]
    orgs_rows = [{"id": f"o{i}", "name": f"org {i}", "classification": "party"} for i in range(4)]
    persons = frame(glue_ctx, "persons", pa.Table.from_pylist(persons_rows[:3]), pa.Table.from_pylist(persons_rows[3:]))
    memberships = frame(glue_ctx, "memberships", pa.Table.from_pylist(memberships_rows))
    orgs = frame(glue_ctx, "orgs", pa.Table.from_pylist(orgs_rows)).rename_field("id", "org_id")
    orgs = orgs.rename_field("name", "org_name")
    history = Join.apply(orgs, Join.apply(persons, memberships, "id", "person_id"), "org_id", "organization_id")
    history = history.drop_fields(["person_id", "org_id"])
    expected = [
        {
            "org_name": o["name"],
            "classification": o["classification"],
            "id": p["id"],
            "name": p["name"],
            "gender": p["gender"],
            "organization_id": m["organization_id"],
            "role": m["role"],
        }
        for o in orgs_rows
        for p in persons_rows
        for m in memberships_rows
        if p["id"] == m["person_id"] and o["id"] == m["organization_id"]
    ]
    table = history.toDF()
    assert multiset(table) == sorted(json.dumps(r, sort_keys=True) for r in expected)
    assert len(expected) == 14
    assert table.schema.names == ["org_name", "classification", "id", "name", "gender", "organization_id", "role"]


def test_ray_shuffles_get_more_buckets_as_bytes_grow() -> None:
    executor = RayExecutor(2)
    assert executor.shuffle_buckets(1000) == executor.shuffle_partitions == 8
    assert executor.shuffle_buckets(BYTES_PER_BUCKET * 20 + 1) == 21
    assert LocalExecutor(2).shuffle_buckets(10**9) == 1


@pytest.mark.parametrize("spread", [1, -1, 10**15, "str"], ids=["dense", "negative", "sparse", "strings"])
@pytest.mark.parametrize("unique_right", [True, False])
def test_many_to_one_pairs_match_the_hash_join(
    unique_right: bool, spread: int | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Distinct right keys take the lookup path; its pairs equal the hash join's, nulls and misses included.

    Dense integer keys (positive or negative) are looked up by position, sparse ones and strings
    through a dictionary. With a repeated right key it must decline (the result is many-to-many),
    and the hash join answers.
    """
    import random

    from glueworks.runtime.transforms import join as join_module

    def key(value: int | None) -> int | str | None:
        if value is None:
            return None
        return f"k{value}" if spread == "str" else value * int(spread)

    rng = random.Random(7)
    right_ints: list[int | None] = [*rng.sample(range(5_000), 2_000), None, None]
    if not unique_right:
        right_ints.append(right_ints[0])
    left_ints = [rng.choice([None, *range(6_000)]) for _ in range(4_000)]
    dtype = pa.string() if spread == "str" else pa.int64()
    left = pa.table({"k": pa.array([key(v) for v in left_ints], dtype)})
    right = pa.table({"k2": pa.array([key(v) for v in right_ints], dtype)})
    keys = ([("k",)], [("k2",)], (dtype,))

    calls: list[object] = []
    fast = join_module._pairs_with_unique_right

    def spy(left_keys: pa.Table, right_keys: pa.Table) -> pa.Table | None:
        calls.append(result := fast(left_keys, right_keys))
        return result

    monkeypatch.setattr(join_module, "_pairs_with_unique_right", spy)
    pairs = join_module.matching_rows(left, right, *keys)
    monkeypatch.setattr(join_module, "_pairs_with_unique_right", lambda *_: None)
    expected = join_module.matching_rows(left, right, *keys)

    assert len(calls) == 1 and (calls[0] is not None) == unique_right
    assert pairs.equals(expected)
    matched = [(i, j) for i, a in enumerate(left_ints) for j, b in enumerate(right_ints) if a is not None and a == b]
    assert list(zip(*pairs.to_pydict().values(), strict=True)) == matched


def test_dense_integer_keys_are_looked_up_by_position_and_sparse_ones_are_not() -> None:
    from glueworks.runtime.transforms.join import _dense_slots, _look_up

    dense = _dense_slots(np.array([7, 5, 6, -1], dtype=np.int64))
    assert dense is not None
    low, slots = dense
    assert low == -1 and slots.tolist() == [3, -1, -1, -1, -1, -1, 1, 2, 0]
    lookups = _look_up(np.array([5, 8, -1, -2, 2**62, -(2**62)], dtype=np.int64), low, slots)
    assert lookups.tolist() == [1, -1, 3, -1, -1, -1]
    extreme = np.array([-(2**63), 2**63 - 1], dtype=np.int64)
    assert _dense_slots(extreme) is None  # ~1.8e19 slots for two keys: hashed instead


@pytest.mark.parametrize(
    ("left_keys", "kept_in_place"),
    [([3, 1, 2], True), ([3, 9, 2], False), ([3, 1, 1], True), ([], True)],
    ids=["all-match", "a-miss", "repeated-left-key", "empty"],
)
def test_a_left_side_that_matches_row_for_row_is_not_taken(left_keys: list[int], kept_in_place: bool) -> None:
    """When every left row matches exactly once (each child has its parent), `join_tables` keeps the left
    block's own buffers instead of taking it; with a miss the matched rows are taken. Rows are right either way."""
    from glueworks.runtime.transforms.join import join_tables

    values = pa.array([f"c{i}" for i in range(len(left_keys))])
    left = pa.table({"k": pa.array(left_keys, pa.int64()), "v": values})
    right = pa.table({"p": pa.array([1, 2, 3], pa.int64()), "date": ["d1", "d2", "d3"]})
    joined = join_tables(left, right, [("k",)], [("p",)], (pa.int64(),))

    expected = [(k, f"c{i}", k, f"d{k}") for i, k in enumerate(left_keys) if k in (1, 2, 3)]
    assert list(zip(*joined.to_pydict().values(), strict=True)) == expected
    if left_keys:
        column = joined.column("v")
        same_buffer = column.num_chunks == 1 and column.chunk(0).buffers()[2].address == values.buffers()[2].address
        assert same_buffer is kept_in_place
