"""Generate this example's sample input: nested user profiles as JSON lines.

Run once from the repo root (`python examples/profiles_relationalize/make_data.py`); the output
is committed. The seed is fixed.

What the data holds on purpose:
* nested structs (``name``, ``address``) that Relationalize flattens into dotted columns;
* an array of structs (``phones``) and an array of strings (``tags``), each of which becomes
  its own table; some profiles have an empty ``phones`` list and some have ``tags: null``;
* two malformed lines (truncated JSON, plain text).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 7
PROFILES = 40
FIRST = ("Ada", "Grace", "Linus", "Ken", "Barbara", "Edsger", "Frances", "Donald")
LAST = ("Lovelace", "Hopper", "Torvalds", "Thompson", "Liskov", "Dijkstra", "Allen", "Knuth")
CITIES = (("Berlin", "DE"), ("Lyon", "FR"), ("Osaka", "JP"), ("Austin", "US"))
TAGS = ("beta", "vip", "newsletter", "churn-risk")
MALFORMED = ((9, b'{"id": "u-bad-1", "name": {"first": "Al'), (25, b"profile u-bad-2 without braces"))


def make_profile(rng: random.Random, number: int) -> dict[str, object]:
    """One profile."""
    city, country = rng.choice(CITIES)
    phones = [
        {"kind": rng.choice(("home", "work", "mobile")), "number": f"+{rng.randrange(10**9, 10**10)}"}
        for _ in range(rng.randrange(0, 3))
    ]
    tags = None if rng.random() < 0.2 else rng.sample(TAGS, rng.randrange(1, 3))
    return {
        "id": f"u-{number:03d}",
        "name": {"first": rng.choice(FIRST), "last": rng.choice(LAST)},
        "address": {"city": city, "country": country},
        "phones": phones,
        "tags": tags,
    }


def main() -> None:
    rng = random.Random(SEED)
    folder = Path(__file__).resolve().parent / "data"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(make_profile(rng, n)).encode() for n in range(1, PROFILES + 1)]
    for before, raw in sorted(MALFORMED, key=lambda m: -m[0]):
        lines.insert(before, raw)
    (folder / "profiles.json").write_bytes(b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main()
