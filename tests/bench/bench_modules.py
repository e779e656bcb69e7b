"""Load the benchmark scripts (bench/*.py and bench/lake/*.py, not packages) as modules for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench"
LAKE = BENCH / "lake"


def load_lake_module(name: str) -> ModuleType:
    """Import ``bench/lake/<name>.py`` under a private name."""
    return load_script(LAKE / f"{name}.py", f"lake_bench_{name}")


def load_bench_module(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` under a private name."""
    return load_script(BENCH / f"{name}.py", f"bench_{name}")


def load_script(path: Path, module_name: str) -> ModuleType:
    """Import the script at `path` as the module `module_name`."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
