"""CSV reader and sink: Glue's format options, type inference, error records, round trips."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.formats import CsvFormat
from glueworks.runtime.gluetypes import field_type_name


def read_csv(ctx: GlueContext, *paths: Path, **format_options: Any) -> DynamicFrame:
    return ctx.create_dynamic_frame.from_options(
        "s3", {"paths": [str(p) for p in paths]}, format="csv", format_options=format_options
    )


def rows(frame: DynamicFrame) -> Counter[str]:
    """Rows as a multiset (order across files is not part of the contract)."""
    return Counter(repr(sorted(r.items())) for r in frame.toDF().to_pylist())


def test_header_and_type_inference(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,zip,price,note\n1,02139,1.5,hello\n2,10001,2,\nn/a,007,3e2,"a, b"\n')
    frame = read_csv(glue_ctx, path, withHeader=True)
    schema = frame.schema()
    assert {f.name: field_type_name(f) for f in schema} == {
        "id": "choice",  # int in two rows, a string in one: Glue's choice<int,string>
        "zip": "choice",  # 10001 is a number; 02139 and 007 keep their digits as strings
        "price": "choice",
        "note": "string",
    }
    resolved = frame.resolveChoice(specs=[("id", "cast:long"), ("zip", "cast:string"), ("price", "cast:double")])
    assert sorted(resolved.toDF().to_pylist(), key=lambda r: r["zip"]) == [
        {"id": None, "zip": "007", "price": 300.0, "note": "a, b"},
        {"id": 1, "zip": "02139", "price": 1.5, "note": "hello"},
        {"id": 2, "zip": "10001", "price": 2.0, "note": None},
    ]
    assert frame.errorsCount() == 0


def test_without_header_columns_are_numbered_and_widths_may_differ(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a,b\nc\n\nd,e,f\n")
    frame = read_csv(glue_ctx, path)
    assert frame.toDF().to_pylist() == [
        {"col0": "a", "col1": "b", "col2": None},
        {"col0": "c", "col1": None, "col2": None},
        {"col0": "d", "col1": "e", "col2": "f"},
    ]


def test_separator_quote_escaper_and_skip_first(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.tsv"
    path.write_text("name\tquote\nignored\tline\n'x\ty'\t'it''s'\nplain\ta\\'b\n")
    frame = read_csv(glue_ctx, path, separator="\t", quoteChar="'", escaper="\\", withHeader=True, skipFirst=True)
    assert frame.toDF().to_pylist() == [{"name": "x\ty", "quote": "it's"}, {"name": "plain", "quote": "a'b"}]
    no_quotes = read_csv(glue_ctx, path, separator="\t", quoteChar=-1, withHeader=True)
    assert no_quotes.toDF().column("quote").to_pylist() == ["line", "a\\'b"]
    assert no_quotes.errorsCount() == 1  # "'x\ty'\t'it''s'" has three fields under no quoting


def test_multiline_quoted_fields(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,text\n1,"line one\nline two"\n2,short\n')
    frame = read_csv(glue_ctx, path, withHeader=True, multiLine=True)
    assert frame.toDF().to_pylist() == [{"id": 1, "text": "line one\nline two"}, {"id": 2, "text": "short"}]
    # Without multiLine the open quote is a bad record on its line, and the rest still reads.
    single = read_csv(glue_ctx, path, withHeader=True)
    errors = single.errorsAsDynamicFrame().toDF().to_pylist()
    assert [(e["file"], e["line"]) for e in errors] == [(str(path), 2), (str(path), 3)]
    assert errors[0]["reason"].startswith("invalid CSV")
    assert errors[1]["reason"] == "row has 1 fields, the header has 2"
    assert single.toDF().to_pylist() == [{"id": 2, "text": "short"}]


def test_bad_rows_become_error_records(glue_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5\n\xff\xfe,6\n7,8\n")
    frame = read_csv(glue_ctx, path, withHeader=True)
    errors = frame.errorsAsDynamicFrame().toDF().to_pylist()
    assert [(e["line"], e["reason"]) for e in errors] == [
        (3, "row has 3 fields, the header has 2"),
        (4, "invalid UTF-8"),
    ]
    assert errors[1]["raw"] == "\\xff\\xfe,6"
    # Rows in = rows out + error records.
    assert frame.count() + frame.errorsCount() == 4
    assert glue_ctx.run_context.metrics.error_records == 2


def test_round_trip_with_partitions_and_options(glue_ctx: GlueContext, tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, 3, 4], pa.int32()),
            "text": ['has "quotes"', "semi;colon", None, "new\nline"],
            "dt": ["a", "b", "a", "b"],
        }
    )
    frame = DynamicFrame.fromDF(table, glue_ctx, "t")
    out = tmp_path / "out"
    glue_ctx.write_dynamic_frame.from_options(
        frame,
        "s3",
        {"path": str(out), "partitionKeys": ["dt"]},
        format="csv",
        format_options={"separator": ";", "quoteChar": "'"},
    )
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.csv"))
    assert [f.split("/")[0] for f in files] == ["dt=a", "dt=b"]
    assert (out / files[0]).read_text().splitlines()[0] == "id;text"
    back = glue_ctx.create_dynamic_frame.from_options(
        "s3",
        {"paths": [str(out)], "recurse": True},
        format="csv",
        format_options={"separator": ";", "quoteChar": "'", "withHeader": True, "multiLine": True},
    )
    assert rows(back) == rows(DynamicFrame.fromDF(table.drop_columns(["dt"]), glue_ctx, "x"))


def test_write_header_off_and_nested_values_as_json(local_ctx: GlueContext, tmp_path: Path) -> None:
    table = pa.table(
        {"s": [{"a": 1, "b": [1, 2]}], "flag": [True], "m": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64()))}
    )
    frame = DynamicFrame.fromDF(table, local_ctx, "t")
    out = tmp_path / "out"
    local_ctx.write_dynamic_frame.from_options(
        frame, "s3", {"path": str(out)}, format="csv", format_options={"writeHeader": False}
    )
    (written,) = list(out.glob("*.csv"))
    assert written.read_text() == '"{""a"":1,""b"":[1,2]}",true,"{""k"":1}"\n'


def test_bad_csv_options_name_the_option(local_ctx: GlueContext, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a\n")
    with pytest.raises(InvalidOptionError, match=r"^format_options.separator: must be a single character"):
        read_csv(local_ctx, path, separator="ab")
    with pytest.raises(InvalidOptionError, match=r"^format_options.quoteChar: must be a single character"):
        read_csv(local_ctx, path, quoteChar=-2)
    with pytest.raises(InvalidOptionError, match=r"^format_options.withHeader: must be true or false"):
        read_csv(local_ctx, path, withHeader="maybe")
    with pytest.raises(InvalidOptionError, match=r"^format_options.writeHeader: unknown option"):
        read_csv(local_ctx, path, writeHeader=True)
    frame = read_csv(local_ctx, path)
    with pytest.raises(InvalidOptionError, match=r"^format_options.withHeader: unknown option"):
        local_ctx.write_dynamic_frame.from_options(
            frame, "s3", {"path": str(tmp_path / "o")}, format="csv", format_options={"withHeader": True}
        )
    with pytest.raises(InvalidOptionError, match=r"^format_options.escaper: must be a single character"):
        local_ctx.write_dynamic_frame.from_options(
            frame, "s3", {"path": str(tmp_path / "o")}, format="csv", format_options={"escaper": "\\\\"}
        )
    assert not (tmp_path / "o").exists()


def test_glue_string_booleans_and_empty_files(local_ctx: GlueContext, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header_only.csv").write_text("a,b\n")
    frame = read_csv(local_ctx, tmp_path, withHeader="true")
    assert frame.count() == 0
    assert frame.schema().names == ["a", "b"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")), max_size=30))
def test_every_line_is_a_record_or_an_error_record(lines: list[bytes]) -> None:
    """Row conservation: each non-blank input line comes out as one record or one error record."""
    output = CsvFormat().read(io.BytesIO(b"\n".join(lines)), "mem.csv")
    # A UTF-8 byte-order mark at the very start of the file is encoding, not content.
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines = [lines[0][3:], *lines[1:]]
    non_blank = sum(1 for line in lines if line.strip(b" \t\r"))  # the reader's rule: spaces and tabs only
    assert output.records + len(output.errors) == non_blank
    assert sum(block.num_rows for block in output.blocks) == output.records
    assert all(error.file == "mem.csv" and error.line is not None for error in output.errors)
