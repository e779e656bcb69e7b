"""mergeDynamicFrame: staging records replace records with the same primary keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, SchemaError
from glueworks.runtime.glue_transforms import MergeDynamicFrame
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines


def frame(ctx: GlueContext, name: str, *tables: pa.Table) -> DynamicFrame:
    return DynamicFrame(FromTables(name, tables), ctx, name)


def multiset(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def upsert_oracle(source: list[dict[str, Any]], staging: list[dict[str, Any]], key: str) -> list[str]:
    """Glue's rule, record by record: the first staging record per key wins; null keys never match."""
    first: dict[Any, dict[str, Any]] = {}
    extra: list[dict[str, Any]] = []
    for record in staging:
        if record[key] is None:
            extra.append(record)
        else:
            first.setdefault(record[key], record)
    kept = [r for r in source if r[key] is None or r[key] not in first]
    return multiset(kept + list(first.values()) + extra)


def test_merge_replaces_matches_keeps_the_rest_and_adds_new(glue_ctx: GlueContext) -> None:
    source = [
        {"id": 1, "v": "old1"},
        {"id": 2, "v": "old2"},
        {"id": 2, "v": "old2-duplicate"},
        {"id": 3, "v": "old3"},
        {"id": 3, "v": "old3-duplicate"},
        {"id": None, "v": "old-null"},
    ]
    staging = [
        {"id": 2, "v": "new2"},
        {"id": 4, "v": "new4"},
        {"id": 2, "v": "new2-second"},
        {"id": None, "v": "new-null"},
    ]
    src = frame(glue_ctx, "src", pa.Table.from_pylist(source[:3]), pa.Table.from_pylist(source[3:]))
    stg = frame(glue_ctx, "stg", pa.Table.from_pylist(staging[:2]), pa.Table.from_pylist(staging[2:]))
    merged = src.mergeDynamicFrame(stg, ["id"])
    rows = merged.toDF().to_pylist()
    assert multiset(rows) == upsert_oracle(source, staging, "id")
    values = sorted(r["v"] for r in rows)
    assert "new2" in values and "new2-second" not in values and "old2" not in values
    assert values.count("old3-duplicate") == 1  # unmatched duplicates are kept


def test_many_keys_across_buckets_match_the_oracle(glue_ctx: GlueContext) -> None:
    source = [{"k": f"k{i % 50}", "n": i} for i in range(120)]
    staging = [{"k": f"k{i * 3 % 80}", "n": -i} for i in range(40)]
    src = frame(glue_ctx, "s", *(pa.Table.from_pylist(source[i : i + 30]) for i in range(0, 120, 30)))
    stg = frame(glue_ctx, "t", *(pa.Table.from_pylist(staging[i : i + 15]) for i in range(0, 40, 15)))
    assert multiset(src.mergeDynamicFrame(stg, "k").toDF().to_pylist()) == upsert_oracle(source, staging, "k")


def test_several_and_nested_primary_keys(glue_ctx: GlueContext) -> None:
    source = [{"key": {"a": 1, "b": "x"}, "v": 1}, {"key": {"a": 1, "b": "y"}, "v": 2}]
    staging = [{"key": {"a": 1, "b": "y"}, "v": 20}, {"key": {"a": 2, "b": "y"}, "v": 30}]
    merged = frame(glue_ctx, "s", pa.Table.from_pylist(source)).mergeDynamicFrame(
        frame(glue_ctx, "t", pa.Table.from_pylist(staging)), ["key.a", "key.b"]
    )
    assert multiset(merged.toDF().to_pylist()) == multiset([source[0], *staging])


def test_schemas_may_differ_and_types_merge_into_a_choice(glue_ctx: GlueContext) -> None:
    src = frame(glue_ctx, "s", pa.table({"id": [1, 2], "score": [10, 20]}))
    stg = frame(glue_ctx, "t", pa.table({"id": pa.array([2], pa.int32()), "score": ["high"], "note": ["n"]}))
    merged = src.mergeDynamicFrame(stg, ["id"])
    schema = merged.schema()
    assert schema.names == ["id", "score", "note"]
    assert is_choice(schema.field("score"))
    assert merged.count() == 2


def test_errors_flow_through_and_empty_frames(glue_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "s.json", [{"id": 1, "v": "a"}, b"{oops", {"id": 2, "v": "b"}])
    write_json_lines(tmp_path / "t.json", [{"id": 2, "v": "B"}, b"]"])
    merged = read_json(glue_ctx, tmp_path / "s.json").mergeDynamicFrame(read_json(glue_ctx, tmp_path / "t.json"), "id")
    assert multiset(merged.toDF().to_pylist()) == multiset([{"id": 1, "v": "a"}, {"id": 2, "v": "B"}])
    assert merged.errorsCount() == 2
    empty = frame(glue_ctx, "e")
    full = frame(glue_ctx, "f", pa.table({"id": [1, 1]}))
    assert sorted(full.mergeDynamicFrame(empty, "id").toDF().column("id").to_pylist()) == [1, 1]
    assert empty.mergeDynamicFrame(full, "id").toDF().column("id").to_pylist() == [1]


def test_bad_input_is_refused_with_the_option_named(glue_ctx: GlueContext) -> None:
    src = frame(glue_ctx, "s", pa.table({"id": [1]}))
    stg = frame(glue_ctx, "t", pa.table({"id": ["1"]}))
    with pytest.raises(SchemaError, match=r"primary_keys\[0\] 'id' \(long\) and primary_keys\[0\] 'id' \(string\)"):
        src.mergeDynamicFrame(stg, ["id"]).count()
    with pytest.raises(InvalidOptionError, match=r"^primary_keys"):
        src.mergeDynamicFrame(src, [])
    with pytest.raises(InvalidOptionError, match=r"^options.mode"):
        src.mergeDynamicFrame(src, ["id"], options={"mode": "x"})
    with pytest.raises(InvalidOptionError, match=r"^stage_dynamic_frame"):
        src.mergeDynamicFrame("frame", ["id"])  # type: ignore[arg-type]
    assert MergeDynamicFrame.apply(frame=src, stage_dynamic_frame=src, primary_keys="id").count() == 1
