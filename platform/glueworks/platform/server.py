"""``glueworks server``: run the platform with uvicorn until interrupted."""

from __future__ import annotations

import logging

import uvicorn

from glueworks.platform.app import create_app
from glueworks.platform.settings import load_settings


def main(host: str | None = None, port: int | None = None) -> None:
    """Serve the platform. Settings come from ``GLUEWORKS_*``; ``host``/``port`` override them."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = load_settings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger(__name__).info(
        "glueworks %s mode, database %s, ray %s",
        settings.mode,
        settings.database_url.split("@")[-1],  # never log credentials of a database URL
        settings.ray.address,
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
