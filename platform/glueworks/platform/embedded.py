"""The platform in a background thread of this process, on a free loopback port: for the demo and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from glueworks.platform.app import create_app
from glueworks.platform.context import Platform, build_platform
from glueworks.platform.settings import Settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def embedded_platform(settings: Settings, *, start_timeout: float = 120.0) -> Iterator[tuple[str, Platform]]:
    """Start the platform (database, Ray, API) and yield its base URL and object graph; stop it on exit.

    Ray is started from the calling thread (the main thread in the CLI), where it can install its signal
    handlers; the API server runs on a background thread.
    """
    platform = build_platform(settings)
    platform.start()
    port = settings.port or free_port(settings.host)
    platform.api_url = platform.api_url or f"http://{settings.host}:{port}"  # jobs reach the catalog here
    app = create_app(platform=platform, manage_platform=False)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="glueworks-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            platform.close()
            raise RuntimeError(f"the API server did not start on {settings.host}:{port}; see the messages above")
        time.sleep(0.05)
    try:
        yield f"http://{settings.host}:{port}", platform
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        platform.close()
