"""Generate this example's sample input: sensor readings as CSV files with a header.

Run once from the repo root (`python examples/sensor_csv_cleanup/make_data.py`); the output is
committed. The seed is fixed.

What the data holds on purpose:
* ``temperature_c`` is ``ERR`` in some rows (a sensor fault): the cast to double makes it
  null, and the job drops those rows;
* some readings are out of the sensor's range (below -40 or above 85 degrees);
* a ``firmware`` and a ``debug`` column the output does not need;
* per file, one row with too few fields and one with an unclosed quote (malformed records).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

SEED = 42
FILES = 2
ROWS_PER_FILE = 50
SITES = ("north", "south", "east")
HEADER = "sensor_id,site,reading_ts,temperature_c,humidity_pct,firmware,debug"


def make_row(rng: random.Random, number: int) -> str:
    """One CSV row."""
    moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=5 * number)
    roll = rng.random()
    if roll < 0.1:
        temperature = "ERR"
    elif roll < 0.18:
        temperature = f"{rng.choice((-1, 1)) * rng.uniform(90, 150):.1f}"
    else:
        temperature = f"{rng.uniform(-10, 35):.1f}"
    humidity = f"{rng.uniform(10, 95):.1f}"
    debug = rng.choice(("", "ok", "retry=1", '"a, b"'))
    return ",".join(
        [
            f"s-{rng.randrange(1, 9):02d}",
            rng.choice(SITES),
            moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            temperature,
            humidity,
            f"v{rng.randrange(1, 4)}.{rng.randrange(10)}",
            debug,
        ]
    )


def main() -> None:
    rng = random.Random(SEED)
    folder = Path(__file__).resolve().parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    number = 0
    for index in range(FILES):
        rows = []
        for _ in range(ROWS_PER_FILE):
            rows.append(make_row(rng, number))
            number += 1
        rows.insert(12 + index, "s-99,north,2026-11-01T00:00:00Z")  # too few fields
        rows.insert(33 + index, 's-98,south,2026-11-01T00:00:00Z,20.0,50.0,v1.0,"never closed')
        (folder / f"readings-{index + 1:03d}.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
