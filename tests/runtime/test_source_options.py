"""S3 source options (paths, exclusions, recurse, groupFiles/groupSize) and getSource/getSink."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path
from typing import Any

import fsspec
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, JobRunContext, LocalExecutor
from glueworks.runtime.plan import Read
from glueworks.runtime.sources import FileGroupSplit, FileSplit, glob_to_regex


def make_tree(root: Path) -> None:
    """root/a.json, root/b.pdf.json, root/sub/c.json, root/sub/deep/d.json, root/_SUCCESS."""
    for index, relative in enumerate(["a.json", "b.pdf.json", "sub/c.json", "sub/deep/d.json"]):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"i": index, "file": relative}) + "\n")
    (root / "_SUCCESS").write_text("")


def files_read(frame: DynamicFrame) -> list[str]:
    return sorted(frame.toDF().column("file").to_pylist())


def read(ctx: GlueContext, root: Path, **connection: object) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options("s3", {"paths": [str(root)], **connection}, format="json")


def test_recurse_and_exclusions(glue_ctx: GlueContext, tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert files_read(read(glue_ctx, tmp_path)) == ["a.json", "b.pdf.json"]
    assert files_read(read(glue_ctx, tmp_path, recurse=True)) == [
        "a.json",
        "b.pdf.json",
        "sub/c.json",
        "sub/deep/d.json",
    ]
    # Glue passes exclusions as a JSON list in a string; "**" crosses folders, "*" does not.
    excluded = read(glue_ctx, tmp_path, recurse=True, exclusions=json.dumps(["**.pdf.json", "sub/*.json"]))
    assert files_read(excluded) == ["a.json", "sub/deep/d.json"]
    by_url = read(glue_ctx, tmp_path, recurse=True, exclusions=[f"{tmp_path}/sub/**"])
    assert files_read(by_url) == ["a.json", "b.pdf.json"]


def test_glob_translation() -> None:
    assert glob_to_regex("**.gz").fullmatch("s3://b/x/y.gz")
    assert not glob_to_regex("*.gz").fullmatch("x/y.gz")
    assert glob_to_regex("part-?.{json,csv}").fullmatch("part-1.csv")
    assert glob_to_regex("[!a]*").fullmatch("b.txt") and not glob_to_regex("[!a]*").fullmatch("a.txt")


def test_group_files_packs_small_files_into_one_split(glue_ctx: GlueContext, tmp_path: Path) -> None:
    for index in range(7):
        (tmp_path / f"f{index}.json").write_text(json.dumps({"i": index, "pad": "x" * 100}) + "\n")
    plain = read(glue_ctx, tmp_path)
    grouped = read(glue_ctx, tmp_path, groupFiles="inPartition", groupSize="300")
    plain_splits = plain.plan.splits() if isinstance(plain.plan, Read) else []
    grouped_splits = grouped.plan.splits() if isinstance(grouped.plan, Read) else []
    assert len(plain_splits) == 7 and all(isinstance(s, FileSplit) for s in plain_splits)
    # Each file is ~120 bytes: three files reach 300 bytes, so 7 files make groups of 3, 3, 1.
    assert [len(s.files) for s in grouped_splits if isinstance(s, FileGroupSplit)] == [3, 3, 1]
    assert sorted(grouped.toDF().column("i").to_pylist()) == list(range(7))
    assert grouped.count() == plain.count() == 7
    everything = read(glue_ctx, tmp_path, groupFiles="inPartition")
    assert len(everything.plan.splits()) == 1  # type: ignore[attr-defined]


def test_group_errors_keep_their_file_and_line(glue_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"i": 1}\nnot json\n')
    (tmp_path / "b.json").write_text('{"i": 2}\n')
    frame = read(glue_ctx, tmp_path, groupFiles="inPartition")
    (error,) = frame.errorsAsDynamicFrame().toDF().to_pylist()
    assert (error["file"], error["line"]) == (str(tmp_path / "a.json"), 2)
    assert frame.count() == 2


def test_source_options_are_checked(local_ctx: GlueContext, tmp_path: Path) -> None:
    checks: list[tuple[dict[str, object], str]] = [
        ({"exclusions": "**.pdf"}, r"^connection_options.exclusions: must be a JSON list of glob patterns"),
        ({"exclusions": [1]}, r"^connection_options.exclusions: must be a list of glob patterns"),
        ({"groupFiles": "yes"}, r"^connection_options.groupFiles: must be 'inPartition' or 'none'"),
        ({"groupSize": "0"}, r"^connection_options.groupSize: must be a positive number of bytes"),
        ({"groupSize": "big"}, r"^connection_options.groupSize: must be a positive number of bytes"),
        ({"boundedSize": 10}, r"^connection_options.boundedSize: is not supported yet"),
    ]
    for options, message in checks:
        with pytest.raises(InvalidOptionError, match=message):
            read(local_ctx, tmp_path, **options)


def test_get_source_and_get_sink(glue_ctx: GlueContext, tmp_path: Path) -> None:
    source_dir = tmp_path / "in"
    source_dir.mkdir()
    (source_dir / "a.csv").write_text("id|name\n1|x\n2|y\n")
    source = glue_ctx.getSource("s3", paths=[str(source_dir)], transformation_ctx="src")
    source.setFormat("csv", withHeader=True, separator="|")
    frame = source.getFrame()
    assert frame.toDF().to_pylist() == [{"id": 1, "name": "x"}, {"id": 2, "name": "y"}]
    sink = glue_ctx.getSink("s3", path=str(tmp_path / "out"), partitionKeys=["name"])
    sink.setFormat("json")
    assert sink.writeFrame(frame) is frame
    assert sorted(p.parent.name for p in (tmp_path / "out").rglob("*.json")) == ["name=x", "name=y"]
    back = glue_ctx.getSource("s3", format="json", paths=[str(tmp_path / "out")], recurse=True).getFrame()
    assert sorted(back.toDF().column("id").to_pylist()) == [1, 2]
    with pytest.raises(InvalidOptionError, match=r"^format: must be one of"):
        glue_ctx.getSource("s3", paths=[str(source_dir)]).getFrame()


def test_s3_exclusions_grouping_and_compressed_csv(s3_bucket: str, s3fs_options: dict[str, Any]) -> None:
    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3fs_options)
    fs.pipe(f"{s3_bucket}/in/a.csv.gz", gzip.compress(b"id,name\n1,a\n"))
    fs.pipe(f"{s3_bucket}/in/b.csv", b"id,name\n2,b\n")
    fs.pipe(f"{s3_bucket}/in/skip/c.csv", b"id,name\n3,c\n")
    ctx = JobRunContext("jr_csv", "job", 0, "local", 2, None, storage_options={"s3": s3fs_options})
    glue = GlueContext(executor=LocalExecutor(2), run_context=ctx)
    frame = glue.create_dynamic_frame.from_options(
        "s3",
        {
            "paths": [f"s3://{s3_bucket}/in"],
            "recurse": True,
            "exclusions": '["**/skip/**"]',
            "groupFiles": "inPartition",
        },
        format="csv",
        format_options={"withHeader": True},
    )
    assert sorted(frame.toDF().column("id").to_pylist()) == [1, 2]
    glue.write_dynamic_frame.from_options(
        frame, "s3", {"path": f"s3://{s3_bucket}/out", "compression": "bzip2"}, format="csv"
    )
    ctx.finish()
    fs.invalidate_cache()
    (written,) = [p for p in fs.find(f"{s3_bucket}/out") if "/_glueworks_log/" not in p]  # the log: the commit
    assert written == f"{s3_bucket}/out/part-00000-jr_csv-0-w1.csv.bz2"
    assert bz2.decompress(fs.cat(written)).decode().splitlines()[0] == "id,name"
