"""The JSON reader: drift becomes a Choice, bad lines become error records, I/O errors raise."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fsspec
import pytest

from glueworks.runtime import GlueContext
from glueworks.runtime.executors.pipeline import run_split
from glueworks.runtime.formats import JsonFormat
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.locations import parse_location
from glueworks.runtime.sources import FileSplit
from tests.runtime.conftest import read_json, write_json_lines

DRIFT = [{"id": 1, "n": 5}, {"id": 2, "n": "7"}, {"id": 3, "n": 9}, {"id": 4}]


def test_a_field_that_drifts_within_one_file_is_a_choice(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", DRIFT)
    frame = read_json(glue_ctx, path)
    field = frame.schema().field("n")
    assert is_choice(field)
    assert [m.name for m in field.type] == ["int", "string"]
    assert frame.count() == 4
    values = frame.toDF().column("n").to_pylist()
    assert values == [{"int": 5, "string": None}, {"int": None, "string": "7"}, {"int": 9, "string": None}, None]


def test_drift_across_files_is_a_choice_and_ints_widen(glue_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "in" / "a.json", [{"n": 1, "big": 1}])
    write_json_lines(tmp_path / "in" / "b.json", [{"n": "x", "big": 2**40}])
    frame = read_json(glue_ctx, tmp_path / "in")
    schema = frame.schema()
    assert is_choice(schema.field("n"))
    assert str(schema.field("big").type) == "int64"
    assert frame.toDF().column("big").to_pylist() == [1, 2**40]


def test_malformed_lines_become_error_records(glue_ctx: GlueContext, tmp_path: Path) -> None:
    lines: list[object] = [
        {"id": 1},
        b'{"id": 2, "broken": ',
        b'{"id": 3, "city": "S\xe3o Paulo"}',
        b"[1, 2]",
        b"",
        b'{"id": 6, "s": "\\ud800"}',
        b"plain text",
        {"id": 8},
    ]
    path = write_json_lines(tmp_path / "bad.json", lines)
    frame = read_json(glue_ctx, path)
    assert frame.count() == 2
    assert frame.errorsCount() == 5
    errors = frame.errorsAsDynamicFrame().toDF().to_pylist()
    by_line = {e["line"]: e for e in errors}
    assert sorted(by_line) == [2, 3, 4, 6, 7]
    assert all(e["file"] == str(path) and e["stage"] == "read" for e in errors)
    assert by_line[2]["reason"].startswith("invalid JSON")
    assert by_line[2]["raw"] == '{"id": 2, "broken": '
    assert by_line[3]["reason"].startswith("invalid UTF-8")
    assert "\\xe3" in by_line[3]["raw"]
    assert by_line[4]["reason"] == "not a JSON object: the line holds an array"
    assert "surrogate" in by_line[6]["reason"]
    assert by_line[7]["raw"] == "plain text"
    assert glue_ctx.run_context.metrics.error_records == 5


def test_crlf_line_endings_and_a_byte_order_mark(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "crlf.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n{"a": 2}\r\n')
    frame = read_json(glue_ctx, path)
    assert frame.errorsCount() == 0
    assert frame.toDF().column("a").to_pylist() == [1, 2]


def test_multiline_documents(glue_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{\n  "a": 1,\n  "b": {"c": "x"}\n}\n')
    (tmp_path / "many.json").write_text('[\n {"a": 2},\n 3,\n {"a": "three"}\n]')
    (tmp_path / "broken.json").write_text('{\n  "a": \n')
    frame = read_json(glue_ctx, tmp_path, recurse=False)
    multi = glue_ctx.create_dynamic_frame.from_options(
        "s3", {"paths": [str(tmp_path)]}, format="json", format_options={"multiLine": "true"}
    )
    # Read as JSON lines only one line of these files is a whole object: ' {"a": "three"}'.
    assert frame.count() == 1
    assert multi.count() == 3
    errors = {
        (e["file"].rsplit("/", 1)[-1], e["line"]): e["reason"] for e in multi.errorsAsDynamicFrame().toDF().to_pylist()
    }
    assert errors[("broken.json", 3)].startswith("invalid JSON")
    assert errors[("many.json", None)] == "not a JSON object: element 1 of the top-level array holds a number"
    assert is_choice(multi.schema().field("a"))


def test_recurse_and_hidden_files(glue_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "top.json", [{"a": 1}])
    write_json_lines(tmp_path / "sub" / "deep.json", [{"a": 2}])
    write_json_lines(tmp_path / "_staging" / "skip.json", [{"a": 3}])
    write_json_lines(tmp_path / ".hidden.json", [{"a": 4}])
    (tmp_path / "_SUCCESS").write_text("")
    flat = read_json(glue_ctx, tmp_path)
    deep = read_json(glue_ctx, tmp_path, recurse=True)
    assert sorted(flat.toDF().column("a").to_pylist()) == [1]
    assert sorted(deep.toDF().column("a").to_pylist()) == [1, 2]


def test_gzip_files_are_decompressed(glue_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    assert read_json(glue_ctx, tmp_path).toDF().column("a").to_pylist() == [1, 2]


def test_memory_filesystem(local_ctx: GlueContext, memory_root: str) -> None:
    fs = fsspec.filesystem("memory")
    base = memory_root.removeprefix("memory://")
    fs.pipe(f"{base}/x.json", b'{"a": 1}\n{"a": "b"}\n')
    frame = read_json(local_ctx, memory_root)
    assert frame.count() == 2
    assert is_choice(frame.schema().field("a"))


def test_a_missing_path_raises_and_is_not_an_error_record(glue_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(glue_ctx, tmp_path / "nope")
    with pytest.raises(FileNotFoundError):
        frame.count()
    assert glue_ctx.run_context.metrics.error_records == 0


def test_a_file_vanishing_before_its_task_raises_on_every_executor(glue_ctx: GlueContext, tmp_path: Path) -> None:
    """I/O errors inside a task (local thread or Ray worker) reach the caller as themselves."""
    location = parse_location(str(tmp_path / "gone.json"), "path")
    split = FileSplit(location, 10, JsonFormat())
    with pytest.raises(FileNotFoundError, match=r"gone\.json"):
        glue_ctx.executor.execute([split], (), lambda meta: None)


def test_run_split_reads_blocks_of_bounded_size(tmp_path: Path) -> None:
    path = write_json_lines(tmp_path / "a.json", [{"i": i} for i in range(10)])
    split = FileSplit(parse_location(str(path), "path"), path.stat().st_size, JsonFormat(block_rows=4))
    meta, blocks = run_split(0, split, ())
    assert [b.num_rows for b in blocks] == [4, 4, 2]
    assert meta.records_read == 10 and meta.bytes_read == path.stat().st_size
    assert json.loads(json.dumps([b.column("i").to_pylist() for b in blocks])) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
