"""The repository layout keeps the standard library visible and every tool on the same modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stdlib_platform_is_not_shadowed_from_the_repo_root() -> None:
    code = "import platform, sys; print(platform.system()); import glueworks.platform as p; print(p.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    system, location = out.split()
    assert system and system != ""
    assert Path(location).parent == ROOT / "platform" / "glueworks" / "platform"


def test_no_namespace_init_and_no_importable_folder_roots() -> None:
    assert not list(ROOT.glob("*/glueworks/__init__.py"))
    for folder in ("platform", "runtime", "sdk", "autoscaler"):
        assert not (ROOT / folder / "__init__.py").exists()
        assert (ROOT / folder / "glueworks" / folder / "__init__.py").exists()


def test_public_all_is_complete() -> None:
    """Order is checked by ruff (RUF022); here every exported name must exist."""
    import importlib

    packages = ("glueworks.sdk", "glueworks.platform.services", "glueworks.platform.launchers", "glueworks.autoscaler")
    for name in packages:
        module = importlib.import_module(name)
        exported = list(module.__all__)
        assert len(exported) == len(set(exported)), name
        for item in exported:
            assert hasattr(module, item), (name, item)
