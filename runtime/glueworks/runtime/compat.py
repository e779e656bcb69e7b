"""The ``awsglue`` import names, pointing at the runtime, so Glue scripts run unchanged.

`install_awsglue_modules` registers, in `sys.modules`:

* ``awsglue`` (package), ``awsglue.context`` (`GlueContext`), ``awsglue.dynamicframe``
  (`DynamicFrame`), ``awsglue.transforms`` (`ApplyMapping`, `ResolveChoice`, `Filter`),
  ``awsglue.utils`` (`getResolvedOptions`), ``awsglue.job`` (`Job`);
* when pyspark is not installed, ``pyspark``, ``pyspark.context`` (``SparkContext`` with a
  harmless ``getOrCreate()``) and ``pyspark.sql`` (``SparkSession``) placeholders.

The usual preamble then works::

    from awsglue.transforms import *
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from awsglue.context import GlueContext
    from awsglue.job import Job
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

from glueworks.runtime import glue_transforms
from glueworks.runtime.collection import DynamicFrameCollection
from glueworks.runtime.context import DynamicFrameReader, DynamicFrameWriter, GlueContext
from glueworks.runtime.frame import DynamicFrame
from glueworks.runtime.job import Job
from glueworks.runtime.record import DynamicRecord
from glueworks.runtime.spark_stub import SparkContext, SparkSession
from glueworks.runtime.utils import getResolvedOptions

_MARK = "__glueworks_compat__"


def _module(name: str, package: bool, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name, f"glueworks stand-in for {name}")
    if package:
        module.__path__ = []
    setattr(module, _MARK, True)
    for key, value in attributes.items():
        setattr(module, key, value)
    public = sorted(k for k in attributes if not k.startswith("_"))
    module.__all__ = public  # type: ignore[attr-defined]
    return module


def _awsglue_modules() -> dict[str, types.ModuleType]:
    transform_names = {cls.__name__: cls for cls in glue_transforms.ALL_TRANSFORMS}
    return {
        "awsglue": _module("awsglue", True, DynamicFrame=DynamicFrame),
        "awsglue.context": _module("awsglue.context", False, GlueContext=GlueContext),
        "awsglue.dynamicframe": _module(
            "awsglue.dynamicframe",
            False,
            DynamicFrame=DynamicFrame,
            DynamicFrameCollection=DynamicFrameCollection,
            DynamicFrameReader=DynamicFrameReader,
            DynamicFrameWriter=DynamicFrameWriter,
            DynamicRecord=DynamicRecord,
        ),
        "awsglue.transforms": _module(
            "awsglue.transforms", True, GlueTransform=glue_transforms.GlueTransform, **transform_names
        ),
        "awsglue.utils": _module("awsglue.utils", False, getResolvedOptions=getResolvedOptions),
        "awsglue.job": _module("awsglue.job", False, Job=Job),
    }


def _pyspark_modules() -> dict[str, types.ModuleType]:
    return {
        "pyspark": _module("pyspark", True, SparkContext=SparkContext),
        "pyspark.context": _module("pyspark.context", False, SparkContext=SparkContext),
        "pyspark.sql": _module("pyspark.sql", True, SparkSession=SparkSession),
    }


def _pyspark_installed() -> bool:
    existing = sys.modules.get("pyspark")
    if existing is not None:
        return not getattr(existing, _MARK, False)
    return importlib.util.find_spec("pyspark") is not None


def install_awsglue_modules() -> None:
    """Register the ``awsglue`` names (and pyspark placeholders if pyspark is absent).

    The runtime's ``awsglue`` replaces any other one in this process. Calling it again is
    harmless.
    """
    modules = _awsglue_modules()
    if not _pyspark_installed():
        modules.update(_pyspark_modules())
    for name, module in modules.items():
        sys.modules[name] = module
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, module)


def uninstall_awsglue_modules() -> None:
    """Remove the modules `install_awsglue_modules` registered (for tests)."""
    for name in [n for n, m in list(sys.modules.items()) if getattr(m, _MARK, False)]:
        del sys.modules[name]
