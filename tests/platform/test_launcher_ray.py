"""The warm Ray driver pool passes the launcher conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from glueworks.platform.launchers import RayDriverPoolLauncher
from glueworks.platform.testing import LauncherConformance, RecordingListener

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def pool(ray_cluster: None) -> Iterator[tuple[RayDriverPoolLauncher, RecordingListener]]:
    listener = RecordingListener()
    launcher = RayDriverPoolLauncher(warm_drivers=1)
    launcher.start(listener)
    yield launcher, listener
    launcher.close()


class TestRayDriverPool(LauncherConformance):
    @pytest.fixture
    def launcher(self, pool: tuple[RayDriverPoolLauncher, RecordingListener]) -> Any:
        return pool
