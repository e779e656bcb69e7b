"""examples/profiles_relationalize: nested profiles become a root table plus one table per array."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from tests.examples.conftest import EXAMPLES, Runner, read_lines

DATA = EXAMPLES / "profiles_relationalize" / "data" / "profiles.json"


def test_profiles_become_root_phones_and_tags_tables(example_runner: Runner, tmp_path: Path) -> None:
    profiles, malformed = read_lines(DATA)
    phones = sum(len(p["phones"]) for p in profiles)
    tags = sum(len(p["tags"] or []) for p in profiles)
    assert any(not p["phones"] for p in profiles) and any(p["tags"] is None for p in profiles)

    out = tmp_path / "out"
    run = example_runner(
        "profiles_relationalize",
        {"--input_path": str(DATA), "--output_path": str(out), "--TempDir": str(tmp_path / "temp")},
    )
    assert run.succeeded, run.error

    assert sorted(p.name for p in out.iterdir()) == ["profiles", "profiles_phones", "profiles_tags"]
    root = pq.read_table(out / "profiles").to_pylist()
    phone_rows = pq.read_table(out / "profiles_phones").to_pylist()
    tag_rows = pq.read_table(out / "profiles_tags").to_pylist()
    assert (len(root), len(phone_rows), len(tag_rows)) == (len(profiles), phones, tags)

    # Structs are flattened into dotted columns; each array column holds a key into its table.
    by_id = {p["id"]: p for p in profiles}
    phones_by_key: dict[Any, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in phone_rows:
        phones_by_key[row["id"]].append(row)
    tags_by_key: dict[Any, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in tag_rows:
        tags_by_key[row["id"]].append(row)
    for row in root:
        profile = by_id[row["id"]]
        assert (row["name.first"], row["name.last"]) == (profile["name"]["first"], profile["name"]["last"])
        assert (row["address.city"], row["address.country"]) == (
            profile["address"]["city"],
            profile["address"]["country"],
        )
        got_phones = sorted(phones_by_key.get(row["phones"], []), key=lambda r: r["index"])
        assert [r["index"] for r in got_phones] == list(range(len(profile["phones"])))
        assert [{"kind": r["phones.val.kind"], "number": r["phones.val.number"]} for r in got_phones] == profile[
            "phones"
        ]
        got_tags = sorted(tags_by_key.get(row["tags"], []), key=lambda r: r["index"])
        assert [r["tags.val"] for r in got_tags] == (profile["tags"] or [])

    assert run.metrics["records_read"] == len(profiles)
    assert run.metrics["error_records"] == malformed == 2
    assert run.metrics["records_written"] == len(profiles) + phones + tags
