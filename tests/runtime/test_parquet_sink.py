"""Parquet writes: Hive partitions, make_struct for choices, staging, commit and abort."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, JobRunContext, LocalExecutor, SchemaError
from glueworks.runtime.locations import parse_location
from glueworks.runtime.sinks import ParquetSink
from glueworks.runtime.sinks.partitioning import split_partitions
from tests.runtime.conftest import read_json, write_json_lines

EVENTS = [
    {"id": i, "dt": f"2026-11-0{1 + i % 3}", "country": ["FR", "DE"][i % 2], "amount": i * 1.5} for i in range(12)
]


def write(ctx: GlueContext, frame: DynamicFrame, path: Path, **options: object) -> None:
    ctx.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(path), **options},
        format="parquet",
    )


def parquet_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.parquet"))


def read_back(root: Path, partitioning: list[str] | None = None) -> pa.Table:
    dataset = ds.dataset(root, format="parquet", partitioning="hive" if partitioning else None)
    return dataset.to_table()


def test_partitioned_write_reads_back_equal(glue_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "in" / "a.json", EVENTS[:6])
    write_json_lines(tmp_path / "in" / "b.json", EVENTS[6:])
    frame = read_json(glue_ctx, tmp_path / "in")
    out = tmp_path / "out"
    write(glue_ctx, frame, out, partitionKeys=["dt", "country"])

    folders = sorted(str(p.parent.relative_to(out)) for p in parquet_files(out))
    assert set(folders) == {f"dt=2026-11-0{d}/country={c}" for d in (1, 2, 3) for c in ("DE", "FR")}
    # One file per input split and partition, named by split and run.
    assert len(folders) == 12
    assert all(p.name.endswith(".snappy.parquet") for p in parquet_files(out))
    assert pq.ParquetFile(parquet_files(out)[0]).metadata.row_group(0).column(0).compression == "SNAPPY"

    back = read_back(out, ["dt", "country"]).to_pylist()
    expected = {(e["id"], e["dt"], e["country"], e["amount"]) for e in EVENTS}
    assert {(r["id"], str(r["dt"]), str(r["country"]), r["amount"]) for r in back} == expected
    # Partition columns live in folder names, not in the files.
    assert pq.read_schema(parquet_files(out)[0]).names == ["id", "amount"]
    assert not (out / "_glueworks_staging").exists()

    metrics = glue_ctx.run_context.metrics.snapshot()
    assert metrics["records_written"] == 12
    assert metrics["files_written"] == 12
    assert metrics["bytes_written"] == sum(p.stat().st_size for p in parquet_files(out))
    assert metrics["output_locations"] == [str(out)]


def test_unpartitioned_write_with_gzip(glue_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(glue_ctx, write_json_lines(tmp_path / "a.json", EVENTS))
    out = tmp_path / "out"
    glue_ctx.write_dynamic_frame.from_options(
        frame=frame,
        connection_type="s3",
        connection_options={"path": str(out)},
        format="parquet",
        format_options={"compression": "gzip"},
    )
    files = parquet_files(out)
    assert [p.parent for p in files] == [out] and files[0].name.endswith(".gz.parquet")
    assert read_back(out).sort_by("id").to_pylist() == frame.toDF().sort_by("id").to_pylist()


def test_an_unresolved_choice_is_written_as_make_struct(glue_ctx: GlueContext, tmp_path: Path) -> None:
    write_json_lines(tmp_path / "in" / "a.json", [{"id": 1, "n": 5}])
    write_json_lines(tmp_path / "in" / "b.json", [{"id": 2, "n": "x"}])
    frame = read_json(glue_ctx, tmp_path / "in")
    out = tmp_path / "out"
    write(glue_ctx, frame, out)
    table = read_back(out)
    assert table.schema.field("n").type == pa.struct([("int", pa.int32()), ("string", pa.string())])
    assert table.schema.field("n").metadata is None
    assert sorted(table.to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "n": {"int": 5, "string": None}},
        {"id": 2, "n": {"int": None, "string": "x"}},
    ]


def test_partition_values_are_escaped_and_nulls_get_the_hive_default(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"k": "a/b=c", "v": 1}, {"v": 2}]))
    out = tmp_path / "out"
    write(local_ctx, frame, out, partitionKeys=["k"])
    folders = sorted(p.parent.name for p in parquet_files(out))
    assert folders == ["k=__HIVE_DEFAULT_PARTITION__", "k=a%2Fb%3Dc"]
    back = {r["v"]: r["k"] for r in read_back(out, ["k"]).to_pylist()}
    assert back == {1: "a/b=c", 2: None}  # readers undo the escaping


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"partitionKeys": ["nope"]}, r"^connection_options.partitionKeys: 'nope' is not a column"),
        ({"partitionKeys": ["n"]}, r"^connection_options.partitionKeys: 'n' is a choice"),
        ({"partitionKeys": "n"}, r"^connection_options.partitionKeys: must be a list"),
        ({"mode": "append"}, r"^connection_options.mode: unknown option"),
    ],
)
def test_bad_write_options_are_refused(
    local_ctx: GlueContext, tmp_path: Path, options: dict[str, object], message: str
) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"n": 1}, {"n": "x"}]))
    with pytest.raises(InvalidOptionError, match=message):
        write(local_ctx, frame, tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_write_needs_a_path_and_parquet(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"n": 1}]))
    with pytest.raises(InvalidOptionError, match=r"^connection_options.path: is required"):
        local_ctx.write_dynamic_frame.from_options(frame, "s3", {}, format="parquet")
    with pytest.raises(InvalidOptionError, match=r"^format: must be one of"):
        local_ctx.write_dynamic_frame.from_options(frame, "s3", {"path": str(tmp_path / "o")}, format="xml")
    with pytest.raises(InvalidOptionError, match=r"^format_options.compression: must be one of"):
        local_ctx.write_dynamic_frame.from_options(
            frame, "s3", {"path": str(tmp_path / "o")}, format="parquet", format_options={"compression": "rar"}
        )


def test_inside_a_job_output_is_staged_until_finish(tmp_path: Path) -> None:
    ctx = JobRunContext("jr_7", "job", 2, "local", 2, None)
    glue = GlueContext(run_context=ctx)
    frame = read_json(glue, write_json_lines(tmp_path / "a.json", EVENTS))
    out = tmp_path / "out"
    write(glue, frame, out, partitionKeys=["dt"])
    assert parquet_files(out) and all("_glueworks_staging/jr_7-2-w1" in str(p) for p in parquet_files(out))
    assert ctx.metrics.records_written == 0
    snapshot = ctx.finish()
    files = parquet_files(out)
    assert {p.parent.name for p in files} == {"dt=2026-11-01", "dt=2026-11-02", "dt=2026-11-03"}
    assert all(p.name == "part-00000-jr_7-2-w1.snappy.parquet" for p in files)
    assert not (out / "_glueworks_staging").exists()
    assert snapshot["records_written"] == 12 and snapshot["files_written"] == 3


def test_a_failed_run_leaves_no_output(tmp_path: Path) -> None:
    ctx = JobRunContext("jr_8", "job", 1, "local", 2, None)
    glue = GlueContext(run_context=ctx)
    frame = read_json(glue, write_json_lines(tmp_path / "a.json", EVENTS))
    out = tmp_path / "out"
    write(glue, frame, out)
    ctx.finish(succeeded=False)
    assert not out.exists()
    assert ctx.metrics.records_written == 0


def test_a_failing_write_removes_its_staging(local_ctx: GlueContext, tmp_path: Path) -> None:
    # An empty struct cannot be stored in Parquet; the write fails before anything is visible.
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"id": 1, "empty": {}}]))
    out = tmp_path / "out"
    with pytest.raises(SchemaError, match="'empty' holds a struct with no fields"):
        write(local_ctx, frame, out)
    assert not out.exists()


def test_sink_protocol_retried_parts_do_not_duplicate_and_abort_cleans(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sink = ParquetSink(parse_location(str(out), "path"), ("k",), "jr_1-1-w1")
    sink.start()
    block = pa.table({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    first = sink.write_part(0, [block], block.schema)
    again = sink.write_part(0, [block], block.schema)  # a retried task rewrites the same files
    assert first == again
    assert [f.relative_path for f in first.files] == [
        "k=a/part-00000-jr_1-1-w1.snappy.parquet",
        "k=b/part-00000-jr_1-1-w1.snappy.parquet",
    ]
    result = sink.commit([again])
    assert result.records == 3 and len(result.files) == 2
    assert len(parquet_files(out)) == 2

    other = ParquetSink(parse_location(str(out), "path"), (), "jr_2-1-w1")
    other.start()
    other.write_part(0, [block], block.schema)
    assert (out / "_glueworks_staging" / "jr_2-1-w1").exists()
    other.abort()
    other.abort()
    assert not (out / "_glueworks_staging").exists()
    assert len(parquet_files(out)) == 2  # the committed output of the other run is untouched


def test_writing_into_a_file_path_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file.parquet"
    target.write_bytes(b"x")
    ctx = GlueContext(executor=LocalExecutor(1))
    frame = DynamicFrame.fromDF(pa.table({"a": [1]}), ctx, "t")
    with pytest.raises(NotADirectoryError):
        write(ctx, frame, target)


def _dictionary_encoded(path: Path) -> dict[str, bool]:
    """Per leaf column path of a Parquet file, whether its first row group used a dictionary."""
    row_group = pq.ParquetFile(path).metadata.row_group(0)
    columns = (row_group.column(i) for i in range(row_group.num_columns))
    return {column.path_in_schema: column.dictionary_page_offset is not None for column in columns}


def test_mostly_distinct_scalar_columns_are_written_without_a_dictionary(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"e-{i:06d}",  # unique
            "kind": ["a", "b", "c"][i % 3],  # three values
            "n": i,  # unique
            "s.dotted": ["x", "y"][i % 2],  # a dot in a top-level name
            "nested": {"unique": f"u{i}", "few": i % 2},  # nested: a dictionary whatever the values
            "tags": [f"t{i}", "same"],
        }
        for i in range(3000)
    ]
    table = pa.Table.from_pylist(rows)
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), (), "jr_dict-1")
    sink.start()
    result = sink.write_part(0, [table], table.schema)
    sink.commit([result])
    (written,) = parquet_files(tmp_path / "out")
    assert pq.read_table(written).equals(table)
    assert _dictionary_encoded(written) == {
        "id": False,
        "kind": True,
        "n": False,
        "s.dotted": True,
        "nested.unique": True,
        "nested.few": True,
        "tags.list.element": True,
    }


def test_a_parts_files_share_the_encodings_its_first_rows_chose(tmp_path: Path) -> None:
    """The encodings are chosen once per part (a distinct count per column costs ~1 ms a file): a later
    partition whose own values would have asked for a dictionary is written as the first one chose."""
    table = pa.table(
        {
            "p": ["a"] * 3000 + ["b"] * 3000,
            "v": [f"u{i}" for i in range(3000)] + ["same"] * 3000,  # distinct in p=a, one value in p=b
            "kind": ["x", "y", "z"] * 2000,
        }
    )
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), ("p",), "jr_enc-1")
    sink.start()
    sink.commit([sink.write_part(0, [table], table.schema)])
    files = parquet_files(tmp_path / "out")
    assert [f.parent.name for f in files] == ["p=a", "p=b"]
    assert [_dictionary_encoded(f) for f in files] == [{"v": False, "kind": True}] * 2
    written = read_back(tmp_path / "out", ["p"]).sort_by("v").column("v").to_pylist()
    assert written == sorted(table.column("v").to_pylist())


@pytest.mark.parametrize(("file_bytes", "write_bytes", "row_groups"), [(None, None, 1), (1, None, 4), (None, 1, 4)])
def test_a_parts_rows_per_file_are_held_and_written_as_few_row_groups(
    file_bytes: int | None, write_bytes: int | None, row_groups: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks of a part give each partition a few rows; they reach the file as one row group, unless the
    per-file or the per-part buffer fills (here, after every block). Rows and their order are the same."""
    from glueworks.runtime.sinks import staged

    monkeypatch.setattr(staged, "BATCH_BYTES", 1)  # each block partitioned on its own, as a large block is
    if file_bytes is not None:
        monkeypatch.setattr(staged, "FILE_BUFFER_BYTES", file_bytes)
    if write_bytes is not None:
        monkeypatch.setattr(staged, "WRITE_BUFFER_BYTES", write_bytes)
    blocks = [pa.table({"k": ["a", "b"] * 50, "v": list(range(start, start + 100))}) for start in range(0, 400, 100)]
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), ("k",), "jr_rg-1")
    sink.start()
    result = sink.write_part(0, blocks, blocks[0].schema)

    assert [f.records for f in result.files] == [200, 200]
    for staged_file, parity in zip(result.files, (0, 1), strict=True):
        parquet = pq.ParquetFile(staged_file.staged_path)
        assert parquet.metadata.num_row_groups == row_groups
        assert parquet.read().column("v").to_pylist() == list(range(parity, 400, 2))


def test_small_blocks_are_partitioned_together_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neighbouring blocks below `BATCH_BYTES` are conformed, joined and partitioned once; a block that
    lacks a column gets it as nulls first. Rows keep their order; a block of half `BATCH_BYTES` goes alone."""
    from glueworks.runtime.sinks import staged

    schema = pa.schema([("k", pa.string()), ("v", pa.int64()), ("w", pa.string())])
    blocks = [pa.table({"k": ["a", "b"] * 5, "v": list(range(start, start + 10))}) for start in range(0, 30, 10)]
    blocks.append(pa.table({"k": ["a", "b"], "v": [30, 31], "w": ["x", "y"]}))
    calls: list[int] = []

    def counting(table: pa.Table, keys: tuple[str, ...]) -> list[tuple[str, pa.Table]]:
        calls.append(table.num_rows)
        return split_partitions(table, keys)

    monkeypatch.setattr(staged, "split_partitions", counting)
    # A conformed 10-row block holds ~170 Arrow bytes: joined up to 1 MiB; three reach 400; alone at 200.
    for batch_bytes, expected in ((1 << 20, [32]), (400, [30, 2]), (200, [10, 10, 10, 2])):
        monkeypatch.setattr(staged, "BATCH_BYTES", batch_bytes)
        calls.clear()
        sink = ParquetSink(parse_location(str(tmp_path / f"out-{batch_bytes}"), "path"), ("k",), "jr_batch-1")
        sink.start()
        result = sink.write_part(0, blocks, schema)
        assert calls == expected
        a_rows = pq.read_table(result.files[0].staged_path)
        assert a_rows.column("v").to_pylist() == list(range(0, 32, 2))
        assert a_rows.column("w").to_pylist() == [None] * 15 + ["x"]


def test_a_large_block_goes_alone_after_the_small_ones_held_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glueworks.runtime.sinks import staged

    def block(start: int, rows: int) -> pa.Table:
        return pa.table({"k": ["a", "b"] * (rows // 2), "v": list(range(start, start + rows))})

    blocks = [block(0, 10), block(10, 10), block(20, 200), block(220, 10)]
    calls: list[int] = []

    def counting(table: pa.Table, keys: tuple[str, ...]) -> list[tuple[str, pa.Table]]:
        calls.append(table.num_rows)
        return split_partitions(table, keys)

    monkeypatch.setattr(staged, "split_partitions", counting)
    monkeypatch.setattr(staged, "BATCH_BYTES", blocks[2].nbytes)  # the 200-row block is large, the others small
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), ("k",), "jr_alone-1")
    sink.start()
    result = sink.write_part(0, blocks, blocks[0].schema)
    assert calls == [20, 200, 10]
    assert pq.read_table(result.files[0].staged_path).column("v").to_pylist() == list(range(0, 230, 2))


def test_a_small_partition_does_not_keep_every_block_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Held rows are slices of their block, so a partition with one row a block would keep every block in
    memory until the end: once a block's worth of rows is held over the part, every file is written."""
    from glueworks.runtime.sinks import staged

    blocks = [pa.table({"k": ["a"] * 999 + ["b"], "v": list(range(i * 1000, (i + 1) * 1000))}) for i in range(6)]
    monkeypatch.setattr(staged, "BATCH_BYTES", 1)
    monkeypatch.setattr(staged, "FILE_BUFFER_BYTES", 4000)  # the large partition is written at every block
    monkeypatch.setattr(staged, "WRITE_BUFFER_BYTES", int(blocks[0].nbytes * 2.5))
    sink = ParquetSink(parse_location(str(tmp_path / "out"), "path"), ("k",), "jr_skew-1")
    sink.start()
    result = sink.write_part(0, blocks, blocks[0].schema)

    small = pq.ParquetFile(result.files[1].staged_path)
    assert result.files[1].relative_path.startswith("k=b/")
    # Every file is written after the 5th block (8 KB held a block) and at the end: the small one in two row groups.
    assert small.metadata.num_row_groups == 2
    assert small.read().column("v").to_pylist() == [i * 1000 + 999 for i in range(6)]
