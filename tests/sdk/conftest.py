"""Fixtures of the SDK tests: a fake clock, the in-memory API and a client talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glueworks.sdk import Client
from tests.sdk._fakes import FakeApi, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> FakeApi:
    return FakeApi(clock)


@pytest.fixture
def client(api: FakeApi) -> Iterator[Client]:
    with api.client() as client:
        yield client
