#!/usr/bin/env python3
"""The two commands of the quick start. Needs only Python 3.11+; everything else is installed here.

    python3 dev.py demo    set up, start the embedded platform, run the bundled example job
    python3 dev.py test    set up, lint, type-check and run the test suite (what CI runs)

Setup is a virtual environment in ``.venv`` with ``glueworks[dev]`` installed editable; it is redone only when
``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("GLUEWORKS_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*args: str | Path, **kwargs: object) -> None:
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)  # type: ignore[call-overload]
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit("glueworks needs Python 3.11 or newer")
    stamp = VENV / ".glueworks-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PY.exists():
        return
    if not PY.exists():
        say(f"creating a virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing glueworks[dev] (first time: a few minutes, Ray is large)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    stamp.write_text(digest)


def demo(args: list[str]) -> None:
    setup()
    say("running the demo job on the embedded platform (SQLite + a local Ray it starts itself)")
    run(BIN / "glueworks", "demo", *args)


def test(args: list[str]) -> None:
    setup()
    say("ruff")
    run(PY, "-m", "ruff", "check", ".")
    say("mypy")
    run(PY, "-m", "mypy")
    say("pytest")
    run(PY, "-m", "pytest", *args)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
