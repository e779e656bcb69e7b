"""Job bookmarks inside a run: new-file selection, the band, pause ranges, Job.commit, the local store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from glueworks.runtime import GlueContext, JobRunContext, activate
from glueworks.runtime.bookmarks import (
    DISABLE,
    ENABLE,
    PAUSE,
    BookmarkSpec,
    LocalBookmarkStore,
    RunBookmarks,
    option_from_arguments,
    select_files,
)
from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.job import Job
from tests.runtime.conftest import write_json_lines

BAND_S = 60.0


def test_first_run_reads_everything_and_tracks_the_band() -> None:
    listing = [("a", 1000.0), ("b", 1100.0), ("c", 1130.0)]
    chosen, state = select_files(listing, None, band_ms=int(BAND_S * 1000))
    assert chosen == ["a", "b", "c"]
    assert state["cut"] == 1130.0 - BAND_S and state["files"] == {"b": 1100.0, "c": 1130.0}


def test_late_listed_file_inside_the_band_is_read_once() -> None:
    _, state = select_files([("a", 1000.0), ("c", 1130.0)], None, band_ms=60_000)
    # "b" was written before "c" but shows up in a listing only now; it is inside the band, so it is new.
    chosen, state2 = select_files([("a", 1000.0), ("b", 1100.0), ("c", 1130.0)], state, band_ms=60_000)
    assert chosen == ["b"]
    chosen3, _ = select_files([("a", 1000.0), ("b", 1100.0), ("c", 1130.0)], state2, band_ms=60_000)
    assert chosen3 == []


def test_files_rewritten_in_place_are_read_again_older_than_the_cut_are_not() -> None:
    _, state = select_files([("a", 1000.0), ("c", 1130.0)], None, band_ms=60_000)
    chosen, _ = select_files([("a", 1000.0), ("c", 1140.0), ("old", 900.0)], state, band_ms=60_000)
    assert chosen == ["c"]  # c got a new mtime; "old" appeared below the cut (the documented miss)


def test_pause_range_reads_between_two_saved_states() -> None:
    _, after_1 = select_files([("a", 100.0)], None, band_ms=0)
    _, after_2 = select_files([("a", 100.0), ("b", 200.0)], after_1, band_ms=0)
    listing = [("a", 100.0), ("b", 200.0), ("c", 300.0)]
    chosen, _ = select_files(listing, after_1, band_ms=0, upper=after_2)
    assert chosen == ["b"]


def test_bookmark_arguments_are_checked() -> None:
    assert option_from_arguments({}) == DISABLE
    assert option_from_arguments({"--job-bookmark-option": ENABLE}) == ENABLE
    with pytest.raises(ValueError, match="--job-bookmark-option"):
        option_from_arguments({"--job-bookmark-option": "on"})
    with pytest.raises(ValueError, match="give both"):
        option_from_arguments({"--job-bookmark-option": PAUSE, "--job-bookmark-from": "jr_1"})
    with pytest.raises(ValueError, match="only valid with"):
        option_from_arguments({"--job-bookmark-option": ENABLE, "--job-bookmark-from": "a", "--job-bookmark-to": "b"})
    with pytest.raises(ValueError, match=r"bookmark\.option"):
        BookmarkSpec.from_dict({"option": "bogus"})


def _run(
    inputs: Path, spec: BookmarkSpec, *, commit: bool = True, ctx_name: str = "src"
) -> tuple[list[int], dict[str, Any]]:
    ctx = JobRunContext(
        run_id="jr_b",
        job_name="job",
        attempt=0,
        executor="local",
        max_parallelism=2,
        error_records_location=None,
        bookmarks=RunBookmarks(spec),
    )
    with activate(ctx):
        glue = GlueContext()
        job = Job(glue)
        job.init("job", {})
        frame = glue.create_dynamic_frame.from_options(
            "s3", {"paths": [str(inputs)], "maxBand": int(BAND_S * 1000)}, format="json", transformation_ctx=ctx_name
        )
        ids = sorted(frame.toDF().column("id").to_pylist()) if frame.count() else []
        if commit:
            job.commit()
    ctx.finish()
    update = ctx.bookmark_update()
    return ids, ({} if update is None else update)


def _arrive(folder: Path, name: str, ids: list[int], mtime: float) -> None:
    path = write_json_lines(folder / name, [{"id": i} for i in ids])
    os.utime(path, (mtime, mtime))


def test_three_runs_over_arriving_files_read_each_file_once(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    _arrive(inputs, "f1.json", [1, 2], 1_000.0)
    seen: list[int] = []
    spec = BookmarkSpec(ENABLE, 0, {})
    for step, (name, ids, mtime) in enumerate(
        [(None, [], 0.0), ("f2.json", [3], 1_500.0), ("f3.json", [4, 5], 1_520.0)]
    ):
        if name:
            _arrive(inputs, name, ids, mtime)
        if step == 2:
            _arrive(inputs, "late.json", [6], 1_490.0)  # listed late, but inside the band of the newest file
        got, update = _run(inputs, spec)
        seen += got
        spec = BookmarkSpec(ENABLE, update["version"] + 1, update["state"])
    assert sorted(seen) == [1, 2, 3, 4, 5, 6] and len(seen) == len(set(seen))
    got, _ = _run(inputs, spec)
    assert got == []  # nothing new


def test_without_job_commit_or_with_pause_nothing_is_saved(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    _arrive(inputs, "f1.json", [1], 1_000.0)
    got, update = _run(inputs, BookmarkSpec(ENABLE, 0, {}), commit=False)
    assert got == [1] and update == {}
    got, update = _run(inputs, BookmarkSpec(PAUSE, 0, {}))
    assert got == [1] and update == {}
    _, saved = _run(inputs, BookmarkSpec(ENABLE, 3, {}))
    assert saved["version"] == 3
    got, update = _run(inputs, BookmarkSpec(PAUSE, 4, saved["state"]))
    assert got == [] and update == {}  # pause reads from the bookmark, and saves nothing


def test_sources_without_transformation_ctx_are_not_bookmarked(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    _arrive(inputs, "f1.json", [1], 1_000.0)
    _, saved = _run(inputs, BookmarkSpec(ENABLE, 0, {}))
    got, update = _run(inputs, BookmarkSpec(ENABLE, 1, saved["state"]), ctx_name="")
    assert got == [1] and update["state"] == saved["state"]


def test_bad_max_band_is_refused(tmp_path: Path) -> None:
    glue = GlueContext()
    with pytest.raises(InvalidOptionError, match="maxBand"):
        glue.create_dynamic_frame.from_options(
            "s3", {"paths": [str(tmp_path)], "maxBand": "soon"}, format="json", transformation_ctx="src"
        )


def test_local_store_saves_versions_and_refuses_a_stale_save(tmp_path: Path) -> None:
    store = LocalBookmarkStore(tmp_path / "bookmarks.json")
    spec = store.load("job", ENABLE)
    assert spec.version == 0 and spec.state == {}
    store.save("job", spec, {"src": {"kind": "files", "cut": 1.0, "files": {}, "band_ms": 0}})
    again = store.load("job", ENABLE)
    assert again.version == 1 and again.state["src"]["cut"] == 1.0
    with pytest.raises(RuntimeError, match="changed while the run was going"):
        store.save("job", spec, {})  # started from version 0, but the file is at 1 now


LOCAL_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "output"])
glue = GlueContext()
job = Job(glue)
job.init(args["JOB_NAME"], args)
frame = glue.create_dynamic_frame.from_options(
    "s3", {"paths": [args["input"]]}, format="json", transformation_ctx="src"
)
glue.write_dynamic_frame.from_options(frame, "s3", {"path": args["output"]}, format="json")
job.commit()
"""


def test_run_local_keeps_bookmarks_in_a_file(tmp_path: Path) -> None:
    from glueworks.runtime.local_run import run_local

    script = tmp_path / "etl.py"
    script.write_text(LOCAL_SCRIPT)
    inputs, store = tmp_path / "in", tmp_path / "bookmarks.json"
    _arrive(inputs, "f1.json", [1], 1_000.0)
    outputs = []
    for step, arrival in enumerate([None, ("f2.json", [2], 5_000.0)]):
        if arrival:
            _arrive(inputs, *arrival)
        out = tmp_path / f"out{step}"
        args = ["--input", str(inputs), "--output", str(out), "--job-bookmark-option", "job-bookmark-enable"]
        result = run_local(script, args, bookmark_file=store, error_records_location=str(tmp_path / "errors"))
        assert result.succeeded, result.error
        outputs.append(result.metrics["records_written"])
    assert outputs == [1, 1]  # the second run read only the new file
    with pytest.raises(ValueError, match="bookmark_file"):
        run_local(script, ["--job-bookmark-option", "job-bookmark-enable"])


def _key_run(inputs: Path, spec: BookmarkSpec, **options: Any) -> tuple[list[int], dict[str, Any]]:
    ctx = JobRunContext(
        run_id="jr_k",
        job_name="job",
        attempt=0,
        executor="local",
        max_parallelism=2,
        error_records_location=None,
        bookmarks=RunBookmarks(spec),
    )
    with activate(ctx):
        glue = GlueContext()
        job = Job(glue)
        job.init("job", {})
        frame = glue.create_dynamic_frame.from_options(
            "s3", {"paths": [str(inputs)], **options}, format="json", transformation_ctx="rows"
        )
        ids = sorted(frame.toDF().column("id").to_pylist())
        job.commit()
    ctx.finish()
    return ids, ctx.bookmark_update() or {}


def test_key_bookmarks_read_rows_past_the_last_key(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    # One file that grows in place: a file bookmark would re-read it; a key bookmark reads only new rows.
    write_json_lines(inputs / "table.json", [{"id": 1}, {"id": 2}])
    first, saved = _key_run(inputs, BookmarkSpec(ENABLE, 0, {}), jobBookmarkKeys=["id"])
    assert first == [1, 2] and saved["state"]["rows"]["last"] == [2]
    write_json_lines(inputs / "table.json", [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])
    second, saved = _key_run(inputs, BookmarkSpec(ENABLE, 1, saved["state"]), jobBookmarkKeys=["id"])
    assert second == [3, 4] and saved["state"]["rows"]["last"] == [4]
    desc, _ = _key_run(inputs, BookmarkSpec(ENABLE, 0, {}), jobBookmarkKeys="id", jobBookmarkKeysSortOrder="desc")
    assert desc == [1, 2, 3, 4]


def test_key_bookmark_options_are_checked(tmp_path: Path) -> None:
    inputs = write_json_lines(tmp_path / "in" / "t.json", [{"id": 1}, {"other": 2}])
    with pytest.raises(InvalidOptionError, match="jobBookmarkKeysSortOrder"):
        _key_run(inputs.parent, BookmarkSpec(ENABLE, 0, {}), jobBookmarkKeys=["id"], jobBookmarkKeysSortOrder="up")
    with pytest.raises(InvalidOptionError, match="null in 1 rows"):
        _key_run(inputs.parent, BookmarkSpec(ENABLE, 0, {}), jobBookmarkKeys=["id"])
    with pytest.raises(InvalidOptionError, match="'missing' is not in the input"):
        _key_run(inputs.parent, BookmarkSpec(ENABLE, 0, {}), jobBookmarkKeys=["missing"])
