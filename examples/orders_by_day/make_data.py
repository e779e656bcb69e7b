"""Generate this example's sample input: orders (two JSON-lines files) and customers.

Run once from the repo root (`python examples/orders_by_day/make_data.py`); the output is
committed, so the example and its test never depend on this script. The seed is fixed.

What the data holds on purpose:
* ``total`` drifts: a number in most orders, a numeric string in some, ``"n/a"`` in a few, so
  reading it makes a Choice (double/string);
* some orders name a customer that is not in ``customers.json`` (an inner join drops them);
* three malformed lines: truncated JSON, a JSON array, invalid UTF-8;
* a blank line, which readers skip without an error.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

SEED = 20261125
CUSTOMERS = 25
ORDERS_PER_FILE = 60
STATUSES = ("paid", "paid", "paid", "pending", "cancelled")
COUNTRIES = ("DE", "FR", "JP", "US", "BR")
TIERS = ("standard", "gold")
MALFORMED = (
    (0, 11, b'{"order_id": "o-bad-1", "customer_id": 3, "total": '),
    (1, 7, b'["o-bad-2", 3, 10.5]'),
    (1, 40, b'{"order_id": "o-bad-3", "note": "caf\xe9"}'),
)
BLANK = (0, 30)


def make_order(rng: random.Random, number: int) -> dict[str, object]:
    """One order; customer ids run one past the known customers, so some find no match."""
    day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randrange(3))
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(86_400))
    cents = rng.randrange(100, 50_000)
    roll = rng.random()
    total: object = cents / 100 if roll < 0.75 else (f"{cents / 100:.2f}" if roll < 0.92 else "n/a")
    items = [{"sku": f"SKU-{rng.randrange(1, 40):03d}", "qty": rng.randrange(1, 5)} for _ in range(rng.randrange(1, 4))]
    return {
        "order_id": f"o-{number:04d}",
        "customer_id": rng.randrange(1, CUSTOMERS + 4),
        "status": rng.choice(STATUSES),
        "order_ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "order_date": day.isoformat(),
        "total": total,
        "items": items,
    }


def main() -> None:
    rng = random.Random(SEED)
    folder = Path(__file__).resolve().parent / "data"
    (folder / "orders").mkdir(parents=True, exist_ok=True)
    customers = [
        {
            "customer_id": number,
            "name": f"Customer {number:02d}",
            "country": rng.choice(COUNTRIES),
            "tier": rng.choice(TIERS),
        }
        for number in range(1, CUSTOMERS + 1)
    ]
    (folder / "customers.json").write_text("".join(json.dumps(c) + "\n" for c in customers))
    number = 1
    for index in range(2):
        lines: list[bytes] = []
        for _ in range(ORDERS_PER_FILE):
            lines.append(json.dumps(make_order(rng, number)).encode())
            number += 1
        for file_index, before, raw in sorted(MALFORMED, key=lambda m: -m[1]):
            if file_index == index:
                lines.insert(before, raw)
        if BLANK[0] == index:
            lines.insert(BLANK[1], b"")
        (folder / "orders" / f"orders-{index + 1:03d}.json").write_bytes(b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main()
