"""User paths are checked before any I/O: scheme allow-list, no `..`, no URL chaining."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.runtime import GlueContext, UnsafePathError
from glueworks.runtime.locations import parse_location


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("http://example.invalid/x", "scheme 'http' is not allowed"),
        ("gcs://bucket/x", "scheme 'gcs' is not allowed"),
        ("s3://bucket/a/../b", "'..' segments are not allowed"),
        ("../outside", "'..' segments are not allowed"),
        ("data\\..\\x", "'..' segments are not allowed"),
        ("simplecache::s3://bucket/x", "URL chaining"),
        ("s3://", "needs a bucket"),
        ("gcs:bucket/x", "looks like a URL"),
        ("", "non-empty string"),
        ("a\x00b", "NUL"),
    ],
)
def test_unsafe_paths_are_refused(value: str, message: str) -> None:
    with pytest.raises(UnsafePathError, match=f"^connection_options.paths\\[0\\]: .*{message}"):
        parse_location(value, "connection_options.paths[0]")


def test_allowed_forms(tmp_path: Path) -> None:
    assert parse_location("s3://bucket/key/", "p").url == "s3://bucket/key"
    assert parse_location("memory://root/x", "p").url == "memory://root/x"
    assert parse_location(f"file://{tmp_path}", "p").path == str(tmp_path)
    assert parse_location(str(tmp_path), "p").protocol == "file"
    relative = parse_location("some/dir", "p")
    assert relative.path.startswith("/") and relative.path.endswith("/some/dir")


def test_read_options_are_checked_before_io(local_ctx: GlueContext, tmp_path: Path) -> None:
    reader = local_ctx.create_dynamic_frame
    with pytest.raises(UnsafePathError, match=r"^connection_options.paths\[1\]: scheme 'ftp'"):
        reader.from_options("s3", {"paths": [str(tmp_path), "ftp://host/x"]}, format="json")
    checks: list[tuple[dict[str, object], str]] = [
        ({"connection_type": "jdbc"}, "^connection_type: only 's3'"),
        ({"connection_options": {"paths": "/x"}}, "^connection_options.paths: must be a non-empty list"),
        ({"connection_options": {"paths": [str(tmp_path)], "recurse": "yes"}}, "^connection_options.recurse"),
        ({"connection_options": {"paths": [str(tmp_path)], "exclusions": "[**"}}, "exclusions: must be a JSON list"),
        ({"connection_options": {"paths": [str(tmp_path)], "pathz": 1}}, "^connection_options.pathz: unknown"),
        ({"format": "xml"}, "^format: must be one of json, csv, parquet, orc, avro"),
        ({"format_options": {"jsonPath": "x"}}, "^format_options.jsonPath: must be a JSON path"),
        ({"push_down_predicate": "a = 1"}, "^push_down_predicate"),
    ]
    for overrides, message in checks:
        arguments: dict[str, object] = {
            "connection_type": "s3",
            "connection_options": {"paths": [str(tmp_path)]},
            "format": "json",
            **overrides,
        }
        with pytest.raises(ValueError, match=message):
            reader.from_options(**arguments)  # type: ignore[arg-type]
    # Tuning options Glue scripts pass are accepted.
    reader.from_options("s3", {"paths": [str(tmp_path)], "groupFiles": "inPartition"}, format="json")
