"""DynamicFrameCollection and the collection transforms (SelectFromCollection, MapToCollection,
FlatMap) on both executors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from glueworks.runtime import DynamicFrame, DynamicFrameCollection, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import DropFields, FlatMap, MapToCollection, SelectFromCollection
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [{"id": 1, "age": 5, "name": "a"}, {"id": 2, "age": 15, "name": "b"}, {"id": 3, "age": 25, "name": "c"}]


@pytest.fixture
def parts(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrameCollection:
    frame = read_json(
        glue_ctx, write_json_lines(tmp_path / "1.json", RECORDS[:2]), write_json_lines(tmp_path / "2.json", RECORDS[2:])
    )
    return frame.split_rows({"age": {"<": 10}}, "young", "old")


def ids(frame: DynamicFrame) -> list[int]:
    return sorted(r["id"] for r in frame.toDF().to_pylist())


def test_the_collection_is_dict_like(parts: DynamicFrameCollection) -> None:
    assert len(parts) == 2
    assert list(parts) == list(parts.keys()) == ["young", "old"]
    assert [frame.name for frame in parts.values()] == ["young", "old"]
    assert "young" in parts and "nope" not in parts
    assert ids(parts["young"]) == [1]
    assert dict(parts.items())["old"] is parts["old"]
    with pytest.raises(KeyError):
        parts["nope"]


def test_select_and_select_from_collection(parts: DynamicFrameCollection) -> None:
    assert parts.select("old") is parts["old"]
    assert ids(SelectFromCollection.apply(dfc=parts, key="old")) == [2, 3]
    # As in Glue, an unknown key selects an empty frame instead of failing.
    empty = SelectFromCollection.apply(dfc=parts, key="nope")
    assert (empty.name, empty.count(), empty.schema().names) == ("nope", 0, [])


def test_map_applies_a_function_to_every_frame(parts: DynamicFrameCollection) -> None:
    seen: list[str] = []

    def keep_id(frame: DynamicFrame, ctx: str) -> DynamicFrame:
        seen.append(ctx)
        return frame.select_fields(["id"])

    mapped = MapToCollection.apply(dfc=parts, callable=keep_id, transformation_ctx="m")
    assert seen == ["m:young", "m:old"]
    assert list(mapped.keys()) == ["young", "old"]
    assert [f.schema().names for f in mapped.values()] == [["id"], ["id"]]
    assert ids(mapped["old"]) == [2, 3]


def test_map_must_return_frames(parts: DynamicFrameCollection) -> None:
    with pytest.raises(TypeError, match=r"^map: the function must return a DynamicFrame, got int for 'young'"):
        parts.map(lambda frame, ctx: 1)


def test_flatmap_gathers_frames_and_collections(parts: DynamicFrameCollection) -> None:
    def split_again(frame: DynamicFrame, ctx: str) -> Any:
        if frame.name == "young":
            return frame
        return frame.split_rows({"age": {"<": 20}}, "teen", "adult")

    flat = parts.flatmap(split_again)
    assert list(flat.keys()) == ["young", "teen", "adult"]
    assert [ids(f) for f in flat.values()] == [[1], [2], [3]]
    with pytest.raises(TypeError, match=r"^flatmap: the function must return a DynamicFrame or DynamicFrameCollection"):
        parts.flatmap(lambda frame, ctx: None)


def test_flat_map_with_a_transform_class_as_in_glue(parts: DynamicFrameCollection) -> None:
    flat = FlatMap.apply(dfc=parts, BaseTransform=DropFields, frame_name="frame", paths=["name", "age"])
    assert [f.schema().names for f in flat.values()] == [["id"], ["id"]]
    assert sorted(i for f in flat.values() for i in ids(f)) == [1, 2, 3]
    by_function = FlatMap.apply(dfc=parts, BaseTransform=lambda frame, ctx: frame.select_fields(["name"]))
    assert [f.schema().names for f in by_function.values()] == [["name"], ["name"]]


def test_a_list_of_frames_is_keyed_by_name(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", RECORDS))
    a, b = frame.select_fields(["id"], "a"), frame.select_fields(["name"], "b")
    collection = DynamicFrameCollection([a, b], local_ctx)
    assert list(collection.keys()) == ["a", "b"]
    with pytest.raises(InvalidOptionError, match=r"^dynamic_frames\[1\]: a second frame named 'a'"):
        DynamicFrameCollection([a, a], local_ctx)
    with pytest.raises(InvalidOptionError, match=r"^dynamic_frames\['x'\]: must be a DynamicFrame, got int"):
        DynamicFrameCollection({"x": 1}, local_ctx)  # type: ignore[dict-item]
    with pytest.raises(InvalidOptionError, match=r"^dynamic_frames: must be a dict or list, got str"):
        DynamicFrameCollection("ab", local_ctx)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^dfc: must be a DynamicFrameCollection, got DynamicFrame"):
        SelectFromCollection.apply(dfc=a, key="a")


def test_glue_scripts_import_the_collection_from_awsglue() -> None:
    from glueworks.runtime import install_awsglue_modules

    install_awsglue_modules()
    from awsglue.dynamicframe import DynamicFrameCollection as Imported  # type: ignore[import-not-found]
    from awsglue.transforms import FlatMap as ImportedFlatMap  # type: ignore[import-not-found]

    assert Imported is DynamicFrameCollection
    assert ImportedFlatMap is FlatMap
