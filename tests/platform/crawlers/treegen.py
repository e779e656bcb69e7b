"""A generated lake of small JSON and CSV files with known ground truth (shared by the tests and bench/).

Two tables under one root:

* ``orders``: JSON lines, ``dt=2024-01-DD`` partitions. ``amount`` is an integer, but a double in every
  seventh file from day 10 on (widened to ``double``); ``coupon`` appears from day 20 on.
* ``events``: CSV with a header, ``year=YYYY/month=MM`` partitions. ``score`` is an integer, a double in every
  fifth file of 2024 (``double``); ``region`` appears from 2024-07 on.

One orders file is corrupt (truncated JSON). `add_order_days` adds partitions for an incremental crawl.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

CORRUPT_DAY = 5
CORRUPT_FILE = "part-00099.json"


@dataclass
class ExpectedTable:
    """Ground truth of one generated table."""

    name: str
    location: str
    keys: list[str]
    partitions: set[tuple[str, ...]] = field(default_factory=set)
    columns: dict[str, str] = field(default_factory=dict)
    files: int = 0
    records: int = 0


@dataclass
class Lake:
    """The generated tree and what a crawl must find in it."""

    root: Path
    tables: dict[str, ExpectedTable]
    corrupt: list[str]


def _order_file(day: int, index: int, rows: int) -> str:
    lines = []
    for r in range(rows):
        n = index * rows + r
        amount = f"{n % 500}.5" if day >= 10 and index % 7 == 0 else str(n % 500)
        coupon = f', "coupon": "c{n % 9}"' if day >= 20 else ""
        lines.append(f'{{"id": {n}, "customer": "cust-{n % 97}", "amount": {amount}{coupon}}}')
    return "\n".join(lines) + "\n"


def _event_file(year: int, month: int, index: int, rows: int) -> str:
    new = year == 2024 and month >= 7
    out = ["event_id,kind,score" + (",region" if new else "")]
    for r in range(rows):
        n = index * rows + r
        score = f"{n % 100}.25" if year == 2024 and index % 5 == 0 else str(n % 100)
        out.append(f"{n},kind{n % 4},{score}" + (f",r{n % 3}" if new else ""))
    return "\n".join(out) + "\n"


def write_orders_day(root: Path, day: int, files: int, rows: int, corrupt: bool = True) -> list[str]:
    """Write one orders partition; returns the paths of corrupt files written."""
    folder = root / "orders" / f"dt=2024-01-{day:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    bad = []
    for index in range(files):
        path = folder / f"part-{index:05d}.json"
        if corrupt and day == CORRUPT_DAY and path.name == CORRUPT_FILE:
            text = '{"id": 1, "customer": "trunc'
            bad.append(str(path))
        else:
            text = _order_file(day, index, rows)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, text.encode())
        os.close(fd)
    return bad


def generate(root: Path, *, days: int = 24, files_per_partition: int = 210, rows: int = 3) -> Lake:
    """Write the lake under `root` (``days`` orders partitions, 24 events partitions)."""
    orders = ExpectedTable(
        "orders",
        f"{root}/orders/",
        ["dt"],
        columns={"id": "int", "customer": "string", "amount": "double" if days >= 10 else "int"},
    )
    if days >= 20:
        orders.columns["coupon"] = "string"
    events = ExpectedTable(
        "events",
        f"{root}/events/",
        ["year", "month"],
        columns={"event_id": "bigint", "kind": "string", "score": "double", "region": "string"},
    )
    corrupt: list[str] = []
    for day in range(1, days + 1):
        corrupt += write_orders_day(root, day, files_per_partition, rows)
        orders.partitions.add((f"2024-01-{day:02d}",))
        orders.files += files_per_partition
    for year in (2023, 2024):
        for month in range(1, 13):
            folder = root / "events" / f"year={year}" / f"month={month:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            for index in range(files_per_partition):
                fd = os.open(folder / f"part-{index:05d}.csv", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.write(fd, _event_file(year, month, index, rows).encode())
                os.close(fd)
            events.partitions.add((str(year), f"{month:02d}"))
            events.files += files_per_partition
    orders.files -= len(corrupt)
    orders.records = orders.files * rows
    events.records = events.files * rows
    return Lake(root, {"orders": orders, "events": events}, corrupt)


def add_order_days(lake: Lake, days: list[int], files: int, rows: int = 3) -> None:
    """Add orders partitions (for an incremental crawl)."""
    for day in days:
        write_orders_day(lake.root, day, files, rows, corrupt=False)
        lake.tables["orders"].partitions.add((f"2024-01-{day:02d}",))


def known_folders(lake: Lake, tables: list[object]) -> frozenset[str]:
    """Table and partition locations of a crawl result (what the crawler service stores)."""
    out: set[str] = set()
    for table in tables:
        out.add(table.location)  # type: ignore[attr-defined]
        out.update(p.location for p in table.partitions)  # type: ignore[attr-defined]
    return frozenset(out)
