"""spigot: write a sample of a frame's records as JSON lines, and pass the frame on unchanged.

Options (Glue's): ``{"topk": k}`` writes the first `k` records (in part and row order; the
default is ``topk=100``); ``{"prob": p}`` keeps each record with probability `p`. glueworks
adds ``{"seed": n}``: sampling is seeded per part, so every run and every executor writes the
same sample. The sample is one file, ``part-00000.json``, in the folder `path`, rewritten
each time the frame runs. It is a debugging aid: it is written at once, not staged with the
run's output.

Cost: ``topk`` fetches only the first parts that hold `k` records; ``prob`` samples each part
in a task and brings only the sample to the driver.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from glueworks.runtime.errors import InvalidOptionError
from glueworks.runtime.locations import Location
from glueworks.runtime.record import records_from_table

SAMPLE_FILE = "part-00000.json"
DEFAULT_TOPK = 100
_OPTIONS = ("topk", "prob", "seed")


def parse_spigot_options(options: Mapping[str, Any] | None) -> tuple[int | None, float | None, int]:
    """``(topk, prob, seed)`` from Glue's spigot options.

    Raises:
        InvalidOptionError: An unknown option, both topk and prob, or a value out of range.
    """
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise InvalidOptionError("options", f"must be a dict such as {{'topk': 10}}, got {type(options).__name__}")
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise InvalidOptionError(f"options.{unknown[0]}", "unknown spigot option; use topk, prob or seed")
    if "topk" in options and "prob" in options:
        raise InvalidOptionError("options", "pass topk or prob, not both")
    seed = options.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidOptionError("options.seed", f"must be an integer, got {seed!r}")
    if "prob" in options:
        prob = options["prob"]
        if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 <= prob <= 1:
            raise InvalidOptionError("options.prob", f"must be a number from 0 to 1, got {prob!r}")
        return None, float(prob), seed
    topk = options.get("topk", DEFAULT_TOPK)
    if isinstance(topk, bool) or not isinstance(topk, int) or topk < 0:
        raise InvalidOptionError("options.topk", f"must be an integer >= 0, got {topk!r}")
    return topk, None, seed


def json_lines(blocks: list[pa.Table], limit: int | None = None) -> list[str]:
    """The records of `blocks` as JSON texts, at most `limit` of them."""
    lines: list[str] = []
    for block in blocks:
        if limit is not None:
            block = block.slice(0, max(0, limit - len(lines)))
        lines.extend(json.dumps(record, default=str, ensure_ascii=False) for record in records_from_table(block))
        if limit is not None and len(lines) >= limit:
            break
    return lines


def sample_lines(index: int, prob: float, seed: int, blocks: list[pa.Table]) -> list[str]:
    """The records of part `index` kept with probability `prob`, as JSON texts."""
    rng = random.Random(f"{seed}:{index}")
    return [line for line in json_lines(blocks) if rng.random() < prob]


def write_sample(location: Location, lines: list[str]) -> str:
    """Write the sample file into the folder `location`; returns its URL."""
    target = location.child(SAMPLE_FILE)
    fs = target.filesystem()
    fs.makedirs(location.path, exist_ok=True)
    with fs.open(target.path, "wb") as handle:
        handle.write("".join(line + "\n" for line in lines).encode("utf-8"))
    return target.url
