"""Error thresholds and the error API on both executors: stageThreshold, totalThreshold,
errorsCount, stageErrorsCount, assertErrorThreshold, errorsAsDynamicFrame."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from glueworks.runtime import (
    DynamicFrame,
    ErrorThresholdExceededError,
    GlueContext,
    InvalidOptionError,
    JobRunContext,
    ScriptFailedError,
    activate,
    run_script,
)
from glueworks.runtime.glue_transforms import ErrorsAsDynamicFrame, Filter
from tests.runtime.conftest import read_json, write_json_lines

# One malformed line (a read error) and three records map() rejects (n == 0).
LINES: list[Any] = [{"id": 1, "n": 0}, b"{broken", {"id": 2, "n": 0}, {"id": 3, "n": 1}, {"id": 4, "n": 0}]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    return read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", LINES[:2]), write_json_lines(tmp_path / "2.json", LINES[2:])
    )


def invert(record: Any) -> dict[str, Any]:
    return {"id": record["id"], "inv": 1 // record["n"]}


def test_counts_per_stage_and_in_total(frame: DynamicFrame) -> None:
    mapped = frame.map(invert)
    assert (frame.errorsCount(), frame.stageErrorsCount()) == (1, 1)
    assert (mapped.errorsCount(), mapped.stageErrorsCount()) == (4, 3)
    selected = mapped.select_fields(["id"])
    assert (selected.errorsCount(), selected.stageErrorsCount()) == (4, 0)
    stages = sorted(e["stage"] for e in ErrorsAsDynamicFrame.apply(frame=selected).toDF().to_pylist())
    assert stages == ["map", "map", "map", "read"]


def test_a_stage_threshold_exceeded_fails_the_action_with_the_counts(frame: DynamicFrame) -> None:
    mapped = frame.map(invert, transformation_ctx="invert", stageThreshold=2)
    with pytest.raises(ErrorThresholdExceededError) as caught:
        mapped.count()
    assert str(caught.value) == (
        "Exceeded stageThreshold in transform Map (invert): 3 error records > 2 (stage errors: 3, total errors: 4)"
    )
    error = caught.value
    assert (error.threshold_name, error.threshold, error.stage_errors, error.total_errors) == (
        "stageThreshold",
        2,
        3,
        4,
    )
    # Inspecting the errors does not fail, so a script can see what would fail it.
    assert mapped.errorsCount() == 4
    assert mapped.stageErrorsCount() == 3
    assert mapped.errorsAsDynamicFrame().count() == 4
    with pytest.raises(ErrorThresholdExceededError):
        mapped.assertErrorThreshold()


def test_a_threshold_at_the_count_passes(frame: DynamicFrame) -> None:
    mapped = frame.map(invert, stageThreshold=3, totalThreshold=4)
    mapped.assertErrorThreshold()
    assert mapped.count() == 1


def test_the_total_threshold_counts_earlier_stages_too(frame: DynamicFrame) -> None:
    mapped = frame.map(invert, totalThreshold=3)
    with pytest.raises(
        ErrorThresholdExceededError, match=r"^Exceeded totalThreshold in transform Map: 4 error records > 3"
    ):
        mapped.toDF()


def test_thresholds_stay_with_every_frame_derived_later(frame: DynamicFrame) -> None:
    later = frame.map(invert, stageThreshold=1).select_fields(["id"]).rename_field("id", "key")
    with pytest.raises(ErrorThresholdExceededError, match=r"transform Map: 3 error records > 1"):
        later.schema()


def test_thresholds_apply_to_the_existing_transforms(frame: DynamicFrame) -> None:
    kept = Filter.apply(frame=frame, f=lambda r: 1 / r["n"] > 0, stageThreshold=2)
    with pytest.raises(ErrorThresholdExceededError, match=r"^Exceeded stageThreshold in transform Filter: 3 error"):
        kept.count()
    # apply_mapping makes no errors itself, but its totalThreshold counts the map's before it.
    mapped = frame.map(invert).apply_mapping([("id", "long", "id", "long")], totalThreshold=3)
    assert mapped.stageErrorsCount() == 0
    with pytest.raises(ErrorThresholdExceededError, match=r"totalThreshold in transform ApplyMapping: 4 error"):
        mapped.count()


def test_a_write_over_the_threshold_writes_nothing(frame: DynamicFrame, tmp_path: Path) -> None:
    out = tmp_path / "out"
    mapped = frame.map(invert, stageThreshold=1)
    with pytest.raises(ErrorThresholdExceededError):
        frame.glue_ctx.write_dynamic_frame.from_options(
            frame=mapped, connection_type="s3", connection_options={"path": str(out)}, format="parquet"
        )
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


@pytest.mark.parametrize(
    ("stage", "total", "option"), [(-1, 0, "stageThreshold"), (0, "3", "totalThreshold"), (True, 0, "stageThreshold")]
)
def test_bad_threshold_values_name_the_option(
    local_ctx: GlueContext, tmp_path: Path, stage: Any, total: Any, option: str
) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"id": 1}]))
    with pytest.raises(InvalidOptionError, match=rf"^{option}: must be an integer >= 0"):
        frame.drop_fields(["id"], stageThreshold=stage, totalThreshold=total)


def test_a_script_over_the_threshold_fails_the_run(tmp_path: Path) -> None:
    data = write_json_lines(tmp_path / "in.json", [{"n": 0}, {"n": 0}, {"n": 1}])
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from awsglue.context import GlueContext
            from awsglue.transforms import Map
            glue = GlueContext()
            frame = glue.create_dynamic_frame.from_options(
                connection_type="s3", connection_options={{"paths": [{str(data)!r}]}}, format="json")
            inverted = Map.apply(frame=frame, f=lambda r: {{"v": 1 // r["n"]}}, stageThreshold=1)
            print(inverted.count())
            """
        ).lstrip()
    )
    with activate(JobRunContext.standalone()), pytest.raises(ScriptFailedError) as caught:
        run_script(str(script), [])
    assert str(caught.value) == (
        "ErrorThresholdExceededError: Exceeded stageThreshold in transform Map: 2 error records > 1 "
        "(stage errors: 2, total errors: 2) (job.py, line 7)"
    )
