"""Shared fixtures: a real Ray, real databases (SQLite, embedded PostgreSQL), a live platform on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from glueworks.platform.db import Database

pytest_plugins = ["tests.fixtures.postgres", "tests.fixtures.s3"]


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """One local Ray for the whole session (a cold start costs ~3 s)."""
    import ray

    started = False
    if not ray.is_initialized():
        # The platform's lean local head (address="local": never another process's cluster, as ray.init() alone
        # would reuse the latest one), so every Ray test also runs without the daemons it stops.
        from glueworks.runtime.executors.local_ray import start_local_ray

        start_local_ray(2, namespace="glueworks")
        started = True
    yield
    if started:
        ray.shutdown()


@dataclass
class LiveServer:
    url: str
    root: Path
    platform: object


@pytest.fixture(scope="session")
def start_server(
    ray_cluster: None, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveServer]]:
    """Start a real platform (API on 127.0.0.1, a real Ray launcher) on a given database URL.

    Depends on `postgres_url` only for teardown order: platforms close before PostgreSQL stops, so their
    background threads never meet a vanished database.
    """
    from glueworks.platform.embedded import embedded_platform
    from glueworks.platform.settings import Settings

    with ExitStack() as stack:

        def start(database_url: str | None = None, s3: dict[str, str] | None = None, **overrides: object) -> LiveServer:
            root = tmp_path_factory.mktemp("platform")
            settings = Settings(
                data_dir=root,
                port=0,
                database={"url": database_url},
                storage={"allowed_file_roots": [str(root)], "s3": s3 or {}},
                ray={"warm_drivers": 1},
                scheduler={"reconcile_interval": 0.5},
                **overrides,
            )
            url, platform = stack.enter_context(embedded_platform(settings))
            return LiveServer(url=url, root=root, platform=platform)

        yield start


@pytest.fixture(scope="session")
def server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """The platform on SQLite, shared by the end-to-end tests of a session."""
    return start_server()


@pytest.fixture(scope="session")
def pg_server(start_server: Callable[..., LiveServer], postgres_url: str) -> LiveServer:
    """The platform on the embedded PostgreSQL server."""
    return start_server(postgres_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_server(request: pytest.FixtureRequest) -> LiveServer:
    """Runs a test once on SQLite and once on PostgreSQL."""
    name = "server" if request.param == "sqlite" else "pg_server"
    live: LiveServer = request.getfixturevalue(name)
    return live


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The platform's database on SQLite and on a fresh PostgreSQL database (the project's own server)."""
    from glueworks.platform.db import Database

    url = (
        f"sqlite:///{tmp_path / 'gw.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("fresh_postgres_url")
    )
    db = Database.connect(url)
    yield db
    db.dispose()


@pytest.fixture(scope="session", autouse=True)
def _aws_isolation(s3_endpoint: object) -> None:
    """Every test sees dummy AWS credentials and a loopback S3 endpoint, never the machine's own AWS setup."""


def _hypothesis_profiles() -> None:
    # CI runs a fixed, derandomized set of examples so a green run stays green; locally hypothesis explores.
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()
