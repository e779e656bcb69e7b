"""Issue 4's bad-input list: the cases not tested elsewhere, and where the others are.

Where each case is tested:

* Unknown path in a mapping — absent from the result: ``test_apply_mapping.py``
  (``test_a_field_absent_everywhere_is_absent_from_the_result``); a path through a scalar and a
  mapping of nothing but unknown paths (records kept, no error records): here. Unknown paths in
  ``select_fields``/``drop_fields``/``rename_field``/``resolveChoice``: their own test modules.
* Impossible cast — the one documented choice is Glue's (non-ANSI Spark) one: the value becomes
  null, never an error record (``casting.py``). Values: ``test_casting.py``,
  ``test_apply_mapping.py``, ``test_resolve_choice.py``; that no error record is made and the
  rows are conserved, on both executors: here.
* ``resolveChoice`` with both or neither of ``specs``/``choice``, and bad action strings in
  ``specs``: ``test_resolve_choice.py`` (``test_bad_specs_are_refused_naming_the_option``); bad
  action strings in the ``choice=`` form and the class form: here.
* A ``map`` function that raises or returns None: ``test_map.py`` (error records with reason, on
  both executors); through a real platform job (the run succeeds, the records are counted): here.
* A threshold exceeded: ``test_thresholds.py`` (message with the counts, ``run_script``); through a
  real platform job (FAILED, ErrorMessage with the counts): here.
* Unreadable compressed input: ``test_compression.py`` (an ``OSError`` naming the file, no error
  records); through a real platform job (FAILED, ``error_records == 0``): here.
"""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError, SchemaError
from glueworks.runtime.glue_transforms import ResolveChoice
from glueworks.sdk import Client
from glueworks.sdk.models import JobRun, JobRunState
from tests.conftest import LiveServer
from tests.runtime.conftest import read_json, write_json_lines

RECORDS = [
    {"id": 1, "n": 1, "when": "2026-11-01", "user": {"name": "ann"}},
    {"id": 2, "n": "2", "when": "yesterday", "user": {"name": "bob"}},
    {"id": 3, "n": "three", "when": "2026-13-45"},
]


@pytest.fixture
def frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    write_json_lines(tmp_path / "in" / "a.json", RECORDS[:2])
    write_json_lines(tmp_path / "in" / "b.json", RECORDS[2:])
    return read_json(glue_ctx, tmp_path / "in")


def by_id(frame: DynamicFrame) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = frame.toDF().sort_by("id").to_pylist()
    return rows


# --- unknown paths in a mapping ------------------------------------------------------------------


def test_a_mapping_path_through_a_scalar_is_absent_like_an_unknown_one(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping(
        [("id", "int", "id", "int"), ("id.x", "int", "x", "int"), ("user.age", "int", "age", "int")]
    )
    assert mapped.schema().names == ["id"]
    assert by_id(mapped) == [{"id": 1}, {"id": 2}, {"id": 3}]
    assert mapped.errorsCount() == 0


def test_a_mapping_of_only_unknown_paths_keeps_every_record_with_no_fields(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping([("nowhere", "string", "ghost", "string")])
    assert mapped.schema().names == []
    assert mapped.count() == len(RECORDS)
    assert mapped.errorsCount() == 0


# --- impossible casts ------------------------------------------------------------------------------


def test_an_impossible_cast_in_a_mapping_gives_null_and_no_error_record(frame: DynamicFrame) -> None:
    mapped = frame.apply_mapping(
        [("id", "int", "id", "int"), ("n", "string", "n", "long"), ("when", "string", "when", "date")]
    )
    assert mapped.schema().field("n").type == pa.int64()
    assert [(r["n"], r["when"] is None) for r in by_id(mapped)] == [(1, False), (2, True), (None, True)]
    assert mapped.count() == len(RECORDS)
    assert (mapped.errorsCount(), mapped.stageErrorsCount()) == (0, 0)
    assert frame.glue_ctx.run_context.metrics.error_records == 0


def test_an_impossible_cast_in_resolve_choice_gives_null_and_no_error_record(frame: DynamicFrame) -> None:
    for resolved in (frame.resolveChoice(specs=[("n", "cast:int")]), frame.resolveChoice(choice="cast:int")):
        assert [r["n"] for r in by_id(resolved)] == [1, 2, None]
        assert resolved.errorsCount() == 0


def test_a_struct_cast_to_a_number_fails_naming_the_field(frame: DynamicFrame) -> None:
    # Not a bad value but a bad mapping (every row would be null): the action fails, naming the field.
    mapped = frame.apply_mapping([("user", "struct", "user", "int")])
    with pytest.raises(SchemaError, match=r"^cannot cast 'user' of type struct<name: string> to int32"):
        mapped.toDF()


# --- invalid actions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("bogus", r"^choice: unknown action 'bogus'"),
        ("cast", r"^choice: cast needs a type"),
        ("project:widget", r"^choice: unknown type"),
        ("make_cols:int", r"^choice: make_cols takes no type"),
        ("match_catalog", r"^choice: match_catalog needs the Data Catalog"),
    ],
)
def test_a_bad_choice_action_is_refused_naming_the_option(
    local_ctx: GlueContext, tmp_path: Path, choice: str, message: str
) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"n": 1}, {"n": "1"}]))
    with pytest.raises(InvalidOptionError, match=message):
        frame.resolveChoice(choice=choice)


def test_the_class_form_refuses_both_neither_and_bad_actions(local_ctx: GlueContext, tmp_path: Path) -> None:
    frame = read_json(local_ctx, write_json_lines(tmp_path / "a.json", [{"n": 1}, {"n": "1"}]))
    with pytest.raises(InvalidOptionError, match=r"^specs: pass specs"):
        ResolveChoice.apply(frame=frame)
    with pytest.raises(InvalidOptionError, match=r"^specs: pass either"):
        ResolveChoice.apply(frame=frame, specs=[("n", "make_cols")], choice="make_struct")
    with pytest.raises(InvalidOptionError, match=r"^specs\[0\]: unknown action"):
        ResolveChoice.apply(frame=frame, specs=[("n", "explode")])


# --- through a real platform job -------------------------------------------------------------------


def run_job(client: Client, script: str, arguments: dict[str, str]) -> JobRun:
    name = f"bad-input-{uuid.uuid4().hex[:8]}"
    location = client.scripts.upload(f"{name}.py", script).script_location
    client.jobs.create(name=name, command={"script_location": location})
    return client.runs.wait(client.runs.start(name, arguments=arguments).id, timeout=120, poll_interval=0.1)


MAP_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.transforms import Map
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["input", "threshold"])
glue = GlueContext(SparkContext.getOrCreate())
frame = glue.create_dynamic_frame.from_options("s3", {"paths": [args["input"]]}, format="json")


def invert(record):
    if record["n"] == 1:
        return None
    return {"v": 6 // record["n"]}


inverted = Map.apply(frame=frame, f=invert, transformation_ctx="invert", stageThreshold=int(args["threshold"]))
print("ROWS", inverted.count(), flush=True)
"""

COUNT_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["input"])
glue = GlueContext()
print(glue.create_dynamic_frame.from_options("s3", {"paths": [args["input"]]}, format="json").count())
"""


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Client:
    return Client(server.url)


@pytest.fixture
def job_input(server: LiveServer) -> Path:
    """A folder the platform may read (its allowed file root)."""
    folder = server.root / f"bad-input-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    return folder


@pytest.mark.ray
def test_a_map_that_raises_or_returns_none_does_not_fail_the_job(client: Client, job_input: Path) -> None:
    data = write_json_lines(job_input / "in.json", [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 3}])
    run = run_job(client, MAP_SCRIPT, {"--input": str(data), "--threshold": "0"})
    assert run.job_run_state == JobRunState.SUCCEEDED, run.error_message
    assert "ROWS 2" in client.runs.logs(run.id).text
    assert client.runs.metrics(run.id).error_records == 2


@pytest.mark.ray
def test_a_threshold_exceeded_fails_the_job_with_the_counts(client: Client, job_input: Path) -> None:
    data = write_json_lines(job_input / "in.json", [{"n": 0}, {"n": 1}, {"n": 2}, b"{broken"])
    run = run_job(client, MAP_SCRIPT, {"--input": str(data), "--threshold": "1"})
    assert run.job_run_state == JobRunState.FAILED
    assert run.error_message is not None
    assert (
        "Exceeded stageThreshold in transform Map (invert): 2 error records > 1 (stage errors: 2, total errors: 3)"
        in run.error_message
    )


@pytest.mark.ray
def test_unreadable_compressed_input_fails_the_job_without_error_records(client: Client, job_input: Path) -> None:
    (job_input / "good.json").write_text(json.dumps({"n": 1}) + "\n")
    payload = "".join(json.dumps({"n": i}) + "\n" for i in range(100)).encode()
    (job_input / "cut.json.gz").write_bytes(gzip.compress(payload)[:-12])
    run = run_job(client, COUNT_SCRIPT, {"--input": str(job_input)})
    assert run.job_run_state == JobRunState.FAILED
    assert run.error_message is not None
    assert f"cannot decompress {job_input / 'cut.json.gz'}" in run.error_message
    assert client.runs.metrics(run.id).error_records == 0
