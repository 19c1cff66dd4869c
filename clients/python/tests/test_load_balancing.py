"""Client-side load balancing over two real servers on one Redis: with ``load_balancing="round_robin"``
and a target listing both, the calls reach both (each server's Prometheus metrics count them); without
it (grpc's pick_first) they all go to one."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest
from procs import RedisProcess, ServerProcess, free_port

from roomhistory import RoomHistoryClient


@pytest.fixture
def replicas(redis: RedisProcess) -> Iterator[list[tuple[ServerProcess, int]]]:
    started = []
    for _ in range(2):
        port = free_port()
        started.append((ServerProcess(redis.url, env={"ROOMHISTORY_METRICS_LISTEN": f"127.0.0.1:{port}"}), port))
    yield started
    for server, _ in started:
        server.stop()


def info_calls(metrics_port: int) -> int:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    m = re.search(r'roomhistory_rpc_requests_total\{[^}]*method="GetRoomInfo",code="OK"\} (\d+)', text)
    return int(m.group(1)) if m else 0


def target(replicas: list[tuple[ServerProcess, int]]) -> str:
    return "ipv4:" + ",".join(server.address for server, _ in replicas)


def test_round_robin_reaches_every_replica(replicas: list[tuple[ServerProcess, int]]) -> None:
    # round_robin sends to the replicas whose connection is ready: the second may come up a little later.
    with RoomHistoryClient(target(replicas), load_balancing="round_robin") as client:
        for _ in range(50):
            for _ in range(10):
                client.get_room_info("lb/room")
            counts = [info_calls(port) for _, port in replicas]
            if all(c > 0 for c in counts):
                break
    assert all(c > 0 for c in counts), counts


def test_pick_first_keeps_to_one_replica(replicas: list[tuple[ServerProcess, int]]) -> None:
    with RoomHistoryClient(target(replicas)) as client:
        for _ in range(20):
            client.get_room_info("lb/room")
    assert sorted(info_calls(port) for _, port in replicas) == [0, 20]


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="load_balancing"):
        RoomHistoryClient("127.0.0.1:1", load_balancing="random")
