"""Whole-file compression of JSON and CSV: read by extension or compressionType, write with compression.

Unreadable compressed input is an I/O error that fails the read, never bad records.
"""

from __future__ import annotations

import bz2
import gzip
import json
import struct
from pathlib import Path

import cramjam
import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.formats import CompressedInputError
from glueworks.runtime.formats.compression import CompressingWriter, decompress

RECORDS = [{"id": i, "name": f"n{i}"} for i in range(5)]
PAYLOAD = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()


def hadoop_snappy(data: bytes) -> bytes:
    """Hadoop's block format, as Spark writes .snappy text files (two blocks here)."""
    out = b""
    for block in (data[:10], data[10:]):
        chunk = bytes(cramjam.snappy.compress_raw(block))
        out += struct.pack(">II", len(block), len(chunk)) + chunk
    return out


COMPRESSORS = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "zst": lambda d: bytes(cramjam.zstd.compress(d)),
    "snappy": hadoop_snappy,
}


def read(ctx: GlueContext, path: Path, fmt: str = "json", **connection: object) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options("s3", {"paths": [str(path)], **connection}, format=fmt)


@pytest.mark.parametrize("extension", sorted(COMPRESSORS))
def test_read_by_extension(glue_ctx: GlueContext, tmp_path: Path, extension: str) -> None:
    path = tmp_path / f"data.json.{extension}"
    path.write_bytes(COMPRESSORS[extension](PAYLOAD))
    frame = read(glue_ctx, path)
    assert frame.toDF().to_pylist() == RECORDS
    assert frame.errorsCount() == 0


def test_read_framed_snappy_and_compression_type_overrides_the_name(local_ctx: GlueContext, tmp_path: Path) -> None:
    framed = tmp_path / "framed.snappy"
    framed.write_bytes(bytes(cramjam.snappy.compress(PAYLOAD)))
    assert read(local_ctx, framed).toDF().to_pylist() == RECORDS
    unnamed = tmp_path / "data.bin"
    unnamed.write_bytes(gzip.compress(b"id,name\n1,a\n"))
    frame = local_ctx.create_dynamic_frame.from_options(
        "s3",
        {"paths": [str(unnamed)], "compressionType": "gzip"},
        format="csv",
        format_options={"withHeader": True},
    )
    assert frame.toDF().to_pylist() == [{"id": 1, "name": "a"}]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("truncated.json.gz", gzip.compress(PAYLOAD)[:-12]),
        ("bad.json.gz", b"\x1f\x8b\x08\x00garbage-not-deflate"),
        ("bad.json.bz2", b"BZh9" + b"\x00" * 40),
        ("truncated.json.zst", bytes(cramjam.zstd.compress(PAYLOAD))[:-4]),
        ("truncated.json.snappy", hadoop_snappy(PAYLOAD)[:-3]),
    ],
)
def test_unreadable_compressed_input_fails_the_read(
    glue_ctx: GlueContext, tmp_path: Path, name: str, data: bytes
) -> None:
    (tmp_path / "good.json").write_bytes(PAYLOAD)
    (tmp_path / name).write_bytes(data)
    frame = read(glue_ctx, tmp_path)
    with pytest.raises(OSError, match=f"cannot decompress {tmp_path / name}"):
        frame.count()
    assert glue_ctx.run_context.metrics.error_records == 0


def test_compressed_input_error_is_an_os_error() -> None:
    with pytest.raises(CompressedInputError) as caught:
        decompress(b"BZh9", "bzip2", "memory://x.bz2")
    assert isinstance(caught.value, OSError)


@pytest.mark.parametrize("codec", ["gzip", "bzip2", "zstd", "snappy", "xz", "none"])
def test_writer_round_trips_through_the_reader(codec: str, tmp_path: Path) -> None:
    path = tmp_path / "out"
    big = PAYLOAD * 20_000  # more than one Hadoop snappy block
    with path.open("wb") as stream:
        writer = CompressingWriter(stream, codec)
        writer.write(big[:1000])
        writer.write(big[1000:])
        writer.close()
    assert decompress(path.read_bytes(), codec, str(path)) == big


@pytest.mark.parametrize(("fmt", "codec", "suffix"), [("json", "gzip", ".json.gz"), ("csv", "zstd", ".csv.zst")])
def test_write_compression_round_trip(glue_ctx: GlueContext, tmp_path: Path, fmt: str, codec: str, suffix: str) -> None:
    table = pa.table({"id": pa.array([1, 2], pa.int32()), "name": ["a", "b"]})
    out = tmp_path / "out"
    glue_ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(table, glue_ctx, "t"), "s3", {"path": str(out), "compression": codec}, format=fmt
    )
    (written,) = [p for p in out.iterdir() if p.name != "_glueworks_log"]  # the log makes the commit
    assert written.name.endswith(suffix)
    back = glue_ctx.create_dynamic_frame.from_options(
        "s3", {"paths": [str(out)]}, format=fmt, format_options={"withHeader": True} if fmt == "csv" else {}
    )
    assert back.toDF().to_pylist() == table.to_pylist()


def test_compression_options_are_checked(local_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(PAYLOAD)
    with pytest.raises(InvalidOptionError, match=r"^connection_options.compressionType: unknown compression 'rar'"):
        read(local_ctx, tmp_path, compressionType="rar")
    with pytest.raises(InvalidOptionError, match=r"^connection_options.compressionType: applies to json and csv"):
        read(local_ctx, tmp_path, "parquet", compressionType="gzip")
    frame = read(local_ctx, tmp_path)
    with pytest.raises(InvalidOptionError, match=r"^connection_options.compression: unknown compression"):
        local_ctx.write_dynamic_frame.from_options(
            frame, "s3", {"path": str(tmp_path / "o"), "compression": "lz5"}, format="json"
        )
