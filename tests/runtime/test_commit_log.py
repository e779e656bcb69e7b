"""The output commit log: visibility rules, idempotent publication, two-phase runs, failures, retries."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, JobRunContext, LocalExecutor, activate
from glueworks.runtime.commit_log import (
    LOG_DIR,
    STAGING_DIR,
    OutputManifest,
    publish,
    read_log,
    visible_files,
    written_token,
)
from glueworks.runtime.locations import parse_location
from glueworks.runtime.sinks.parquet import ParquetSink
from tests.runtime.conftest import read_json, write_json_lines


def two_phase(run_id: str = "jr_7", executor: str = "local") -> JobRunContext:
    return JobRunContext(
        run_id=run_id,
        job_name="job",
        attempt=0,
        executor=executor,
        max_parallelism=2,
        error_records_location=None,
        publish_by_platform=True,
    )


def read_ids(folder: Path) -> list[int]:
    """What a glueworks reader sees in an output folder (ids of JSON records)."""
    glue = GlueContext(executor=LocalExecutor(2), run_context=JobRunContext.standalone())
    frame = read_json(glue, folder, recurse=True)
    return sorted(frame.toDF().column("id").to_pylist())


def write_ids(glue: GlueContext, out: Path, ids: list[int], partition: bool = False) -> None:
    table = pa.table({"id": ids, "k": ["a" if i % 2 else "b" for i in ids]})
    options = {"path": str(out), **({"partitionKeys": ["k"]} if partition else {})}
    glue.write_dynamic_frame.from_options(DynamicFrame.fromDF(table, glue, "t"), "s3", options, format="json")


def test_written_token_recognises_only_glueworks_names() -> None:
    assert written_token("out/part-00003-jr_1-0-w2.snappy.parquet") == "jr_1-0-w2"
    assert written_token("part-00000-local-ab12-0-w1.json") == "local-ab12-0-w1"
    assert written_token("part-00000-9f1c2d-c000.snappy.parquet") is None  # Spark's naming
    assert written_token("data.json") is None


def test_unlogged_glueworks_files_are_hidden_other_files_are_not(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    (tmp_path / "k=a").mkdir()
    logged = tmp_path / "k=a" / "part-00000-jr_1-0-w1.json"
    unlogged = tmp_path / "k=a" / "part-00001-jr_2-0-w1.json"
    foreign = tmp_path / "k=a" / "export.json"
    for path in (logged, unlogged, foreign):
        path.write_text("{}\n")
    (tmp_path / LOG_DIR).mkdir()
    (tmp_path / LOG_DIR / "jr_1-0-w1.commit").write_text(json.dumps({"files": ["k=a/part-00000-jr_1-0-w1.json"]}))
    paths = [str(logged), str(unlogged), str(foreign)]
    assert visible_files(fs, str(tmp_path), paths) == [str(logged), str(foreign)]
    # A reader of one partition folder finds the log of the output folder above it.
    assert visible_files(fs, str(tmp_path / "k=a"), paths) == [str(logged), str(foreign)]


def test_a_log_entry_shows_only_the_files_it_lists(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    listed, stray = tmp_path / "part-00000-jr_1-0-w1.json", tmp_path / "part-00009-jr_1-0-w1.json"
    listed.write_text("{}\n")
    stray.write_text("{}\n")
    (tmp_path / LOG_DIR).mkdir()
    (tmp_path / LOG_DIR / "jr_1-0-w1.commit").write_text(json.dumps({"files": [listed.name]}))
    assert visible_files(fs, str(tmp_path), [str(listed), str(stray)]) == [str(listed)]


def test_standalone_write_commits_at_once_with_a_log_entry(tmp_path: Path) -> None:
    glue = GlueContext(executor=LocalExecutor(2), run_context=JobRunContext.standalone())
    write_ids(glue, tmp_path / "out", [1, 2, 3], partition=True)
    assert read_ids(tmp_path / "out") == [1, 2, 3]
    ((token, files),) = read_log(fsspec.filesystem("file"), str(tmp_path / "out")).items()
    assert token.endswith("-0-w1") and sorted(files) == sorted(
        str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("part-*")
    )
    assert not (tmp_path / "out" / STAGING_DIR).exists()


def test_two_phase_run_publishes_nothing_until_the_platform_does(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_json_lines(out / "old.json", [{"id": 100}])  # a file that was there before the run
    ctx = two_phase()
    with activate(ctx):
        glue = GlueContext()
        write_ids(glue, out, [1, 2, 3, 4], partition=True)
    snapshot = ctx.finish()
    assert snapshot["records_written"] == 4
    (manifest,) = ctx.manifests
    assert manifest.records == 4 and len(manifest.files) == 2  # one file per (writer task, partition)
    # Nothing of the run is in the output folder; the manifest waits in staging.
    assert read_ids(out) == [100]
    assert sorted(p.name for p in out.iterdir()) == [STAGING_DIR, "old.json"]
    staged = json.loads((out / STAGING_DIR / manifest.token / "_manifest.json").read_text())
    assert OutputManifest.from_dict(staged) == manifest
    # The platform publishes the manifest (it travels as a dict).
    publish(fsspec.filesystem("file"), str(out), OutputManifest.from_dict(manifest.to_dict()), run_id="jr_7")
    assert read_ids(out) == [1, 2, 3, 4, 100]
    assert not (out / STAGING_DIR).exists()


def test_a_crash_between_moves_and_log_shows_old_output_until_rolled_forward(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_json_lines(out / "old.json", [{"id": 100}])
    ctx = two_phase()
    with activate(ctx):
        write_ids(GlueContext(), out, [1, 2, 3, 4], partition=True)
    ctx.finish()
    (manifest,) = ctx.manifests
    fs = fsspec.filesystem("file")
    # Publication interrupted after moving one file of two: the moved file stays hidden.
    first = manifest.files[0]
    (out / first.relative_path).parent.mkdir(parents=True, exist_ok=True)
    fs.mv(first.staged_path, str(out / first.relative_path))
    assert (out / first.relative_path).exists()
    assert read_ids(out) == [100]
    # Rolling forward (publishing again) finishes the job: all of it appears at once.
    publish(fs, str(out), manifest, run_id="jr_7")
    assert read_ids(out) == [1, 2, 3, 4, 100]
    publish(fs, str(out), manifest, run_id="jr_7")  # once more: nothing changes
    assert read_ids(out) == [1, 2, 3, 4, 100]


def test_publishing_a_manifest_whose_staging_is_lost_fails_naming_the_file(tmp_path: Path) -> None:
    ctx = two_phase()
    with activate(ctx):
        write_ids(GlueContext(), tmp_path / "out", [1])
    ctx.finish()
    (manifest,) = ctx.manifests
    fs = fsspec.filesystem("file")
    fs.rm(str(tmp_path / "out" / STAGING_DIR), recursive=True)
    with pytest.raises(FileNotFoundError, match=manifest.files[0].staged_path):
        publish(fs, str(tmp_path / "out"), manifest)


def test_a_failed_run_leaves_nothing_and_removes_staging(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_json_lines(out / "old.json", [{"id": 100}])
    ctx = two_phase()
    with activate(ctx):
        glue = GlueContext()
        write_ids(glue, out, [1, 2])  # finished writes
        write_ids(glue, out, [3, 4], partition=True)
    ctx.finish(succeeded=False)  # the script failed afterwards
    assert ctx.manifests == []
    assert sorted(p.name for p in out.iterdir()) == ["old.json"]
    assert read_ids(out) == [100]


def test_an_output_that_cannot_be_prepared_discards_the_prepared_ones(tmp_path: Path) -> None:
    ctx = two_phase()
    with activate(ctx):
        glue = GlueContext()
        write_ids(glue, tmp_path / "a", [1])
        write_ids(glue, tmp_path / "b", [2])
    # The second output's staging vanished (its storage failed): preparing it fails, and the first output's
    # manifest must not survive alone.
    fsspec.filesystem("file").rm(str(tmp_path / "b" / STAGING_DIR), recursive=True)
    (tmp_path / "b" / STAGING_DIR).mkdir()
    (tmp_path / "b" / STAGING_DIR / "jr_7-0-w2").write_text("not a folder")
    with pytest.raises(OSError):
        ctx.finish()
    assert ctx.manifests == []
    assert not (tmp_path / "a" / STAGING_DIR).exists()


def test_a_retried_writer_task_does_not_duplicate_files(tmp_path: Path) -> None:
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), ("k",), "jr_3-0-w1")
    sink.start()
    table = pa.table({"id": [1, 2, 3], "k": ["a", "b", "a"]})
    # Part 0 runs twice (a Ray retry after its worker died), part 1 once.
    first = sink.write_part(0, [table], table.schema)
    retried = sink.write_part(0, [table], table.schema)
    other = sink.write_part(1, [table.slice(0, 1)], table.schema)
    assert [f.staged_path for f in first.files] == [f.staged_path for f in retried.files]
    manifest = sink.manifest([retried, other])
    assert sorted(f.relative_path for f in manifest.files) == [
        "k=a/part-00000-jr_3-0-w1.snappy.parquet",
        "k=a/part-00001-jr_3-0-w1.snappy.parquet",
        "k=b/part-00000-jr_3-0-w1.snappy.parquet",
    ]
    staged = sorted(p.name for p in (tmp_path / "out" / STAGING_DIR).rglob("*.parquet"))
    assert len(staged) == len(manifest.files) == 3
    with pytest.raises(ValueError, match="part 0 reported twice"):
        sink.manifest([first, retried])
    result = sink.commit([retried, other])
    assert result.records == 4 and len(result.files) == 3


@pytest.mark.ray
@pytest.mark.usefixtures("ray_cluster")
def test_ray_writes_list_one_file_per_writer_task(tmp_path: Path) -> None:
    inputs = [
        write_json_lines(tmp_path / "in" / f"f{i}.json", [{"id": i * 10 + j} for j in range(5)]) for i in range(4)
    ]
    ctx = two_phase(executor="ray")
    with activate(ctx):
        glue = GlueContext()
        frame = read_json(glue, *inputs)
        glue.write_dynamic_frame.from_options(frame, "s3", {"path": str(tmp_path / "out")}, format="json")
    ctx.finish()
    (manifest,) = ctx.manifests
    names = [f.relative_path for f in manifest.files]
    assert len(names) == len(set(names)) and manifest.records == 20
    publish(fsspec.filesystem("file"), str(tmp_path / "out"), manifest)
    assert read_ids(tmp_path / "out") == sorted(i * 10 + j for i in range(4) for j in range(5))


def test_manifest_from_dict_names_bad_fields() -> None:
    with pytest.raises(ValueError, match="manifest"):
        OutputManifest.from_dict({"location": "/x"})
    bad = {
        "location": "/x",
        "token": "t",
        "files": [{"staged_path": "/s", "relative_path": "../e", "records": 1, "size": 1}],
    }
    with pytest.raises(ValueError, match="relative_path"):
        OutputManifest.from_dict(bad)


def test_a_listing_that_overlaps_a_publication_gets_the_whole_new_output(tmp_path: Path) -> None:
    from glueworks.runtime.bookmarks import filter_listing
    from glueworks.runtime.io_options import parse_read_options
    from glueworks.runtime.sources import FileSplit

    out = tmp_path / "out"
    write_json_lines(out / "old.json", [{"id": 100}])
    ctx = two_phase()
    with activate(ctx):
        write_ids(GlueContext(), out, [1, 2, 3, 4], partition=True)
    ctx.finish()
    (manifest,) = ctx.manifests
    fs = fsspec.filesystem("file")
    first = manifest.files[0]
    (out / first.relative_path).parent.mkdir(parents=True, exist_ok=True)
    fs.mv(first.staged_path, str(out / first.relative_path))
    # A reader lists now: the old file and the one moved file ...
    source = parse_read_options("s3", {"paths": [str(out)], "recurse": True}, "json", None, "", {}, {})
    listed = [
        FileSplit(source.locations[0].with_path(str(p)), p.stat().st_size, source.file_format)
        for p in (out / "old.json", out / first.relative_path)
    ]
    # ... the publication finishes before it looks at the log ...
    publish(fs, str(out), manifest)
    # ... so the log names a file the listing lacks: the reader gets all of the new output.
    got = sorted(split.location.path for split in filter_listing(source, listed))
    assert got == sorted([str(out / "old.json"), *(str(out / f.relative_path) for f in manifest.files)])
