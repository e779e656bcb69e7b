"""glueworks.platform: the control plane. Build the app with :func:`create_app`, or run ``glueworks server``."""

from glueworks.platform.app import create_app
from glueworks.platform.context import Platform, build_platform
from glueworks.platform.embedded import embedded_platform
from glueworks.platform.settings import Settings, load_settings

__all__ = ["Platform", "Settings", "build_platform", "create_app", "embedded_platform", "load_settings"]
