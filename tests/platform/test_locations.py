"""User-given locations are validated before any I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueworks.platform.errors import InvalidInputError
from glueworks.platform.locations import parse_location


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("http://169.254.169.254/latest", "scheme"),
        ("ftp://host/x.py", "scheme"),
        ("simplecache::s3://bucket/x.py", "chained"),
        ("relative/x.py", "scheme"),
        ("file://evil.example/x.py", "local absolute"),
        ("s3://bucket-only", "bucket and a key"),
        ("s3://bucket/a/../b.py", "'..'"),
        ("/etc/passwd", "outside the folders"),
        ("file:///tmp/x.py?version=2", "query"),
    ],
)
def test_refused(value: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"Command\.ScriptLocation") as info:
        parse_location(value, field="Command.ScriptLocation", file_roots=[tmp_path])
    assert message in str(info.value)


def test_dot_dot_escape_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "allowed"
    root.mkdir()
    with pytest.raises(InvalidInputError, match=r"'\.\.'"):
        parse_location(f"{root}/../secret.py", field="f", file_roots=[root])


def test_symlink_out_of_a_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "allowed"
    root.mkdir()
    (root / "link.py").symlink_to("/etc/hostname")
    with pytest.raises(InvalidInputError, match="outside"):
        parse_location(str(root / "link.py"), field="f", file_roots=[root])


def test_accepted(tmp_path: Path) -> None:
    inside = tmp_path / "job.py"
    assert parse_location(str(inside), field="f", file_roots=[tmp_path]).url == f"file://{inside}"
    assert parse_location(f"file://{inside}", field="f", file_roots=[tmp_path]).path == str(inside)
    assert parse_location("s3://bucket/jobs/etl.py", field="f", file_roots=[]).url == "s3://bucket/jobs/etl.py"
