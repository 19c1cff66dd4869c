"""Fixtures: one real redis-server and one real server process for the session (tests isolate by room id,
the server by a unique key prefix); tests that kill a server start their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from procs import RedisProcess, ServerProcess, unique

from roomhistory import RoomHistoryClient


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisProcess]:
    r = RedisProcess()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def server(redis: RedisProcess) -> Iterator[ServerProcess]:
    s = ServerProcess(redis.url)
    yield s
    s.stop()


@pytest.fixture
def own_server(redis: RedisProcess) -> Iterator[ServerProcess]:
    """A server for one test, which it may kill and restart."""
    s = ServerProcess(redis.url)
    yield s
    s.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[RoomHistoryClient]:
    with RoomHistoryClient(server.address) as c:
        yield c


@pytest.fixture
def room() -> str:
    """A room id no other test uses."""
    return unique("room")
