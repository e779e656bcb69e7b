"""Load the benchmark scripts (bench/*.py and bench/lake/*.py, not packages) as modules for tests."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
LAKE = BENCH / "lake"

# The child of `in_fresh_process`: loads the module before unpickling the arguments (they may be its classes),
# and keeps its stdout for the pickled result (whatever the call prints goes to stderr).
_CHILD = """
import os, pickle, sys
sys.path.insert(0, sys.argv[1])
from tests.bench.bench_modules import load_lake_module
name, function, payload = pickle.loads(sys.stdin.buffer.read())
module = load_lake_module(name)
args, kwargs = pickle.loads(payload)
result_fd = os.dup(1)
os.dup2(2, 1)
result = getattr(module, function)(*args, **kwargs)
with os.fdopen(result_fd, "wb") as out:
    out.write(pickle.dumps(result))
"""


def load_lake_module(name: str) -> ModuleType:
    """Import ``bench/lake/<name>.py`` under a private name."""
    return load_script(LAKE / f"{name}.py", f"lake_bench_{name}")


def load_bench_module(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` under a private name."""
    return load_script(BENCH / f"{name}.py", f"bench_{name}")


def in_fresh_process(module: str, function: str, *args: Any, **kwargs: Any) -> Any:
    """``bench/lake/<module>.<function>(*args, **kwargs)`` called in a new Python process; its result.

    For the harness's measured runs (`measure.run_measured`, `run.run_engine`): the harness takes every
    descendant of its own process for the run's, reaps any child and SIGKILLs whatever is still alive `grace`
    seconds after the command ended. ``bench/lake/run.py`` gives it a process of its own; in the test process
    those descendants would include the session's Ray (GCS, raylet, workers) and PostgreSQL, and the next
    test on Ray would die with its driver. Arguments and result go by pickle: the module is loaded under the
    same name here and there.
    """
    if f"lake_bench_{module}" not in sys.modules:
        load_lake_module(module)  # the result may be one of its classes
    payload = pickle.dumps((module, function, pickle.dumps((args, kwargs))))
    child = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT)], input=payload, capture_output=True)
    assert child.returncode == 0, f"{module}.{function} failed:\n{child.stderr.decode(errors='replace')}"
    return pickle.loads(child.stdout)


def load_script(path: Path, module_name: str) -> ModuleType:
    """Import the script at `path` as the module `module_name`."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
