"""Load the lake benchmark's scripts (bench/lake/*.py, not a package) as modules for tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

LAKE = Path(__file__).resolve().parents[2] / "bench" / "lake"


def load_lake_module(name: str) -> ModuleType:
    """Import ``bench/lake/<name>.py`` under a private name."""
    spec = importlib.util.spec_from_file_location(f"lake_bench_{name}", LAKE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
