"""spigot: a sample of the records is written as JSON lines; the frame passes on unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import Spigot
from glueworks.runtime.plan import FromTables
from glueworks.runtime.transforms.spigot import SAMPLE_FILE


def numbered(ctx: GlueContext, count: int, per_block: int) -> DynamicFrame:
    tables = [
        pa.table(
            {"i": list(range(start, min(count, start + per_block))), "s": [{"x": "y"}] * min(per_block, count - start)}
        )
        for start in range(0, count, per_block)
    ]
    return DynamicFrame(FromTables("nums", tuple(tables)), ctx, "nums")


def sample(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (folder / SAMPLE_FILE).read_text().splitlines()]


def test_topk_writes_the_first_records_and_passes_the_frame_on(glue_ctx: GlueContext, tmp_path: Path) -> None:
    source = numbered(glue_ctx, 50, 7)
    out = source.spigot(str(tmp_path / "top"), {"topk": 10})
    assert out.toDF().equals(source.toDF())
    assert sample(tmp_path / "top") == [{"i": i, "s": {"x": "y"}} for i in range(10)]


def test_topk_defaults_to_100_and_a_small_frame_is_written_whole(glue_ctx: GlueContext, tmp_path: Path) -> None:
    numbered(glue_ctx, 150, 40).spigot(str(tmp_path / "default")).count()
    assert [r["i"] for r in sample(tmp_path / "default")] == list(range(100))
    Spigot.apply(numbered(glue_ctx, 3, 2), str(tmp_path / "small"), {"topk": 10}).count()
    assert len(sample(tmp_path / "small")) == 3


def test_prob_samples_the_same_records_every_run(glue_ctx: GlueContext, tmp_path: Path) -> None:
    source = numbered(glue_ctx, 400, 50)
    out = source.spigot(str(tmp_path / "p"), {"prob": 0.25, "seed": 7})
    assert out.count() == 400
    first = [r["i"] for r in sample(tmp_path / "p")]
    out.count()
    assert [r["i"] for r in sample(tmp_path / "p")] == first
    assert 40 < len(first) < 160 and first == sorted(set(first))
    source.spigot(str(tmp_path / "none"), {"prob": 0}).count()
    assert sample(tmp_path / "none") == []
    source.spigot(str(tmp_path / "all"), {"prob": 1.0}).count()
    assert [r["i"] for r in sample(tmp_path / "all")] == list(range(400))


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"topk": -1}, "options.topk"),
        ({"topk": "5"}, "options.topk"),
        ({"prob": 1.5}, "options.prob"),
        ({"topk": 1, "prob": 0.5}, "options"),
        ({"size": 3}, "options.size"),
        ({"seed": "x"}, "options.seed"),
    ],
)
def test_bad_options_name_the_option(
    local_ctx: GlueContext, tmp_path: Path, options: dict[str, object], option: str
) -> None:
    with pytest.raises(InvalidOptionError, match=f"^{option}:"):
        numbered(local_ctx, 1, 1).spigot(str(tmp_path), options)


def test_a_bad_path_is_refused(local_ctx: GlueContext) -> None:
    with pytest.raises(InvalidOptionError, match=r"^path"):
        numbered(local_ctx, 1, 1).spigot("ftp://host/x")
