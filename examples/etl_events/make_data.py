"""Generate the demo's sample input: three JSON-lines files of click-stream events.

Run once from the repo root (`python examples/etl_events/make_data.py`); the output is
committed, so the demo and its test never depend on this script's randomness. The seed is fixed.

What the data holds on purpose:
* ``session_ms`` drifts: an integer in most records, a numeric string in some, ``"n/a"`` in a
  few, in every file, so reading it makes a Choice (long/string) even within one file;
* ``user.id`` is sometimes above 2**31, so it widens from int to long;
* four malformed lines: truncated JSON, invalid UTF-8, a JSON array, plain text;
* a blank line, which readers skip without an error.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

SEED = 20261101
FILES = 3
RECORDS_PER_FILE = 100
EVENT_TYPES = ("view", "click", "purchase", "logout")
COUNTRIES = ("DE", "FR", "JP", "US", "BR")
CITIES = ("Berlin", "Paris", "Osaka", "Austin", "Recife")
# (file index, line index before which the bad line goes, raw bytes)
MALFORMED = (
    (0, 17, b'{"event_id": "e-bad-1", "event_type": "view", "amount": '),
    (1, 42, b'{"event_id": "e-bad-2", "user": {"address": {"city": "S\xe3o Paulo"}}}'),
    (2, 5, b"[1, 2, 3]"),
    (2, 63, b"event e-bad-4 lost its braces"),
)
BLANK = (1, 80)


def make_event(rng: random.Random, number: int) -> dict[str, object]:
    """One event record."""
    day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randrange(3))
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(86_400))
    roll = rng.random()
    session: object
    if roll < 0.7:
        session = rng.randrange(100, 600_000)
    elif roll < 0.9:
        session = str(rng.randrange(100, 600_000))
    else:
        session = "n/a"
    country = rng.randrange(len(COUNTRIES))
    return {
        "event_id": f"e-{number:05d}",
        "event_type": rng.choice(EVENT_TYPES),
        "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dt": day.isoformat(),
        "user": {
            "id": rng.randrange(1, 5_000) if rng.random() < 0.9 else rng.randrange(2**31, 2**33),
            "country": COUNTRIES[country],
            "address": {"city": CITIES[country]},
        },
        "amount": round(rng.uniform(0, 50), 2),
        "session_ms": session,
        "tags": rng.sample(["new", "promo", "mobile", "returning"], k=rng.randrange(3)),
    }


def main() -> None:
    """Write ``data/events-00N.json``."""
    rng = random.Random(SEED)
    out = Path(__file__).parent / "data"
    out.mkdir(exist_ok=True)
    number = 0
    for index in range(FILES):
        lines: list[bytes] = []
        for _ in range(RECORDS_PER_FILE):
            number += 1
            lines.append(json.dumps(make_event(rng, number)).encode("utf-8"))
        for file_index, position, raw in sorted(MALFORMED, key=lambda m: -m[1]):
            if file_index == index:
                lines.insert(position, raw)
        if BLANK[0] == index:
            lines.insert(BLANK[1], b"")
        (out / f"events-{index + 1:03d}.json").write_bytes(b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main()
