"""Generate the lake benchmark's input (nested JSON-lines events) and its ground truth.

The dataset is seeded and deterministic, written once per (spec version, events, seed) and cached
in a folder under ``--root`` (default: a folder in the system temp dir, never in the repo). A
``truth.json`` written last marks a complete dataset; a folder without it is rebuilt.

    .venv/bin/python bench/lake/generate.py --events 1000000
    .venv/bin/python bench/lake/generate.py --events 3000000 --root /data/lake

What the files hold on purpose (see bench/README.md, "lake"):

* ~300-byte events: ``event_id``, ``event_type``, ``ts``, ``date`` (the partition), nested ``user``
  (with ``address``), ``device`` (absent in 10% of events), ``items`` (0-3 structs, the array
  Relationalize pivots), ``tags``, ``amount`` and ``session_ms``;
* ``amount`` drifts: an int in class A files, a digit string in class B files, both within each
  class C file (where 2% are ``"n/a"``, which the cast to long turns into null);
* a new struct ``campaign`` appears only in the last files (class E);
* class D files hold 1-5% malformed lines (truncated JSON, trailing garbage, invalid UTF-8 inside a
  string, a bare scalar, plain text) plus a few blank lines (neither records nor errors);
* one file is gzip-compressed.

The pipeline's ground truth (after quarantine, cast, filter and relationalize) is computed from the
generated values, not by running any engine.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Bump when the data or the truth changes, so old caches are not reused.
SPEC_VERSION = 3
DEFAULT_SEED = 20261125
EVENTS_PER_FILE = 125_000
DAYS = 30
EVENT_TYPES = ("view", "click", "purchase", "logout", "signup")
COUNTRIES = ("DE", "FR", "JP", "US", "BR", "IN", "NG", "CA")
CITIES = ("Berlin", "Paris", "Osaka", "Austin", "Recife", "Pune", "Lagos", "Quebec")
OSES = ("android", "ios", "linux", "windows", "macos")
TAGS = ("new", "promo", "mobile", "returning", "vip")
CAMPAIGNS = ("spring", "summer", "autumn", "winter")
#: The pipeline's filter: keep events whose type is not this and whose amount is above FILTER_MIN.
FILTER_DROP_TYPE = "logout"
FILTER_MIN_AMOUNT = 100


def default_root() -> Path:
    """Where datasets are cached by default: a folder in the system temp dir."""
    return Path(tempfile.gettempdir()) / "glueworks-lake-bench"


@dataclass(frozen=True)
class FileSpec:
    """One input file: its name, class, event range and seed."""

    index: int
    name: str
    kind: str
    first_event: int
    events: int
    seed: int
    gzip: bool


def plan_files(events: int, seed: int) -> list[FileSpec]:
    """The file layout for `events` events: ~125k events per file, at least 8 files."""
    if events < 1:
        raise ValueError(f"events: must be >= 1, got {events}")
    count = max(8, round(events / EVENTS_PER_FILE))
    base, extra = divmod(events, count)
    late = max(1, count // 5)  # the last fifth are class E (the new field appears)
    cycle = "ABCDADCA"
    specs: list[FileSpec] = []
    first = 0
    for index in range(count):
        kind = "E" if index >= count - late else cycle[index % len(cycle)]
        size = base + (1 if index < extra else 0)
        gz = index == 1  # one (class B) file is gzip: a non-splittable input
        name = f"events-{index:04d}.json" + (".gz" if gz else "")
        specs.append(FileSpec(index, name, kind, first, size, seed * 1000 + index, gz))
        first += size
    return specs


def _empty_truth() -> dict[str, Any]:
    return {
        "lines": 0,
        "records": 0,
        "malformed": 0,
        "blank_lines": 0,
        "amount_null": 0,
        "root_rows": 0,
        "root_rows_by_date": {},
        "root_amount_sum": 0,
        "root_campaign_rows": 0,
        "child_rows": 0,
        "child_rows_by_date": {},
        "child_qty_sum": 0,
        "child_price_cents_sum": 0,
    }


def _merge_truth(into: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, dict):
            bucket = into[key]
            for sub, count in value.items():
                bucket[sub] = bucket.get(sub, 0) + count
        else:
            into[key] += value


def _malformed(rng: random.Random, good_line: str) -> bytes:
    """One malformed line of a random kind (never a valid JSON object)."""
    kind = rng.randrange(5)
    if kind == 0:  # truncated JSON
        return good_line[: rng.randrange(10, len(good_line) - 5)].encode()
    if kind == 1:  # trailing garbage after a valid object
        return (good_line + " }x").encode()
    if kind == 2:  # invalid UTF-8 inside a string value (a mis-encoded city)
        return good_line.replace('"city":"', '"city":"S\xe3o ', 1).encode("latin-1")
    if kind == 3:  # a bare scalar
        return str(rng.randrange(1_000_000)).encode()
    return b"event lost its braces " + str(rng.randrange(1000)).encode()


def write_file(spec: FileSpec, folder: str) -> dict[str, Any]:
    """Write one file and return its share of the ground truth."""
    rng = random.Random(spec.seed)
    truth = _empty_truth()
    by_date: dict[str, int] = truth["root_rows_by_date"]
    child_by_date: dict[str, int] = truth["child_rows_by_date"]
    bad_rate = rng.uniform(0.01, 0.05) if spec.kind == "D" else 0.0
    lines: list[bytes] = []
    for number in range(spec.first_event, spec.first_event + spec.events):
        day = rng.randrange(DAYS) + 1
        date = f"2026-10-{day:02d}"
        ts = f"{date}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
        etype = EVENT_TYPES[rng.randrange(len(EVENT_TYPES))]
        c = rng.randrange(len(COUNTRIES))
        user_id = rng.randrange(1, 2_000_000) if rng.random() < 0.95 else rng.randrange(2**33, 2**40)
        age = "null" if rng.random() < 0.05 else str(rng.randrange(16, 90))
        user = (
            f'{{"id":{user_id},"country":"{COUNTRIES[c]}","age":{age},'
            f'"address":{{"city":"{CITIES[c]}","zip":"{rng.randrange(100000):05d}"}}}}'
        )
        device = (
            ""
            if rng.random() < 0.1
            else f'"device":{{"os":"{OSES[rng.randrange(5)]}","version":"{rng.randrange(1, 18)}.{rng.randrange(10)}"}},'
        )
        n_items = rng.randrange(4)
        items = []
        qty_sum = 0
        price_sum = 0
        for _ in range(n_items):
            qty = rng.randrange(1, 6)
            cents = rng.randrange(100, 100_000)
            qty_sum += qty
            price_sum += cents
            items.append(
                f'{{"sku":"sku-{rng.randrange(10000):04d}","qty":{qty},"price":{cents // 100}.{cents % 100:02d}}}'
            )
        tags = ",".join(f'"{t}"' for t in rng.sample(TAGS, k=rng.randrange(3)))
        amount_value: int | None = rng.randrange(0, 5000)
        if spec.kind == "B" or (spec.kind == "C" and rng.random() < 0.4):
            if spec.kind == "C" and rng.random() < 0.05:
                amount_text = '"n/a"'
                amount_value = None
            else:
                amount_text = f'"{amount_value}"'
        else:
            amount_text = str(amount_value)
        campaign = ""
        has_campaign = spec.kind == "E" and rng.random() < 0.6
        if has_campaign:
            campaign = f',"campaign":{{"id":{rng.randrange(1, 500)},"name":"{CAMPAIGNS[rng.randrange(4)]}"}}'
        line = (
            f'{{"event_id":"e-{number:09d}","event_type":"{etype}","ts":"{ts}","date":"{date}",'
            f'"user":{user},{device}"items":[{",".join(items)}],"tags":[{tags}],'
            f'"amount":{amount_text},"session_ms":{rng.randrange(100, 900_000)}{campaign}}}'
        )
        if bad_rate and rng.random() < bad_rate:
            lines.append(_malformed(rng, line))
            truth["malformed"] += 1
            if rng.random() < 0.1:
                lines.append(b"")
                truth["blank_lines"] += 1
            continue  # the event the bad line replaced is not a record
        lines.append(line.encode())
        truth["records"] += 1
        if amount_value is None:
            truth["amount_null"] += 1
        if etype == FILTER_DROP_TYPE or amount_value is None or amount_value <= FILTER_MIN_AMOUNT:
            continue
        truth["root_rows"] += 1
        by_date[date] = by_date.get(date, 0) + 1
        truth["root_amount_sum"] += amount_value
        truth["root_campaign_rows"] += has_campaign
        truth["child_rows"] += n_items
        if n_items:
            child_by_date[date] = child_by_date.get(date, 0) + n_items
        truth["child_qty_sum"] += qty_sum
        truth["child_price_cents_sum"] += price_sum
    truth["lines"] = len(lines)
    data = b"\n".join(lines) + b"\n"
    path = os.path.join(folder, spec.name)
    if spec.gzip:
        with gzip.open(path, "wb", compresslevel=6) as handle:
            handle.write(data)
    else:
        with open(path, "wb") as handle:
            handle.write(data)
    truth["file"] = spec.name
    truth["kind"] = spec.kind
    return truth


def _write_file_args(args: tuple[FileSpec, str]) -> dict[str, Any]:
    return write_file(*args)


def dataset_dir(root: Path, events: int, seed: int) -> Path:
    """The cache folder of one dataset (named by a hash of what determines its content)."""
    key = hashlib.sha256(f"{SPEC_VERSION}:{events}:{seed}:{EVENTS_PER_FILE}".encode()).hexdigest()[:10]
    return root / f"lake-{events}-{key}"


def generate(events: int, *, root: Path | None = None, seed: int = DEFAULT_SEED, processes: int = 2) -> Path:
    """Generate (or reuse) a dataset and return its folder; ``<folder>/truth.json`` holds the truth."""
    folder = dataset_dir(root or default_root(), events, seed)
    if (folder / "truth.json").is_file():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    data = folder / "input"
    data.mkdir(parents=True)
    specs = plan_files(events, seed)
    jobs = [(spec, str(data)) for spec in specs]
    if processes > 1 and len(specs) > 1:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            parts = pool.map(_write_file_args, jobs, chunksize=1)
    else:
        parts = [_write_file_args(job) for job in jobs]
    truth = _empty_truth()
    files = []
    for part in parts:
        files.append({key: part.pop(key) for key in ("file", "kind", "lines", "records", "malformed")})
        _merge_truth(truth, part)
    truth["lines"] = sum(f["lines"] for f in files)
    truth["records"] = sum(f["records"] for f in files)
    truth["malformed"] = sum(f["malformed"] for f in files)
    truth["events"] = events
    truth["seed"] = seed
    truth["spec_version"] = SPEC_VERSION
    truth["files"] = files
    truth["input_bytes"] = sum((data / f["file"]).stat().st_size for f in files)
    truth["filter"] = {"drop_event_type": FILTER_DROP_TYPE, "min_amount_exclusive": FILTER_MIN_AMOUNT}
    (folder / "truth.json.tmp").write_text(json.dumps(truth, indent=1, sort_keys=True))
    os.replace(folder / "truth.json.tmp", folder / "truth.json")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a dataset and print its folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to generate (default 1,000,000)")
    parser.add_argument("--root", type=Path, default=None, help=f"cache folder (default {default_root()})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    folder = generate(args.events, root=args.root, seed=args.seed, processes=args.processes)
    truth = json.loads((folder / "truth.json").read_text())
    print(
        f"{folder}: {truth['records']:,} records, {truth['malformed']:,} malformed lines, "
        f"{len(truth['files'])} files, {truth['input_bytes'] / 1e6:.0f} MB ({time.perf_counter() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
