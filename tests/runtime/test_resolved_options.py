"""getResolvedOptions: Glue's argument semantics, with a clear error for a missing argument."""

from __future__ import annotations

import pytest

from glueworks.runtime import InvalidOptionError, MissingArgumentError, getResolvedOptions


def test_picks_listed_arguments_in_both_forms_and_ignores_others() -> None:
    argv = ["job.py", "--JOB_NAME", "etl", "--input_path=s3://b/in", "--extra", "1", "loose", "--flag"]
    assert getResolvedOptions(argv, ["JOB_NAME", "input_path"]) == {"JOB_NAME": "etl", "input_path": "s3://b/in"}


def test_last_value_wins_and_values_may_be_empty_or_contain_equals() -> None:
    argv = ["job.py", "--day", "1", "--day", "2", "--expr=a=b", "--empty="]
    assert getResolvedOptions(argv, ["day", "expr", "empty"]) == {"day": "2", "expr": "a=b", "empty": ""}


def test_first_element_is_the_script_and_never_an_argument() -> None:
    with pytest.raises(MissingArgumentError, match=r"^--JOB_NAME: required job argument is missing"):
        getResolvedOptions(["--JOB_NAME", "x"], ["JOB_NAME"])


def test_missing_argument_names_it() -> None:
    with pytest.raises(MissingArgumentError) as caught:
        getResolvedOptions(["job.py", "--JOB_NAME", "etl"], ["JOB_NAME", "output_path"])
    assert str(caught.value) == "--output_path: required job argument is missing"
    assert caught.value.option == "--output_path"
    assert isinstance(caught.value, ValueError)


def test_argument_without_a_value() -> None:
    with pytest.raises(MissingArgumentError, match=r"^--input_path: expects a value"):
        getResolvedOptions(["job.py", "--input_path", "--JOB_NAME", "x"], ["JOB_NAME", "input_path"])


def test_option_names_are_checked() -> None:
    with pytest.raises(InvalidOptionError, match="write names without dashes"):
        getResolvedOptions(["job.py"], ["--JOB_NAME"])
    with pytest.raises(InvalidOptionError, match=r"^options: must be a list"):
        getResolvedOptions(["job.py"], "JOB_NAME")
