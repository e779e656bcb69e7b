"""Launchers hand runs to a compute backend. One contract, one module per backend."""

from glueworks.platform.launchers.base import Launcher, LaunchListener, LaunchRequest, RunOutcome
from glueworks.platform.launchers.ray_driver_pool import RayDriverPoolLauncher

__all__ = ["LaunchListener", "LaunchRequest", "Launcher", "RayDriverPoolLauncher", "RunOutcome"]
