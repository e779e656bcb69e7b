"""Glue's documented examples, on both executors (glue-anchor.md §1.4-1.5 and its sources).

* ResolveChoice on a ``choice<int,string>`` column, every action, in the ``specs=`` form, the
  ``choice=`` form and the ``ResolveChoice.apply`` class form. The shapes follow the ResolveChoice
  pages: ``make_cols`` gives ``columnA_int`` and ``columnA_string``; ``make_struct`` a struct with
  an ``int`` and a ``string`` member; ``project:string`` keeps only the string values (newer
  docs: "removes values that are not type string"); ``cast:<type>`` casts every value, a value
  that cannot be cast becoming null.
* ApplyMapping: the "rename fields and change field types" example (persons → last_name,
  first_name, date_of_birth) returns only the mapped fields; back-ticks quote a dotted name.
* Relationalize of the legislators example: ``test_relationalize.py``
  (``test_legislators_shape_names_columns_and_counts`` checks ``hist_root`` plus one
  ``hist_root_<array>`` table per array, the bigint join key in the root, and ``id`` (long),
  ``index`` (int), ``<array>.val.<field>`` in each child, as in the docs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext
from glueworks.runtime.glue_transforms import ApplyMapping, ResolveChoice
from glueworks.runtime.gluetypes import format_schema, is_choice
from tests.runtime.conftest import read_json, write_json_lines

# columnA is an int in some records and a string in others, in one file and across files.
COLUMN_A: list[Any] = [1, "2", "three", None, 5]


@pytest.fixture
def choice_frame(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    records = [{"id": i, "columnA": value} for i, value in enumerate(COLUMN_A)]
    write_json_lines(tmp_path / "in" / "a.json", records[:3])
    write_json_lines(tmp_path / "in" / "b.json", records[3:])
    return read_json(glue_ctx, tmp_path / "in")


def rows(frame: DynamicFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = frame.toDF().sort_by("id").to_pylist()
    return out


def ints(value: Any) -> Any:
    return value if isinstance(value, int) else None


def strings(value: Any) -> Any:
    return value if isinstance(value, str) else None


def as_int(value: Any) -> Any:
    return value if isinstance(value, int) else (int(value) if isinstance(value, str) and value.isdigit() else None)


# Per action: the printSchema text after resolving, and each record's resolved fields from its columnA.
EXPECTED: dict[str, tuple[str, Any]] = {
    "make_cols": (
        "root\n|-- id: int\n|-- columnA_int: int\n|-- columnA_string: string",
        lambda v: {"columnA_int": ints(v), "columnA_string": strings(v)},
    ),
    "make_struct": (
        "root\n|-- id: int\n|-- columnA: struct\n|    |-- int: int\n|    |-- string: string",
        lambda v: {"columnA": None if v is None else {"int": ints(v), "string": strings(v)}},
    ),
    "project:string": ("root\n|-- id: int\n|-- columnA: string", lambda v: {"columnA": strings(v)}),
    "project:int": ("root\n|-- id: int\n|-- columnA: int", lambda v: {"columnA": ints(v)}),
    "cast:int": ("root\n|-- id: int\n|-- columnA: int", lambda v: {"columnA": as_int(v)}),
    "cast:long": ("root\n|-- id: int\n|-- columnA: long", lambda v: {"columnA": as_int(v)}),
    "cast:string": (
        "root\n|-- id: int\n|-- columnA: string",
        lambda v: {"columnA": None if v is None else str(v)},
    ),
}


def test_the_input_column_is_a_choice_of_int_and_string(choice_frame: DynamicFrame) -> None:
    assert is_choice(choice_frame.schema().field("columnA"))
    assert format_schema(choice_frame.schema()) == (
        "root\n|-- id: int\n|-- columnA: choice\n|    |-- int\n|    |-- string"
    )


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("form", ["specs", "choice", "class"])
def test_every_action_gives_the_documented_shape(choice_frame: DynamicFrame, action: str, form: str) -> None:
    if form == "specs":
        resolved = choice_frame.resolveChoice(specs=[("columnA", action)])
    elif form == "choice":
        resolved = choice_frame.resolveChoice(choice=action)
    else:
        resolved = ResolveChoice.apply(frame=choice_frame, specs=[("columnA", action)])
    schema_text, expected = EXPECTED[action]
    assert format_schema(resolved.schema()) == schema_text
    assert not any(is_choice(field) for field in resolved.schema())
    assert rows(resolved) == [{"id": i, **expected(value)} for i, value in enumerate(COLUMN_A)]
    assert resolved.errorsCount() == 0


def test_the_docs_two_specs_example_resolves_each_path_its_own_way(glue_ctx: GlueContext, tmp_path: Path) -> None:
    # resolveChoice(specs=[(..., "make_struct"), ("columnA", "cast:double")]) on a top-level struct path.
    path = write_json_lines(
        tmp_path / "a.json",
        [{"id": 0, "columnA": 1, "price": 100}, {"id": 1, "columnA": "2.5", "price": "$100.00"}],
    )
    resolved = read_json(glue_ctx, path).resolveChoice(specs=[("price", "make_struct"), ("columnA", "cast:double")])
    assert resolved.schema().field("columnA").type == pa.float64()
    assert resolved.schema().field("price").type == pa.struct([("int", pa.int32()), ("string", pa.string())])
    assert rows(resolved) == [
        {"id": 0, "columnA": 1.0, "price": {"int": 100, "string": None}},
        {"id": 1, "columnA": 2.5, "price": {"int": None, "string": "$100.00"}},
    ]


PERSONS = [
    {"family_name": "Doe", "name": "Jane", "birth_date": "1950-01-02", "gender": "female", "links": [{"url": "u"}]},
    {"family_name": "Roe", "name": "Rick", "birth_date": "1961-07-30", "death_date": "2001-01-01"},
    {"family_name": "Poe", "name": "Ed", "birth_date": "unknown", "this.old.name": "kept"},
]


@pytest.fixture
def persons(glue_ctx: GlueContext, tmp_path: Path) -> DynamicFrame:
    write_json_lines(tmp_path / "in" / "a.json", PERSONS[:2])
    write_json_lines(tmp_path / "in" / "b.json", PERSONS[2:])
    return read_json(glue_ctx, tmp_path / "in")


def test_apply_mapping_renames_changes_types_and_drops_unmapped_fields(persons: DynamicFrame) -> None:
    mapped = persons.apply_mapping(
        [
            ("family_name", "String", "last_name", "String"),
            ("name", "String", "first_name", "String"),
            ("birth_date", "String", "date_of_birth", "Date"),
        ]
    )
    assert format_schema(mapped.schema()) == (
        "root\n|-- last_name: string\n|-- first_name: string\n|-- date_of_birth: date"
    )

    def date(text: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None

    expected = [
        {"last_name": p["family_name"], "first_name": p["name"], "date_of_birth": date(p["birth_date"])}
        for p in PERSONS
    ]
    assert sorted(mapped.toDF().to_pylist(), key=lambda r: r["last_name"]) == sorted(
        expected, key=lambda r: r["last_name"]
    )
    # Unmapped fields (gender, links, death_date, this.old.name) are gone, not carried along.
    assert mapped.count() == len(PERSONS)


def test_back_ticks_quote_a_dotted_source_name(persons: DynamicFrame) -> None:
    mapped = ApplyMapping.apply(
        frame=persons,
        mappings=[("name", "string", "name", "string"), ("`this.old.name`", "string", "thisNewName", "string")],
    )
    assert mapped.schema().names == ["name", "thisNewName"]
    assert sorted(mapped.toDF().to_pylist(), key=lambda r: r["name"]) == sorted(
        ({"name": p["name"], "thisNewName": p.get("this.old.name")} for p in PERSONS), key=lambda r: r["name"]
    )
