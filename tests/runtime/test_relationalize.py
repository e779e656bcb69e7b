"""Relationalize: a root table plus one table per array path, Glue's names and join keys.

Most tests rebuild the nested input from the output tables (follow each join key into its
child table, order by ``index``) and compare with the input: that checks names, keys,
indexes and element columns at once, without hard-coded results.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.runtime import DynamicFrame, GlueContext
from glueworks.runtime.collection import DynamicFrameCollection
from glueworks.runtime.errors import ErrorThresholdExceededError, InvalidOptionError
from glueworks.runtime.glue_transforms import Relationalize
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.inference import table_from_records
from glueworks.runtime.plan import FromTables
from glueworks.runtime.transforms.relationalize import (
    relationalize_block,
    relationalize_schemas,
    relationalize_tables,
)
from tests.runtime.conftest import read_json, write_json_lines

CONTACT = pa.struct([("type", pa.string()), ("value", pa.string())])
LINK = pa.struct([("note", pa.string()), ("url", pa.string())])
LEGISLATORS = pa.schema(
    [
        ("id", pa.string()),
        ("given_name", pa.string()),
        ("family_name", pa.string()),
        ("seats", pa.int32()),
        ("links", pa.list_(LINK)),
        ("images", pa.list_(pa.struct([("url", pa.string())]))),
        ("other_names", pa.list_(pa.struct([("note", pa.string()), ("name", pa.string()), ("lang", pa.string())]))),
        ("contact_details", pa.list_(CONTACT)),
        ("identifiers", pa.list_(pa.struct([("scheme", pa.string()), ("identifier", pa.string())]))),
    ]
)
ARRAYS = ["links", "images", "other_names", "contact_details", "identifiers"]


def legislators(n: int) -> list[dict[str, Any]]:
    """Records shaped like the Glue docs' legislators history (arrays of varying length)."""
    out = []
    for i in range(n):
        out.append(
            {
                "id": f"person-{i}",
                "given_name": f"Given{i}",
                "family_name": f"Family{i}",
                "seats": i % 7,
                "links": [{"note": f"n{i}-{j}", "url": f"https://example.org/{i}/{j}"} for j in range(i % 3)],
                "images": [{"url": f"img{i}"}] if i % 2 else [],
                "other_names": None if i % 5 == 0 else [{"note": "alt", "name": f"Alt{i}", "lang": "en"}],
                "contact_details": [{"type": t, "value": f"{t}-{i}"} for t in ("fax", "phone", "twitter")[: i % 4]],
                "identifiers": [{"scheme": "wikidata", "identifier": f"Q{i}"}],
            }
        )
    return out


def rebuild(tables: dict[str, pa.Table], root: str) -> list[dict[str, Any]]:
    """Rebuild nested records from relationalized tables (names in the data have no dots)."""
    rows = {name: table.to_pylist() for name, table in tables.items()}
    children: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for name, table_rows in rows.items():
        if name == root:
            continue
        by_id: dict[int, list[dict[str, Any]]] = {}
        for row in table_rows:
            by_id.setdefault(row["id"], []).append(row)
        children[name] = {key: sorted(group, key=lambda r: r["index"]) for key, group in by_id.items()}

    def value(row: dict[str, Any], path: str) -> Any:
        table = f"{root}_{path}"
        if table in children and path in row:
            key = row[path]
            if key is None:
                return None
            return [value(child, f"{path}.val") for child in children[table].get(key, [])]
        if path in row:
            return row[path]
        names: list[str] = []
        for column in row:
            if column.startswith(path + "."):
                head = column[len(path) + 1 :].split(".")[0]
                if head not in names:
                    names.append(head)
        return {name: value(row, f"{path}.{name}") for name in names}

    def top(row: dict[str, Any]) -> dict[str, Any]:
        names: list[str] = []
        for column in row:
            head = column.split(".")[0]
            if head not in names:
                names.append(head)
        return {name: value(row, name) for name in names}

    return [top(row) for row in rows[root]]


def test_legislators_shape_names_columns_and_counts() -> None:
    records = legislators(23)
    table = pa.Table.from_pylist(records, schema=LEGISLATORS)
    out = relationalize_block(table, "hist_root")
    assert list(out) == ["hist_root"] + [f"hist_root_{name}" for name in ARRAYS]
    root = out["hist_root"]
    assert root.column_names == LEGISLATORS.names
    assert root.num_rows == len(records)
    for name in ARRAYS:
        assert root.schema.field(name).type == pa.int64()
        child = out[f"hist_root_{name}"]
        element = LEGISLATORS.field(name).type.value_type
        assert child.column_names == ["id", "index"] + [f"{name}.val.{f.name}" for f in element]
        assert child.schema.field("id").type == pa.int64()
        assert child.schema.field("index").type == pa.int32()
        assert child.num_rows == sum(len(r[name] or []) for r in records)
    # Every root row's contact_details key finds exactly its contacts, in order.
    contacts = out["hist_root_contact_details"].to_pylist()
    for record, key in zip(records, root.column("contact_details").to_pylist(), strict=True):
        mine = sorted((c for c in contacts if c["id"] == key), key=lambda c: c["index"])
        assert [(c["contact_details.val.type"], c["contact_details.val.value"]) for c in mine] == [
            (d["type"], d["value"]) for d in record["contact_details"]
        ]
        assert [c["index"] for c in mine] == list(range(len(record["contact_details"])))
    assert rebuild(out, "hist_root") == table.to_pylist()


def test_null_arrays_get_a_null_key_and_empty_arrays_a_key_without_rows() -> None:
    table = pa.table({"n": [1, 2, 3], "xs": pa.array([[1, 2], [], None], pa.list_(pa.int64()))})
    out = relationalize_block(table, "root")
    keys = out["root"].column("xs").to_pylist()
    assert keys[2] is None and keys[0] is not None and keys[1] is not None
    child = out["root_xs"]
    assert child.column_names == ["id", "index", "xs.val"]
    assert sorted(child.column("id").to_pylist()) == [keys[0], keys[0]]
    assert child.column("xs.val").to_pylist() == [1, 2]


def test_arrays_of_arrays_recurse_into_val_tables() -> None:
    table = pa.table({"m": pa.array([[[1, 2], [3]], [[]], None, [None, [4]]], pa.list_(pa.list_(pa.int64())))})
    out = relationalize_block(table, "r")
    assert list(out) == ["r", "r_m", "r_m.val"]
    assert out["r_m"].column_names == ["id", "index", "m.val"]
    assert out["r_m.val"].column_names == ["id", "index", "m.val.val"]
    assert out["r_m"].num_rows == 2 + 1 + 0 + 2
    assert out["r_m.val"].num_rows == 3 + 0 + 1
    assert rebuild(out, "r") == table.to_pylist()


def test_deep_nesting_structs_in_arrays_in_structs() -> None:
    inner = pa.struct([("k", pa.string()), ("vals", pa.list_(pa.int64()))])
    schema = pa.schema(
        [("id", pa.int64()), ("s", pa.struct([("t", pa.struct([("u", pa.int64()), ("items", pa.list_(inner))]))]))]
    )
    records = [
        {"id": 1, "s": {"t": {"u": 5, "items": [{"k": "a", "vals": [1, 2]}, {"k": "b", "vals": []}]}}},
        {"id": 2, "s": {"t": {"u": None, "items": None}}},
        {"id": 3, "s": {"t": {"u": 7, "items": [{"k": None, "vals": None}, {"k": "c", "vals": [3]}]}}},
    ]
    table = pa.Table.from_pylist(records, schema=schema)
    out = relationalize_block(table, "root")
    assert list(out) == ["root", "root_s.t.items", "root_s.t.items.val.vals"]
    assert out["root"].column_names == ["id", "s.t.u", "s.t.items"]
    assert out["root_s.t.items"].column_names == ["id", "index", "s.t.items.val.k", "s.t.items.val.vals"]
    assert out["root_s.t.items.val.vals"].column_names == ["id", "index", "s.t.items.val.vals.val"]
    assert rebuild(out, "root") == table.to_pylist()


def test_maps_are_kept_as_they_are() -> None:
    table = pa.table({"m": pa.array([[("a", 1)], None], pa.map_(pa.string(), pa.int64()))})
    out = relationalize_block(table, "root")
    assert list(out) == ["root"]
    assert out["root"].column("m").to_pylist() == table.column("m").to_pylist()


def test_choice_struct_member_flattens_and_a_lone_array_member_pivots() -> None:
    records: list[dict[str, Any]] = [{"a": {"b": 1}}, {"a": [10, 20]}, {"a": None}]
    table = table_from_records(records)
    assert is_choice(table.schema.field("a"))
    out = relationalize_block(table, "root")
    assert list(out) == ["root", "root_a"]
    root = out["root"].to_pylist()
    assert [row["a.b"] for row in root] == [1, None, None]
    assert root[0]["a"] is None and root[2]["a"] is None
    child = out["root_a"].to_pylist()
    assert [(c["id"], c["index"], c["a.val"]) for c in child] == [(root[1]["a"], 0, 10), (root[1]["a"], 1, 20)]


def test_a_choice_with_several_members_left_stays_a_choice_column() -> None:
    table = table_from_records([{"a": [1]}, {"a": "x"}])
    out = relationalize_block(table, "root")
    assert list(out) == ["root"]
    assert is_choice(out["root"].schema.field("a"))


def test_keys_continue_across_blocks_and_match_one_big_block() -> None:
    records = legislators(17)
    table = pa.Table.from_pylist(records, schema=LEGISLATORS)
    blocks = [table.slice(0, 5), table.slice(5, 0), table.slice(5, 9), table.slice(14)]
    per_block = relationalize_tables(blocks, "hist_root")
    whole = relationalize_block(table, "hist_root")
    assert list(per_block) == list(whole)
    for name, parts in per_block.items():
        assert len(parts) == len(blocks)
        assert pa.concat_tables(parts).to_pylist() == whole[name].to_pylist()


def test_keys_are_unique_per_table() -> None:
    table = pa.Table.from_pylist(legislators(30), schema=LEGISLATORS)
    out = relationalize_block(table, "root", {"root": 100})
    keys = [k for k in out["root"].column("links").to_pylist() if k is not None]
    assert len(set(keys)) == len(keys)
    assert min(keys) > 100


def test_the_schema_alone_predicts_tables_and_columns() -> None:
    table = pa.Table.from_pylist(legislators(4), schema=LEGISLATORS)
    predicted = relationalize_schemas(LEGISLATORS, "root")
    actual = relationalize_block(table, "root")
    assert {name: t.schema for name, t in actual.items()} == predicted


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_root_table_name_must_be_a_non_empty_string(bad: Any) -> None:
    with pytest.raises(InvalidOptionError, match="root_table_name"):
        relationalize_block(pa.table({"a": [1]}), bad)


ELEMENT = pa.struct([("k", pa.string()), ("xs", pa.list_(pa.int64()))])
PROPERTY_SCHEMA = pa.schema(
    [("n", pa.int64()), ("items", pa.list_(ELEMENT)), ("grid", pa.list_(pa.list_(pa.string())))]
)
ints = st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=3)
records_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "n": st.integers(0, 100),
            "items": st.one_of(
                st.none(),
                st.lists(
                    st.fixed_dictionaries(
                        {"k": st.one_of(st.none(), st.text(max_size=2)), "xs": st.one_of(st.none(), ints)}
                    ),
                    max_size=3,
                ),
            ),
            "grid": st.one_of(
                st.none(), st.lists(st.one_of(st.none(), st.lists(st.text(max_size=2), max_size=2)), max_size=3)
            ),
        }
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(records=records_strategy, cut=st.integers(0, 8))
def test_property_relationalize_round_trips_and_conserves_rows(records: list[dict[str, Any]], cut: int) -> None:
    table = pa.Table.from_pylist(records, schema=PROPERTY_SCHEMA)
    cut = min(cut, table.num_rows)
    parts = relationalize_tables([table.slice(0, cut), table.slice(cut)], "root")
    tables = {name: pa.concat_tables(blocks) for name, blocks in parts.items()}
    assert tables["root"].num_rows == len(records)
    assert tables["root_items"].num_rows == sum(len(r["items"] or []) for r in records)
    assert tables["root_grid.val"].num_rows == sum(len(g or []) for r in records for g in (r["grid"] or []))
    assert rebuild(tables, "root") == table.to_pylist()


# --- the frame method and the transform class, on every executor ------------------------------


def legislators_frame(ctx: GlueContext, records: list[dict[str, Any]], cuts: list[int]) -> DynamicFrame:
    table = pa.Table.from_pylist(records, schema=LEGISLATORS)
    bounds = [0, *cuts, len(records)]
    blocks = tuple(table.slice(a, b - a) for a, b in itertools.pairwise(bounds))
    return DynamicFrame(FromTables("l_history", blocks), ctx, "l_history")


def test_frame_relationalize_gives_the_legislators_collection(glue_ctx: GlueContext) -> None:
    records = legislators(40)
    frame = legislators_frame(glue_ctx, records, [7, 7, 25])
    dfc = frame.relationalize("hist_root", "s3://bucket/temp-dir/")
    assert isinstance(dfc, DynamicFrameCollection)
    assert sorted(dfc.keys()) == sorted(["hist_root"] + [f"hist_root_{name}" for name in ARRAYS])
    root = dfc.select("hist_root")
    assert root.count() == len(records)
    assert root.schema().names == LEGISLATORS.names
    for name in ARRAYS:
        child = dfc.select(f"hist_root_{name}")
        assert child.count() == sum(len(r[name] or []) for r in records)
        assert child.schema().names[:2] == ["id", "index"]
    tables = {name: dfc[name].toDF() for name in dfc}
    assert rebuild(tables, "hist_root") == pa.Table.from_pylist(records, schema=LEGISLATORS).to_pylist()


def test_relationalize_class_defaults_to_roottable_and_reads_json(glue_ctx: GlueContext, tmp_path: Path) -> None:
    first: list[dict[str, Any]] = [{"id": 1, "tags": ["a", "b"], "s": {"x": 1, "ys": [{"z": 1}]}}]
    second: list[dict[str, Any]] = [{"id": 2, "tags": [], "s": {"x": 2, "ys": None}}, {"id": 3}]
    write_json_lines(tmp_path / "in" / "1.json", first)
    write_json_lines(tmp_path / "in" / "2.json", second)
    dfc = Relationalize.apply(frame=read_json(glue_ctx, tmp_path / "in"), staging_path=str(tmp_path / "tmp"))
    assert sorted(dfc.keys()) == ["roottable", "roottable_s.ys", "roottable_tags"]
    assert dfc["roottable"].count() == 3
    assert dfc["roottable_tags"].count() == 2
    assert dfc["roottable_s.ys"].toDF().column_names == ["id", "index", "s.ys.val.z"]
    root = {row["id"]: row for row in dfc["roottable"].toDF().to_pylist()}
    assert root[3]["tags"] is None and root[2]["tags"] is not None
    tags = dfc["roottable_tags"].toDF().to_pylist()
    assert {row["id"] for row in tags} == {root[1]["tags"]}


def test_relationalize_of_an_empty_frame_keeps_its_tables(glue_ctx: GlueContext) -> None:
    frame = DynamicFrame(FromTables("empty", (LEGISLATORS.empty_table(),)), glue_ctx, "empty")
    dfc = frame.relationalize("root", None)
    assert len(dfc) == 1 + len(ARRAYS)
    assert all(dfc[name].count() == 0 for name in dfc)


def test_relationalize_checks_its_arguments(glue_ctx: GlueContext) -> None:
    frame = DynamicFrame.fromDF(pa.table({"a": [1]}), glue_ctx, "f")
    with pytest.raises(InvalidOptionError, match="root_table_name"):
        frame.relationalize("", "s3://tmp/")
    with pytest.raises(InvalidOptionError, match="staging_path"):
        frame.relationalize("root", 5)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"options\.bogus"):
        frame.relationalize("root", "s3://tmp/", {"bogus": 1})
    with pytest.raises(InvalidOptionError, match="totalThreshold"):
        frame.relationalize("root", "s3://tmp/", totalThreshold=-1)


def test_relationalize_fails_when_errors_behind_it_exceed_total_threshold(
    glue_ctx: GlueContext, tmp_path: Path
) -> None:
    good: list[Any] = [{"id": i, "xs": [i]} for i in range(3)]
    write_json_lines(tmp_path / "in" / "1.json", [*good, b"{not json", b"[also bad"])
    frame = read_json(glue_ctx, tmp_path / "in")
    bad = frame.errorsCount()
    assert bad == 2
    with pytest.raises(ErrorThresholdExceededError, match=f"{bad} error records > 1"):
        frame.relationalize("root", "s3://tmp/", totalThreshold=1)
    dfc = frame.relationalize("root", "s3://tmp/", totalThreshold=bad)
    assert dfc["root"].count() == len(good)
