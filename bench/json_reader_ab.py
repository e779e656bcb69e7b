"""CPU of the JSON-lines reader now against an earlier commit's, on the same files, in one process.

    python bench/json_reader_ab.py --base <commit> [--reps 5] FILE_OR_FOLDER...

The earlier ``formats/json.py`` and ``formats/json_fast.py`` are taken from git and imported beside
the current ones (their other imports resolve to the current tree, so only these two modules are
compared). Each file is read whole (``.gz`` decompressed first, outside the timing) by both readers,
interleaved, ``--reps`` times; the minimum process CPU seconds per file and reader are printed, with
the ratio. CPU rather than wall time: a shared box's wall time varies more than its CPU time.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from glueworks.runtime.formats.json import JsonFormat

ROOT = Path(__file__).resolve().parent.parent
MODULES = "runtime/glueworks/runtime/formats"


def earlier_reader(base: str, folder: Path) -> ModuleType:
    """The `json` format module of commit `base`, wired to that commit's `json_fast`."""
    for name in ("json.py", "json_fast.py"):
        text = subprocess.run(
            ["git", "show", f"{base}:{MODULES}/{name}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        (folder / f"base_{name}").write_text(text)
    source = (folder / "base_json.py").read_text()
    marker = "from glueworks.runtime.formats import json_drift, json_fast, json_screen"
    if marker not in source:
        sys.exit(f"{base}: its json.py does not import json_fast as expected; compare by hand")
    (folder / "base_json.py").write_text(
        source.replace(
            marker, "from glueworks.runtime.formats import json_drift, json_screen\nimport base_json_fast as json_fast"
        )
    )
    sys.path.insert(0, str(folder))
    module = importlib.import_module("base_json")
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args()
    files = sorted(f for p in args.paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())
    data = {f: gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes() for f in files}
    with tempfile.TemporaryDirectory() as folder:
        readers = {"base": earlier_reader(args.base, Path(folder)).JsonFormat(), "now": JsonFormat()}
        best: dict[tuple[str, Path], float] = {}
        for rep in range(args.reps):
            order = list(readers.items()) if rep % 2 else list(readers.items())[::-1]
            for name, reader in order:
                for f in files:
                    started = time.process_time()
                    reader.read(io.BytesIO(data[f]), str(f))
                    spent = time.process_time() - started
                    best[name, f] = min(best.get((name, f), spent), spent)
    print(f"{'file':32} {'base s':>8} {'now s':>8} {'base/now':>9}")
    for f in files:
        print(f"{f.name:32} {best['base', f]:8.2f} {best['now', f]:8.2f} {best['base', f] / best['now', f]:9.2f}")
    base, now = sum(best["base", f] for f in files), sum(best["now", f] for f in files)
    print(f"{'total':32} {base:8.2f} {now:8.2f} {base / now:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
