"""DynamicFrame.union / Union.apply: every record of both frames, schemas merged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import Union
from glueworks.runtime.gluetypes import choice_members, is_choice
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines


def frame(ctx: GlueContext, name: str, *tables: pa.Table) -> DynamicFrame:
    return DynamicFrame(FromTables(name, tables), ctx, name)


def multiset(rows: list[dict[str, object]]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def test_union_keeps_every_record_and_conserves_rows(glue_ctx: GlueContext, tmp_path: Path) -> None:
    first = [{"id": i, "v": f"a{i}"} for i in range(5)]
    second = [{"id": i, "w": i * 0.5} for i in range(3, 7)]
    write_json_lines(tmp_path / "a.json", [*first[:2], b"{bad", *first[2:]])
    write_json_lines(tmp_path / "b.json", [b"nope", *second, b"[}"])
    left, right = read_json(glue_ctx, tmp_path / "a.json"), read_json(glue_ctx, tmp_path / "b.json")
    union = left.union(right)
    rows = union.toDF().to_pylist()
    assert multiset(rows) == multiset(
        [{"id": r["id"], "v": r["v"], "w": None} for r in first]
        + [{"id": r["id"], "v": None, "w": r["w"]} for r in second]
    )
    # Records in (good + bad) = records out + error records.
    assert (
        union.count() + union.errorsCount() == left.count() + left.errorsCount() + right.count() + right.errorsCount()
    )
    assert union.errorsCount() == 3
    assert union.stageErrorsCount() == 0
    assert union.schema().names == ["id", "v", "w"]


def test_a_field_with_two_types_becomes_a_choice(glue_ctx: GlueContext) -> None:
    left = frame(glue_ctx, "l", pa.table({"n": [1, 2]}))
    right = frame(glue_ctx, "r", pa.table({"n": ["three"]}))
    union = left.union(right)
    field = union.schema().field("n")
    assert is_choice(field)
    assert sorted(m.name for m in choice_members(field)) == ["long", "string"]
    resolved = union.resolveChoice(specs=[("n", "cast:string")]).toDF().column("n").to_pylist()
    assert sorted(resolved) == ["1", "2", "three"]


def test_union_with_an_empty_frame_and_with_itself(glue_ctx: GlueContext) -> None:
    full = frame(glue_ctx, "f", pa.table({"id": [1, 2]}), pa.table({"id": [3]}))
    empty = frame(glue_ctx, "e")
    assert sorted(full.union(empty).toDF().column("id").to_pylist()) == [1, 2, 3]
    assert sorted(empty.union(full).toDF().column("id").to_pylist()) == [1, 2, 3]
    assert empty.union(empty).count() == 0
    assert sorted(full.union(full).toDF().column("id").to_pylist()) == [1, 1, 2, 2, 3, 3]
    assert full.union(full).getNumPartitions() == 4  # parts are listed together, not moved


def test_transforms_after_a_union_and_the_union_class(glue_ctx: GlueContext) -> None:
    left = frame(glue_ctx, "l", pa.table({"id": [1, 2, 3]}))
    right = frame(glue_ctx, "r", pa.table({"id": [4, 5]}))
    odd = Union.apply(frame1=left, frame2=right).filter(lambda r: r["id"] % 2 == 1)
    assert sorted(odd.toDF().column("id").to_pylist()) == [1, 3, 5]
    with pytest.raises(InvalidOptionError, match=r"^other_frame"):
        left.union([1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^frame1"):
        Union.apply(None, right)


def test_a_threshold_after_a_stage_counts_that_stages_errors(glue_ctx: GlueContext) -> None:
    from glueworks.runtime.errors import ErrorThresholdExceededError

    left = frame(glue_ctx, "l", pa.table({"id": [1, 2, 3]}))
    right = frame(glue_ctx, "r", pa.table({"id": [0, 4]}))
    union = left.union(right)
    ok = union.filter(lambda r: 1 // r["id"] >= 0, stageThreshold=1)
    assert ok.count() == 4  # one error record (id 0), within the limit
    over = union.filter(lambda r: 1 // (r["id"] - 2) >= -5 and 1 // (r["id"] - 4) >= -5, stageThreshold=1)
    with pytest.raises(ErrorThresholdExceededError, match="stageThreshold"):
        over.count()


@pytest.mark.ray
def test_every_stage_gives_identical_rows_schemas_and_errors_on_both_executors(
    ray_cluster: None, tmp_path: Path
) -> None:
    from glueworks.runtime import JobRunContext, LocalExecutor, RayExecutor

    for index in range(3):
        write_json_lines(
            tmp_path / "a" / f"{index}.json", [{"k": (index * 7 + i) % 9, "a": i} for i in range(12)] + [b"{"]
        )
    write_json_lines(tmp_path / "b" / "0.json", [{"k": i % 6, "b": str(i), "a": "text"} for i in range(10)])
    results = []
    for executor in (LocalExecutor(2), RayExecutor(3)):
        ctx = GlueContext(executor=executor, run_context=JobRunContext.standalone())
        a, b = read_json(ctx, tmp_path / "a"), read_json(ctx, tmp_path / "b")
        frames = {
            "union": a.union(b),
            "join": a.join("k", "k", b),
            "merge": a.mergeDynamicFrame(b, "k"),
            "repartition": a.union(b).repartition(4),
            "coalesce": a.coalesce(2),
        }
        summary = {}
        for name, stage in frames.items():
            table = stage.toDF()
            errors = sorted((Path(e.file).name, e.line) for e in stage._execute().errors)
            summary[name] = (multiset(table.to_pylist()), table.schema, errors)
        results.append(summary)
    assert results[0] == results[1]
    assert all(rows for rows, _, _ in results[0].values())
