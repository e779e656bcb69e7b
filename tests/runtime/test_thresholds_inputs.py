"""Error thresholds across the inputs of join, union, mergeDynamicFrame and repartition, on both
executors: a later totalThreshold counts both inputs' errors, limits set on either input stay
with the result, and each input's limits count only that input's errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from glueworks.runtime import DynamicFrame, ErrorThresholdExceededError, GlueContext
from tests.runtime.conftest import read_json, write_json_lines


@pytest.fixture
def people(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    """Three good records (n == 0 for ids 1 and 2) and one malformed line: 1 read error."""
    lines: list[Any] = [{"id": 1, "n": 0}, {"id": 2, "n": 0}, b"{broken", {"id": 3, "n": 1}]
    return read_json(glue_ctx, write_json_lines(tmp_path / "people.json", lines))


@pytest.fixture
def orders(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    """Two good records and two malformed lines: 2 read errors."""
    lines: list[Any] = [{"id": 1, "total": 5}, b"[not an object", {"id": 3, "total": 7}, b"{"]
    return read_json(glue_ctx, write_json_lines(tmp_path / "orders.json", lines))


def invert(record: Any) -> dict[str, Any]:
    return {"id": record["id"], "inv": 1 // record["n"]}


def test_a_total_threshold_after_a_join_counts_both_inputs_errors(people: DynamicFrame, orders: DynamicFrame) -> None:
    joined = people.join(["id"], ["id"], orders)
    assert joined.errorsCount() == 3
    later = joined.select_fields(["id", "total"], totalThreshold=2)
    with pytest.raises(ErrorThresholdExceededError) as caught:
        later.count()
    assert str(caught.value) == (
        "Exceeded totalThreshold in transform SelectFields: 3 error records > 2 (stage errors: 0, total errors: 3)"
    )
    assert joined.select_fields(["id"], totalThreshold=3).count() == 2


def test_a_total_threshold_on_the_join_itself_counts_its_inputs(people: DynamicFrame, orders: DynamicFrame) -> None:
    joined = people.join(["id"], ["id"], orders, transformation_ctx="j", stageThreshold=1, totalThreshold=2)
    with pytest.raises(ErrorThresholdExceededError, match=r"^Exceeded totalThreshold in transform Join \(j\): 3 "):
        joined.toDF()


def test_limits_on_the_other_frame_of_a_union_stay_with_the_result(people: DynamicFrame, orders: DynamicFrame) -> None:
    mapped = people.map(invert, transformation_ctx="invert", stageThreshold=1)  # 2 map errors
    for union in (orders.union(mapped), mapped.union(orders)):
        with pytest.raises(ErrorThresholdExceededError) as caught:
            union.count()
        # The map's own stage counts, and its total is its own input's errors (1 read + 2 map).
        assert str(caught.value) == (
            "Exceeded stageThreshold in transform Map (invert): 2 error records > 1 (stage errors: 2, total errors: 3)"
        )


def test_each_inputs_limit_counts_only_that_inputs_errors(people: DynamicFrame, orders: DynamicFrame) -> None:
    # Exactly at its limits: the other side's 2 read errors must not count against the map.
    mapped = people.map(invert, stageThreshold=2, totalThreshold=3)
    merged = orders.mergeDynamicFrame(mapped, ["id"])
    assert merged.errorsCount() == 5
    merged.assertErrorThreshold()
    assert sorted(r["id"] for r in merged.toDF().to_pylist()) == [1, 3]
    over = orders.mergeDynamicFrame(people.map(invert, totalThreshold=2), ["id"])
    with pytest.raises(ErrorThresholdExceededError, match=r"totalThreshold in transform Map: 3 error records > 2"):
        over.count()


def test_a_limit_after_a_merge_counts_the_staging_frames_errors(people: DynamicFrame, orders: DynamicFrame) -> None:
    merged = people.mergeDynamicFrame(orders, ["id"], totalThreshold=2)
    with pytest.raises(ErrorThresholdExceededError, match=r"totalThreshold in transform MergeFrames: 3 error records"):
        merged.count()


def test_a_total_threshold_after_a_repartition_counts_the_errors_before_it(people: DynamicFrame) -> None:
    mapped = people.map(invert)  # 1 read error + 2 map errors
    assert mapped.repartition(2).drop_fields(["inv"], totalThreshold=3).count() == 1
    with pytest.raises(ErrorThresholdExceededError, match=r"totalThreshold in transform DropFields: 3 error records"):
        mapped.repartition(2).drop_fields(["inv"], totalThreshold=2).count()
    with pytest.raises(ErrorThresholdExceededError, match=r"totalThreshold in transform DropFields: 3 error records"):
        mapped.coalesce(1).drop_fields(["inv"], totalThreshold=2).count()
