"""repartition / coalesce: part counts change, records and their order do not."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from glueworks.runtime import DynamicFrame, GlueContext, InvalidOptionError
from glueworks.runtime.glue_transforms import Coalesce, Repartition
from glueworks.runtime.plan import FromTables
from tests.runtime.conftest import read_json, write_json_lines


def frame(ctx: GlueContext, name: str, *tables: pa.Table) -> DynamicFrame:
    return DynamicFrame(FromTables(name, tables), ctx, name)


def numbered(ctx: GlueContext, sizes: list[int]) -> DynamicFrame:
    tables, start = [], 0
    for size in sizes:
        tables.append(pa.table({"i": pa.array(range(start, start + size), pa.int64())}))
        start += size
    return frame(ctx, "nums", *tables)


def part_sizes(frame: DynamicFrame) -> list[int]:
    executed = frame._execute()
    return [meta.num_rows for meta in executed.metas]


@pytest.mark.parametrize("count", [1, 3, 4, 7])
def test_repartition_makes_balanced_parts_in_order(glue_ctx: GlueContext, count: int) -> None:
    source = numbered(glue_ctx, [10, 0, 3, 9])
    out = source.repartition(count)
    assert out.getNumPartitions() == count
    sizes = part_sizes(out)
    assert sum(sizes) == 22 and max(sizes) - min(sizes) <= 1
    assert out.toDF().column("i").to_pylist() == list(range(22))


def test_repartition_to_more_parts_than_records(glue_ctx: GlueContext) -> None:
    out = numbered(glue_ctx, [2]).repartition(5)
    assert part_sizes(out) == [0, 0, 1, 0, 1]
    assert out.toDF().column("i").to_pylist() == [0, 1]
    assert frame(glue_ctx, "e").repartition(3).count() == 0


def test_blocks_with_different_schemas_survive_a_repartition(glue_ctx: GlueContext) -> None:
    source = frame(glue_ctx, "mixed", pa.table({"a": [1, 2, 3]}), pa.table({"a": ["x", "y"], "b": [True, None]}))
    out = source.repartition(2)
    assert out.schema() == source.schema()
    assert out.toDF().equals(source.toDF())


def test_coalesce_merges_neighbouring_parts(glue_ctx: GlueContext) -> None:
    source = numbered(glue_ctx, [1, 2, 3, 4, 5])
    assert source.getNumPartitions() == 5
    two = source.coalesce(2)
    assert part_sizes(two) == [3, 12]  # parts {0,1} and {2,3,4}
    assert two.toDF().column("i").to_pylist() == list(range(15))
    assert part_sizes(source.coalesce(9)) == [1, 2, 3, 4, 5]  # never more parts
    assert part_sizes(source.coalesce(3, shuffle=True)) == [5, 5, 5]


def test_errors_flow_and_transforms_after_run(glue_ctx: GlueContext, tmp_path: Path) -> None:
    for index in range(3):
        write_json_lines(tmp_path / f"p{index}.json", [{"n": index * 10 + i} for i in range(4)] + [b"{x"])
    source = read_json(glue_ctx, tmp_path)
    out = source.repartition(2).filter(lambda r: 10 // (r["n"] % 10 - 1) > -100)
    assert sorted(out.toDF().column("n").to_pylist()) == [0, 2, 3, 10, 12, 13, 20, 22, 23]
    assert out.errorsCount() == 3 + 3  # three bad lines, three ZeroDivisionErrors
    assert out.stageErrorsCount() == 3
    assert Repartition.apply(source, 4).getNumPartitions() == 4
    assert Coalesce.apply(frame=source, numPartitions=1).count() == 12


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_partition_counts_are_refused(local_ctx: GlueContext, bad: object) -> None:
    source = numbered(local_ctx, [1])
    with pytest.raises(InvalidOptionError, match=r"^numPartitions"):
        source.repartition(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match=r"^numPartitions"):
        source.coalesce(bad)  # type: ignore[arg-type]
