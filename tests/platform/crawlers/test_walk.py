"""Exclusion globs: Glue's semantics translated to regular expressions."""

from __future__ import annotations

import re

import pytest

from glueworks.platform.crawlers.walk import glob_to_regex


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("*.csv", "a.csv", True),
        ("*.csv", "dir/a.csv", False),
        ("**.csv", "dir/sub/a.csv", True),
        ("logs/**", "logs/2024/a.json", True),
        ("logs/**", "other/logs/a.json", False),
        ("dt=2024-0?-01/*", "dt=2024-05-01/x.json", True),
        ("dt=2024-0?-01/*", "dt=2024-10-01/x.json", False),
        ("{a,b}/*.json", "b/x.json", True),
        ("{a,b}/*.json", "c/x.json", False),
        ("part-[0-4].json", "part-3.json", True),
        ("part-[!0-4].json", "part-3.json", False),
        ("part-[!0-4].json", "part-7.json", True),
        ("file(1).json", "file(1).json", True),
        ("/lead/*.json", "lead/x.json", True),
    ],
)
def test_glob(glob: str, path: str, matches: bool) -> None:
    assert (re.fullmatch(glob_to_regex(glob), path) is not None) is matches


@pytest.mark.parametrize("glob", ["{a,b", "[abc", "x/{a,[b}"])
def test_bad_glob(glob: str) -> None:
    with pytest.raises(ValueError, match="unclosed"):
        glob_to_regex(glob)
