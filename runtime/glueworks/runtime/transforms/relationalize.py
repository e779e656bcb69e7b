"""Relationalize: flatten a frame into a root table plus one table per array path.

The output follows Glue's documented shape (the legislators example):

* The **root table** is named by the caller (``hist_root``). Structs are flattened into dotted
  columns (``a.b.c``, exactly as `unnest` does) and **every array column is replaced by a
  bigint join key** of the same name.
* **One child table per array path**, named ``<root>_<column>`` where ``<column>`` is the
  array's dotted column name (``hist_root_contact_details``; an array inside a struct gives
  ``root_s.items``). Its columns are ``id`` (bigint: the join key, a foreign key to the parent
  table's array column), ``index`` (int: 0-based position in the array) and the element:
  ``<column>.val`` for a scalar, ``<column>.val.<field>`` for a struct (flattened further).
* **Nested arrays recurse**: an array column of a child table (an array of arrays gives
  ``a.val``; an array inside array elements gives ``a.val.items``) is itself replaced by a
  key into the table ``<root>_<that column>`` (``root_a.val``).

Choices made where Glue is vague (each tested):

* **Join keys** are the 1-based position of the row in its own table, over the whole frame in
  block order, so keys are unique per table, dense, and the same on every executor. Every
  array column of a row carries the same key (the row's), each pointing into its own table.
* **A null array** gets a null key and adds no child rows; **an empty array** gets a key that
  no child row has.
* **Maps** are kept as they are (neither flattened nor pivoted).
* **Choice columns** are split per record as in `unnest`: a ``struct`` member is flattened,
  and when a single ``array`` member is left it is pivoted like any array. A Choice that still
  holds several members (``choice<array,string>``) stays a Choice column in its table;
  resolve it first (``resolveChoice``) to pivot it.

Cost: columnar (pyarrow kernels only), one pass over each block. `DynamicFrame.relationalize`
pivots each part in an executor task and stages the tables (`glueworks.runtime.executors.relationalize`);
keys are numbered per part there and made global as the staged parts are read (`key_links`).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from glueworks.runtime.errors import InvalidOptionError, SchemaError
from glueworks.runtime.gluetypes import is_choice
from glueworks.runtime.schema import conform_table
from glueworks.runtime.transforms.unnest import Column, build_table, flatten_column

#: Type of the ``id`` join keys (Glue: bigint) and of ``index`` (Glue: int).
KEY_TYPE = pa.int64()
INDEX_TYPE = pa.int32()


def relationalize_block(
    block: pa.Table, root_table_name: str, key_offsets: Mapping[str, int] | None = None
) -> dict[str, pa.Table]:
    """Relationalize one block into the root table and its array tables.

    Args:
        block: The block, already conformed to the frame schema (so every block yields the
            same tables with the same columns).
        root_table_name: Name of the root table; child tables are ``<root>_<column>``.
        key_offsets: For each table, the number of rows earlier blocks gave it. Row ``i`` of
            a table in this block gets key ``offset + i + 1``. Missing tables start at 0.

    Returns:
        Tables by name, root first, then each child table after its parent. A table exists
        for every array path in the block's schema, even when it gets no rows here.

    Raises:
        InvalidOptionError: `root_table_name` is empty.
        SchemaError: Two tables or columns would get the same name.
    """
    check_root_name(root_table_name)
    out: dict[str, pa.Table] = {}
    columns: list[Column] = [
        (field, _chunks(column)) for field, column in zip(block.schema, block.columns, strict=True)
    ]
    _pivot(root_table_name, root_table_name, columns, block.num_rows, key_offsets or {}, out)
    return out


def relationalize_tables(blocks: list[pa.Table], root_table_name: str) -> dict[str, list[pa.Table]]:
    """Relationalize blocks in order, numbering keys across blocks.

    Args:
        blocks: Blocks conformed to one schema, in frame order.
        root_table_name: Name of the root table.

    Returns:
        For each table name, one output block per input block (tables in the order
        `relationalize_block` gives them).
    """
    offsets: dict[str, int] = {}
    result: dict[str, list[pa.Table]] = {}
    for block in blocks:
        for name, table in relationalize_block(block, root_table_name, offsets).items():
            result.setdefault(name, []).append(table)
            offsets[name] = offsets.get(name, 0) + table.num_rows
    return result


def relationalize_frame(blocks: list[pa.Table], schema: pa.Schema, root_table_name: str) -> dict[str, list[pa.Table]]:
    """Relationalize a whole frame given its blocks (in frame order) and its frame schema.

    Each block is first conformed to `schema`, so every block gives the same tables and
    columns; each output table gets one block per input block (at least one, empty when the
    frame has no blocks), which keeps the frame's parallelism.
    """
    check_root_name(root_table_name)
    conformed = [conform_table(block, schema) for block in blocks] or [schema.empty_table()]
    return relationalize_tables(conformed, root_table_name)


def check_options(staging_path: object, options: object) -> None:
    """Validate relationalize's `staging_path` and `options`.

    Raises:
        InvalidOptionError: `staging_path` is not a string or None, or `options` is not a dict
            or names an option (relationalize takes none yet).
    """
    if staging_path is not None and not isinstance(staging_path, str):
        raise InvalidOptionError("staging_path", f"must be a string path, got {type(staging_path).__name__}")
    if options is None:
        return
    if not isinstance(options, Mapping):
        raise InvalidOptionError("options", f"must be a dict, got {type(options).__name__}")
    if options:
        raise InvalidOptionError(f"options.{sorted(map(str, options))[0]}", "relationalize takes no options")


def relationalize_schemas(schema: pa.Schema, root_table_name: str) -> dict[str, pa.Schema]:
    """The table names and schemas relationalize gives for a frame of `schema` (no data read)."""
    return {name: table.schema for name, table in relationalize_block(schema.empty_table(), root_table_name).items()}


def key_links(schema: pa.Schema, root_table_name: str) -> dict[str, dict[str, str]]:
    """For each table, its join-key columns and the table whose row keys each holds.

    An array column of table ``T`` holds ``T``'s own row keys; the ``id`` column of a child
    table holds its parent's. Blocks relationalized apart (keys from 1 in each) become one
    numbering by adding, to each such column, the rows earlier blocks gave the named table.
    """
    links: dict[str, dict[str, str]] = {}
    block = schema.empty_table()
    columns: list[Column] = [
        (field, _chunks(column)) for field, column in zip(block.schema, block.columns, strict=True)
    ]
    _pivot(root_table_name, root_table_name, columns, 0, {}, {}, links)
    return links


def check_root_name(root_table_name: object) -> str:
    """Validate a root table name.

    Raises:
        InvalidOptionError: It is not a non-empty string.
    """
    if not isinstance(root_table_name, str) or not root_table_name.strip():
        raise InvalidOptionError("root_table_name", f"must be a non-empty string, got {root_table_name!r}")
    return root_table_name


def _pivot(
    root: str,
    name: str,
    columns: list[Column],
    num_rows: int,
    offsets: Mapping[str, int],
    out: dict[str, pa.Table],
    links: dict[str, dict[str, str]] | None = None,
) -> None:
    """Flatten `columns` into table `name`, pivoting each array column into a child table.

    With `links`, notes which columns of each table hold whose keys (see `key_links`).
    """
    if name in out:
        raise SchemaError(f"relationalize: table {name!r} would be produced twice")
    out[name] = pa.table({})  # placeholder: keeps the parent ahead of its children
    keys = _keys(offsets.get(name, 0), num_rows)
    flat: list[Column] = []
    for raw_field, raw_chunks in columns:
        flat.extend(flatten_column(raw_field, raw_chunks))
    result: list[Column] = []
    for field, chunks in flat:
        if not _is_array(field):
            result.append((field, chunks))
            continue
        array = _normalize(field, chunks)
        result.append((pa.field(field.name, KEY_TYPE), [pc.if_else(array.is_valid(), keys, pa.scalar(None, KEY_TYPE))]))
        child = f"{root}_{field.name}"
        if links is not None:
            links.setdefault(name, {})[field.name] = name
            links.setdefault(child, {})["id"] = name
        _pivot(root, child, _child_columns(field, array, keys), len(array.values), offsets, out, links)
    out[name] = build_table(result, num_rows)


def _child_columns(field: pa.Field, array: pa.LargeListArray, parent_keys: pa.Array) -> list[Column]:
    """The ``id``, ``index`` and ``<column>.val`` columns of the child table of one array."""
    parents = pc.list_parent_indices(array)
    ids = pc.take(parent_keys, parents)
    starts = pc.take(array.offsets, parents)  # int64: large-list offsets
    positions = _keys(-1, len(array.values))  # 0, 1, 2, … over all elements
    index = pc.subtract(positions, starts).cast(INDEX_TYPE)
    element = array.type.value_field
    return [
        (pa.field("id", KEY_TYPE), [ids]),
        (pa.field("index", INDEX_TYPE), [index]),
        (element.with_name(f"{field.name}.val").with_nullable(True), [array.values]),
    ]


def _normalize(field: pa.Field, chunks: list[pa.Array]) -> pa.LargeListArray:
    """One list array whose null slots are empty and whose values are exactly the elements.

    Arrow lets a null list slot cover values, and a sliced array share its parent's values;
    rebuilding the offsets from the element counts makes parent indices and values agree.
    """
    whole = pa.concat_arrays(chunks) if len(chunks) != 1 else chunks[0]
    values = pc.list_flatten(whole)
    lengths = pc.fill_null(pc.list_value_length(whole), 0).cast(KEY_TYPE)
    ends = pc.cumulative_sum(lengths)
    offsets = pa.concat_arrays([pa.array([0], KEY_TYPE), ends.cast(KEY_TYPE)])
    list_type = pa.large_list(field.type.value_field)
    return pa.LargeListArray.from_arrays(offsets, values, type=list_type, mask=whole.is_null())


def _keys(offset: int, count: int) -> pa.Array:
    """Keys ``offset + 1 … offset + count`` as bigint."""
    if count == 0:
        return pa.array([], KEY_TYPE)
    ones = pa.repeat(pa.scalar(1, KEY_TYPE), count)
    return pc.add(pc.cumulative_sum(ones), pa.scalar(offset, KEY_TYPE))


def _is_array(field: pa.Field) -> bool:
    dtype = field.type
    return not is_choice(field) and bool(
        pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype)
    )


def _chunks(column: pa.ChunkedArray) -> list[pa.Array]:
    return list(column.chunks) if column.num_chunks else [pa.array([], type=column.type)]
