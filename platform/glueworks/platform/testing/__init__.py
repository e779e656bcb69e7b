"""Conformance suites shipped with the plug-in contracts; every implementation runs the same tests."""

from glueworks.platform.testing.launcher_conformance import LauncherConformance, RecordingListener

__all__ = ["LauncherConformance", "RecordingListener"]
