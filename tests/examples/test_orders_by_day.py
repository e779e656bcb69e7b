"""examples/orders_by_day: paid orders joined to customers, partitioned by day; counts from the data."""

from __future__ import annotations

import collections
import decimal
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from tests.examples.conftest import EXAMPLES, Runner, read_lines

DATA = EXAMPLES / "orders_by_day" / "data"


def as_double(value: object) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def test_paid_orders_of_known_customers_per_day(example_runner: Runner, tmp_path: Path) -> None:
    orders: list[dict[str, Any]] = []
    malformed = 0
    for path in sorted((DATA / "orders").glob("*.json")):
        good, bad = read_lines(path)
        orders += good
        malformed += bad
    customers = {c["customer_id"]: c for c in read_lines(DATA / "customers.json")[0]}
    expected = [
        o
        for o in orders
        if o["status"] == "paid" and as_double(o["total"]) is not None and o["customer_id"] in customers
    ]
    assert 0 < len(expected) < len(orders)  # the data exercises the filter and the join

    out = tmp_path / "out"
    run = example_runner(
        "orders_by_day",
        {
            "--orders_path": str(DATA / "orders"),
            "--customers_path": str(DATA / "customers.json"),
            "--output_path": str(out),
        },
    )
    assert run.succeeded, run.error

    rows = ds.dataset(out, format="parquet", partitioning="hive").to_table().to_pylist()
    assert collections.Counter(str(r["order_date"]) for r in rows) == collections.Counter(
        o["order_date"] for o in expected
    )
    by_id = {r["order_id"]: r for r in rows}
    assert len(by_id) == len(rows) == len(expected)
    cents = decimal.Decimal("0.01")
    for order in expected:
        row = by_id[order["order_id"]]
        customer = customers[order["customer_id"]]
        assert row["customer_id"] == order["customer_id"]
        assert (row["customer_name"], row["country"], row["tier"]) == (
            customer["name"],
            customer["country"],
            customer["tier"],
        )
        total = as_double(order["total"])
        assert total is not None
        assert row["total"] == decimal.Decimal(str(total)).quantize(cents)
        assert "items" not in row and "cust_id" not in row

    assert run.metrics["records_read"] == len(orders) + len(customers)
    assert run.metrics["error_records"] == malformed == 3
    assert run.metrics["records_written"] == len(expected)
