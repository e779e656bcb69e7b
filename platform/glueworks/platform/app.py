"""The FastAPI application factory. Nothing is built at import time: call ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from glueworks.platform.api.glue.router import build_glue_router
from glueworks.platform.api.rest.catalog import build_catalog_router
from glueworks.platform.api.rest.crawlers import build_crawlers_router
from glueworks.platform.api.rest.errors import install_error_handlers
from glueworks.platform.api.rest.notifications import build_notifications_router
from glueworks.platform.api.rest.orchestration import build_orchestration_router
from glueworks.platform.api.rest.query import build_query_router
from glueworks.platform.api.rest.router import build_rest_router
from glueworks.platform.context import Platform, build_platform
from glueworks.platform.settings import Settings

VERSION = "0.1.0"


def create_app(
    settings: Settings | None = None, *, platform: Platform | None = None, manage_platform: bool = True
) -> FastAPI:
    """Build the app: the Glue JSON 1.1 door on ``POST /`` and the REST door on ``/v1``.

    With ``manage_platform`` the platform (database, launcher, Ray) starts with the app's lifespan and stops
    with it; without, the caller starts and closes it (``embedded_platform`` does, from the main thread).
    """
    if platform is None:
        platform = build_platform(settings or Settings())
    owned = platform

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not manage_platform:
            yield
            return
        owned.start()
        try:
            yield
        finally:
            owned.close()

    app = FastAPI(
        title="glueworks",
        version=VERSION,
        summary="Self-hosted, serverless ETL in the spirit of AWS Glue, on Ray.",
        lifespan=lifespan,
    )
    app.state.platform = platform
    install_error_handlers(app)
    app.include_router(build_rest_router(platform))
    app.include_router(build_catalog_router(platform))
    app.include_router(build_crawlers_router(platform))  # /v1/crawlers, /v1/classifiers
    app.include_router(build_query_router(platform))
    app.include_router(build_notifications_router(platform))
    app.include_router(build_orchestration_router(platform))  # /v1/triggers, /v1/workflows
    app.include_router(build_glue_router(platform))
    return app
