"""Avro reader and sink: type mapping, unions as Choices, codecs, corrupt files, round trips."""

from __future__ import annotations

import datetime
import decimal
import io
from pathlib import Path

import fastavro
import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, SchemaError
from glueworks.runtime.gluetypes import field_type_name, is_choice

SCHEMA = {
    "type": "record",
    "name": "Event",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": ["null", "string"]},
        {"name": "value", "type": ["null", "int", "string"]},
        {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "attrs", "type": {"type": "map", "values": "double"}},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "k", "type": "Kind"}]}},
        {"name": "items", "type": {"type": "array", "items": "Inner"}},
        {"name": "raw", "type": "bytes"},
    ],
}
AT = datetime.datetime(2026, 11, 1, 8, 30, tzinfo=datetime.UTC)
RECORDS = [
    {
        "id": i,
        "name": None if i == 1 else f"n{i}",
        "value": i if i % 2 else f"v{i}",
        "kind": "A" if i % 2 else "B",
        "day": datetime.date(2026, 1, 1 + i),
        "at": AT,
        "amount": decimal.Decimal(f"{i}.25"),
        "attrs": {"w": float(i)},
        "inner": {"k": "B"},
        "items": [{"k": "A"}] * i,
        "raw": bytes([i]),
    }
    for i in range(4)
]


def write_avro(path: Path, records: list[dict[str, object]], codec: str = "null") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        fastavro.writer(handle, SCHEMA, records, codec=codec)
    return path


def read(ctx: GlueContext, path: Path) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options("s3", {"paths": [str(path)], "recurse": True}, format="avro")


@pytest.mark.parametrize("codec", ["null", "deflate", "snappy"])
def test_read_types_and_union_choice(glue_ctx: GlueContext, tmp_path: Path, codec: str) -> None:
    frame = read(glue_ctx, write_avro(tmp_path / "e.avro", RECORDS, codec))
    schema = frame.schema()
    assert {f.name: field_type_name(f) for f in schema} == {
        "id": "long",
        "name": "string",
        "value": "choice",
        "kind": "string",
        "day": "date",
        "at": "timestamp",
        "amount": "decimal",
        "attrs": "map",
        "inner": "struct",
        "items": "array",
        "raw": "binary",
    }
    assert is_choice(schema.field("value"))
    got = frame.resolveChoice(specs=[("value", "cast:string")]).toDF().to_pylist()
    assert [r["value"] for r in got] == ["v0", "1", "v2", "3"]
    assert got[1]["at"] == AT and got[1]["amount"] == decimal.Decimal("1.25") and got[3]["items"] == [{"k": "A"}] * 3
    assert got[2]["attrs"] == [("w", 2.0)] and got[0]["raw"] == b"\x00"


def test_round_trip(glue_ctx: GlueContext, tmp_path: Path) -> None:
    source = read(glue_ctx, write_avro(tmp_path / "in" / "e.avro", RECORDS)).resolveChoice(
        specs=[("value", "cast:string")]
    )
    expected = source.toDF()
    out = tmp_path / "out"
    glue_ctx.write_dynamic_frame.from_options(
        source, "s3", {"path": str(out), "partitionKeys": ["kind"]}, format="avro"
    )
    assert sorted(p.parent.name for p in out.rglob("*.avro")) == ["kind=A", "kind=B"]
    back = read(glue_ctx, out)
    got = sorted(back.toDF().to_pylist(), key=lambda r: r["id"])
    assert got == [{k: v for k, v in r.items() if k != "kind"} for r in expected.to_pylist()]


def test_codec_and_bad_names(local_ctx: GlueContext, tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2]})
    frame = DynamicFrame.fromDF(table, local_ctx, "t")
    out = tmp_path / "out"
    local_ctx.write_dynamic_frame.from_options(frame, "s3", {"path": str(out), "compression": "snappy"}, format="avro")
    (written,) = list(out.glob("*.avro"))
    with written.open("rb") as handle:
        assert fastavro.reader(handle).codec == "snappy"
    with pytest.raises(InvalidOptionError, match=r"^connection_options.compression: must be one of"):
        local_ctx.write_dynamic_frame.from_options(frame, "s3", {"path": str(out), "compression": "rar"}, format="avro")
    bad = DynamicFrame.fromDF(pa.table({"first name": [1]}), local_ctx, "t")
    with pytest.raises(SchemaError, match="field 'first name' is not a valid Avro name"):
        local_ctx.write_dynamic_frame.from_options(bad, "s3", {"path": str(tmp_path / "bad")}, format="avro")
    assert not (tmp_path / "bad").exists()


def test_corrupt_files(glue_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "text.avro").write_text("not avro")
    buffer = io.BytesIO()
    fastavro.writer(buffer, SCHEMA, RECORDS[:2] * 2000, codec="deflate", sync_interval=1000)
    data = buffer.getvalue()
    (tmp_path / "cut.avro").write_bytes(data[: len(data) - 50])
    write_avro(tmp_path / "good.avro", RECORDS)
    frame = read(glue_ctx, tmp_path)
    errors = sorted(frame.errorsAsDynamicFrame().toDF().to_pylist(), key=lambda e: e["file"])
    assert [Path(e["file"]).name for e in errors] == ["cut.avro", "text.avro"]
    assert errors[0]["reason"].startswith("corrupt Avro data after record ")
    assert errors[1]["reason"].startswith("not a valid Avro file")
    kept = int(errors[0]["reason"].split("after record ")[1].split(":")[0])
    assert 0 < kept < 4000
    assert frame.count() == len(RECORDS) + kept
