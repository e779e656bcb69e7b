"""ORC reader and sink: round trips of every type family, compression, corrupt files."""

from __future__ import annotations

import datetime
import decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.orc as orc
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError

TABLE = pa.table(
    {
        "id": pa.array([1, 2, 3], pa.int32()),
        "big": pa.array([2**40, None, -1], pa.int64()),
        "price": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")], pa.decimal128(10, 2)),
        "ts": pa.array(
            [datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC), None, None], pa.timestamp("us", "UTC")
        ),
        "day": pa.array([datetime.date(2026, 1, 2), None, datetime.date(2026, 1, 3)], pa.date32()),
        "tags": [["a", "b"], [], None],
        "inner": [{"x": 1.5, "y": "s"}, None, {"x": None, "y": "t"}],
        "flag": [True, False, None],
        "dt": ["a", "b", "a"],
    }
)


def read(ctx: GlueContext, path: Path) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options("s3", {"paths": [str(path)], "recurse": True}, format="orc")


def by_id(frame: DynamicFrame) -> list[dict[str, object]]:
    return sorted(frame.toDF().to_pylist(), key=lambda r: r["id"])  # type: ignore[arg-type, return-value]


def test_round_trip_with_partitions(glue_ctx: GlueContext, tmp_path: Path) -> None:
    out = tmp_path / "out"
    frame = DynamicFrame.fromDF(TABLE, glue_ctx, "t")
    glue_ctx.write_dynamic_frame.from_options(frame, "s3", {"path": str(out), "partitionKeys": ["dt"]}, format="orc")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.orc"))
    assert [f.split("/")[0] for f in files] == ["dt=a", "dt=b"]
    assert all(f.endswith(".snappy.orc") for f in files)
    back = read(glue_ctx, out)
    expected = TABLE.drop_columns(["dt"])
    assert back.schema() == expected.schema
    assert by_id(back) == expected.to_pylist()


@pytest.mark.parametrize("codec", ["zstd", "zlib", "none"])
def test_compression(local_ctx: GlueContext, tmp_path: Path, codec: str) -> None:
    out = tmp_path / codec
    local_ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(TABLE, local_ctx, "t"),
        "s3",
        {"path": str(out)},
        format="orc",
        format_options={"compression": codec},
    )
    (written,) = list(out.glob("*.orc"))
    assert orc.ORCFile(str(written)).compression == ("UNCOMPRESSED" if codec == "none" else codec.upper())
    assert by_id(read(local_ctx, out)) == TABLE.to_pylist()


def test_bad_compression_is_refused(local_ctx: GlueContext, tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"^format_options.compression: must be one of .* for orc"):
        local_ctx.write_dynamic_frame.from_options(
            DynamicFrame.fromDF(TABLE, local_ctx, "t"),
            "s3",
            {"path": str(tmp_path)},
            format="orc",
            format_options={"compression": "bzip2"},
        )


def test_null_typed_columns_are_written_as_strings(local_ctx: GlueContext, tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2], "nothing": pa.nulls(2)})
    out = tmp_path / "out"
    local_ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(table, local_ctx, "t"), "s3", {"path": str(out)}, format="orc"
    )
    back = read(local_ctx, out)
    assert back.schema().field("nothing").type == pa.string()
    assert back.toDF().to_pylist() == [{"id": 1, "nothing": None}, {"id": 2, "nothing": None}]


def test_corrupt_file_is_one_error_record(glue_ctx: GlueContext, tmp_path: Path) -> None:
    orc.write_table(TABLE, str(tmp_path / "good.orc"))
    good = (tmp_path / "good.orc").read_bytes()
    (tmp_path / "cut.orc").write_bytes(good[: len(good) // 2])
    (tmp_path / "text.orc").write_text("not orc at all")
    frame = read(glue_ctx, tmp_path)
    assert frame.count() == 3
    errors = sorted(frame.errorsAsDynamicFrame().toDF().to_pylist(), key=lambda e: e["file"])
    assert [(Path(e["file"]).name, e["line"]) for e in errors] == [("cut.orc", None), ("text.orc", None)]
    assert all(e["reason"].startswith("not a valid ORC file") for e in errors)
