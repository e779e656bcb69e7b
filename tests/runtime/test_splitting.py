"""Input splitting: byte ranges of line-delimited files, grouping of small files, sizes by capacity."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import random
from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, JobRunContext, LocalExecutor
from glueworks.runtime.error_records import ErrorRecord
from glueworks.runtime.executors import Executor
from glueworks.runtime.formats import CsvFormat, JsonFormat
from glueworks.runtime.formats.ranges import read_owned_lines
from glueworks.runtime.locations import parse_location
from glueworks.runtime.sources import FileGroupSplit, FileSplit, Split
from glueworks.runtime.splitting import (
    MAX_SPLIT_BYTES,
    MIN_SPLIT_BYTES,
    TAIL_PIECES,
    TASKS_PER_WORKER,
    RangeSplit,
    cut_file,
    plan_splits,
    split_target,
    tail_weights,
)
from tests.runtime.conftest import read_json

KiB = 1024


def file_split(path: Path, fmt: JsonFormat | CsvFormat | None = None) -> FileSplit:
    return FileSplit(parse_location(str(path), "path"), path.stat().st_size, fmt or JsonFormat())


def messy_lines(count: int, seed: int) -> list[bytes]:
    """JSON lines of varied length with malformed and blank lines among them."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.05:
            lines.append(b'{"id": ' + str(i).encode() + b", broken")
        elif roll < 0.07:
            lines.append(b"")
        elif roll < 0.09:
            lines.append(b"\xff\xfe not utf-8")
        else:
            lines.append(json.dumps({"id": i, "pad": "x" * rng.randint(0, 300)}).encode())
    return lines


def read_all(splits: list[Split]) -> tuple[list[int], list[ErrorRecord]]:
    ids: list[int] = []
    errors: list[ErrorRecord] = []
    for split in splits:
        out = split.read()
        ids += [i for block in out.blocks for i in block.column("id").to_pylist()]
        errors += out.errors
    return ids, errors


@pytest.mark.parametrize("margin", [1, 3, 64 * KiB], ids=["lines-past-the-margin", "some-past", "default"])
def test_owned_lines_cover_every_line_once_whatever_the_cut_points(
    margin: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the cut points, and whether the last owned line ends within the bytes read past the range
    or needs more reads, the ranges own every line once."""
    from glueworks.runtime.formats import ranges

    monkeypatch.setattr(ranges, "_TAIL_CHUNK", margin)
    data = b"a\nbb\n\nccc\ndddd\ne"
    starts = [i for i in range(len(data)) if i == 0 or data[i - 1 : i] == b"\n"]
    for cut in range(len(data) + 1):
        for second in range(cut, len(data) + 1):
            cuts = [0, cut, second, len(data)]
            owned = []
            for start, end in itertools.pairwise(cuts):
                chunk, first = read_owned_lines(io.BytesIO(data), start, end)
                assert first == end or first in starts
                owned.append(chunk)
            assert b"".join(owned) == data, cuts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ranges_read_exactly_the_rows_and_errors_of_the_whole_file(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "events.json"
    path.write_bytes(b"\n".join(messy_lines(400, seed)) + b"\n")
    whole = file_split(path)
    expected_ids, expected_errors = read_all([whole])
    assert expected_errors, "the input must hold bad lines"
    rng = random.Random(seed)
    for target in (97, 1000, 4 * KiB, rng.randint(50, 5000)):
        ranges = cut_file(whole, target)
        assert len(ranges) > 1 and all(isinstance(r, RangeSplit) for r in ranges)
        ids, errors = read_all(ranges)
        assert ids == expected_ids  # every record once, in file order
        assert [(e.file, e.line, e.reason) for e in errors] == [(e.file, e.line, e.reason) for e in expected_errors]


def test_error_line_numbers_are_true_file_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i}).encode() for i in range(1000)]
    lines[876] = b"{not json"
    path = tmp_path / "one_bad.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    ranges = cut_file(file_split(path), 1000)
    assert len(ranges) > 10
    errors = [e for r in ranges for e in r.read().errors]
    assert [(e.line, e.raw) for e in errors] == [(877, "{not json")]


def test_csv_ranges_keep_the_header_and_true_line_numbers(tmp_path: Path) -> None:
    rows = [f"{i},name{i}" for i in range(300)]
    rows[200] = '7,"unterminated'
    path = tmp_path / "t.csv"
    path.write_text("id,name\n" + "\n".join(rows) + "\n")
    fmt = CsvFormat(with_header=True)
    whole = file_split(path, fmt)
    ranges = cut_file(whole, 500)
    assert len(ranges) > 3
    ids = [i for r in ranges for b in r.read().blocks for i in b.column("id").to_pylist()]
    assert ids == [i for i in range(300) if i != 200]
    errors = [e for r in ranges for e in r.read().errors]
    assert [e.line for e in errors] == [202]  # header is line 1, row i is line i + 2
    assert [b.column_names for r in ranges for b in r.read().blocks] == [["id", "name"]] * len(
        [b for r in ranges for b in r.read().blocks]
    )


def test_compressed_and_multiline_files_are_never_cut(tmp_path: Path) -> None:
    payload = b"\n".join(json.dumps({"id": i, "pad": "y" * 50}).encode() for i in range(2000)) + b"\n"
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(payload))
    (tmp_path / "b.json").write_bytes(payload)
    gz = file_split(tmp_path / "a.json.gz")
    assert cut_file(gz, 100) == [gz]
    multi = file_split(tmp_path / "b.json", JsonFormat(multiline=True))
    assert cut_file(multi, 100) == [multi]
    assert len(cut_file(file_split(tmp_path / "b.json"), 100)) > 1


def test_split_sizes_follow_the_capacity() -> None:
    total = 1024 * 1024 * 1024
    assert split_target(total, 1) == min(MAX_SPLIT_BYTES, total // TASKS_PER_WORKER)
    assert split_target(total // 4, 2) == total // 4 // (2 * TASKS_PER_WORKER)
    assert split_target(total, 64) == MIN_SPLIT_BYTES  # never below the floor
    assert split_target(100 * total, 2) == MAX_SPLIT_BYTES  # never above the ceiling


def test_plan_cuts_large_files_by_capacity_and_groups_small_ones(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b"\n".join(json.dumps({"id": i, "pad": "z" * 90}).encode() for i in range(4000)) + b"\n")
    bounds = {"min_bytes": 1024, "max_bytes": 10**9}
    one = plan_splits([file_split(big)], 1, **bounds)
    two = plan_splits([file_split(big)], 2, **bounds)
    # A few tasks per worker; with two workers, the last one per worker cut in pieces (the round's tail).
    assert len(one) == TASKS_PER_WORKER and len(two) == 2 * TASKS_PER_WORKER + 2 * (TAIL_PIECES - 1)
    for plan in (one, two):
        ranges = [s for s in plan if isinstance(s, RangeSplit)]
        assert next((r.start, r.end) for r in ranges)[0] == 0 and ranges[-1].end == big.stat().st_size
        assert all(a.end == b.start for a, b in itertools.pairwise(ranges))

    small = []
    for i in range(40):
        path = tmp_path / "small" / f"f{i:02d}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"id": i}) + "\n")
        small.append(file_split(path))
    grouped = plan_splits(small, 2, **bounds)
    assert 2 <= len(grouped) <= 2 * TASKS_PER_WORKER + 1
    members = [f for s in grouped for f in (s.files if isinstance(s, FileGroupSplit) else (s,))]
    assert members == small  # file order kept
    assert len(plan_splits(small[:5], 2, **bounds)) == 5  # few files: one split each


def test_the_last_split_per_worker_is_cut_in_pieces_where_it_can_be(tmp_path: Path) -> None:
    files = []
    for i in range(2 * TASKS_PER_WORKER):  # one file per task: none is cut by size
        path = tmp_path / f"f{i}.json"
        path.write_bytes(b"\n".join(json.dumps({"id": i * 1000 + n, "pad": "z" * 90}).encode() for n in range(1000)))
        files.append(file_split(path))
    gz = tmp_path / "last.json.gz"
    with gzip.open(gz, "wb") as handle:
        handle.write(b"\n".join(json.dumps({"id": n, "pad": "z" * 90}).encode() for n in range(9000)))
    bounds = {"min_bytes": 1024, "max_bytes": 10**9}
    plan = plan_splits(files, 2, **bounds)
    tail = 2 * TAIL_PIECES
    assert plan[:-tail] == files[:-2]  # whole files
    pieces = plan[-tail:]
    assert [type(s) for s in pieces] == [RangeSplit] * tail
    first = pieces[:TAIL_PIECES]  # one file's pieces: contiguous, covering it, the last the smallest
    assert {s.location for s in first} == {files[-2].location}
    assert first[0].start == 0 and first[-1].end == files[-2].size
    assert all(a.end == b.start for a, b in itertools.pairwise(first))
    weights = tail_weights(TAIL_PIECES)
    assert weights == sorted(weights, reverse=True) and weights[-1] < weights[0]
    for piece, weight in zip(first, weights, strict=True):  # sizes follow the weights, to a byte
        assert abs(piece.size - files[-2].size * weight / sum(weights)) <= 1
    # A compressed file cannot be cut: it stays whole at the tail too.
    with_gz = plan_splits([*files[:-1], file_split(gz)], 2, **bounds)
    assert with_gz[-1] == file_split(gz) and isinstance(with_gz[-2], RangeSplit)
    # A piece keeps at least half of min_bytes: fewer pieces, or none below min_bytes.
    size = files[-1].size
    assert len(plan_splits(files, 2, min_bytes=size, max_bytes=10**9)) == len(files) + 2  # halves
    assert plan_splits(files, 2, min_bytes=10**6, max_bytes=10**9) == files
    assert not any(isinstance(s, RangeSplit) for s in plan_splits(files, 1, **bounds))  # packed, none cut


def test_file_groups_stay_within_the_split_bound_however_large_the_input(tmp_path: Path) -> None:
    # 24 files of ~3.8 KB against an 8 KB bound: packing by total / (2 * TASKS_PER_WORKER) alone would make
    # groups of ~11 KB, so each task's memory would grow with the input.
    files = []
    for i in range(24):
        path = tmp_path / f"f{i:02d}.json"
        path.write_text("\n".join(json.dumps({"id": i, "n": n, "pad": "x" * 20}) for n in range(75)) + "\n")
        files.append(file_split(path))
    bound = 8 * 1024
    assert sum(f.size for f in files) // (2 * TASKS_PER_WORKER) > bound
    plan = plan_splits(files, 2, min_bytes=1024, max_bytes=bound)
    assert all(s.size <= bound for s in plan)
    assert any(isinstance(s, FileGroupSplit) for s in plan)  # still packed, two files a group
    members = [f for s in plan for f in (s.files if isinstance(s, FileGroupSplit) else (s,))]
    assert members == files


def test_plan_rejects_bad_capacity() -> None:
    with pytest.raises(ValueError, match="parallelism"):
        plan_splits([], 0)
    with pytest.raises(ValueError, match="min_bytes"):
        plan_splits([], 1, min_bytes=10, max_bytes=5)


def test_a_large_file_read_in_ranges_end_to_end(executor: Executor, tmp_path: Path) -> None:
    # Just above the split floor's slack, so a 2-worker run cuts it: big lines keep parsing cheap.
    pad = "p" * 16_000
    count = int(MIN_SPLIT_BYTES * 1.4) // 16_020
    lines = [json.dumps({"id": i, "pad": pad}).encode() for i in range(count)]
    bad = count - 3
    lines[bad] = b"{oops"
    path = tmp_path / "large.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    splits = read_json(GlueContext(executor=LocalExecutor(1)), path).plan.source.splits(2)  # type: ignore[attr-defined]
    assert len(splits) >= 2 and all(isinstance(s, RangeSplit) for s in splits)
    ctx = JobRunContext.standalone()
    glue = GlueContext(executor=executor, run_context=ctx)
    frame = read_json(glue, path)
    table = frame.toDF()
    assert table.column("id").to_pylist() == [i for i in range(count) if i != bad]
    errors = frame._execute().errors
    assert [(e.file, e.line) for e in errors] == [(file_split(path).location.url, bad + 1)]
    assert ctx.metrics.snapshot()["bytes_read"] == path.stat().st_size
