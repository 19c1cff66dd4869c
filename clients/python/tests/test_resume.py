"""Resumption: the server process is killed (SIGKILL) and restarted on the same port, then stopped
gracefully (SIGTERM) and restarted, while a writer keeps writing. Afterwards a raw sync watch has seen
strictly increasing versions per room, and both mirrors equal GetHistory."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from collections import defaultdict

from procs import ServerProcess

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    DeadlineExceededError,
    Message,
    RetryPolicy,
    Role,
    RoomHistoryClient,
    RoomMirror,
    UnavailableError,
)

FAST = RetryPolicy(initial=0.05, maximum=0.5)


class Writer(threading.Thread):
    """Appends to random rooms until stopped, through restarts (failed writes are dropped)."""

    def __init__(self, address: str, rooms: list[str]) -> None:
        super().__init__(daemon=True)
        self.client = RoomHistoryClient(address, timeout=2, retry=FAST)
        self.rooms = rooms
        self.stopped = threading.Event()
        self.written = 0
        self.progress = threading.Condition()

    def run(self) -> None:
        while not self.stopped.is_set():
            room = random.choice(self.rooms)
            try:
                self.client.append_messages(room, [Message(role=Role.ROLE_USER, content=f"w{self.written}")])
            except (UnavailableError, DeadlineExceededError):
                self.stopped.wait(0.02)  # the server is down: try again shortly
                continue
            with self.progress:
                self.written += 1
                self.progress.notify_all()
        self.client.close()

    def wait_for_more(self, n: int) -> None:
        with self.progress:
            target = self.written + n
            assert self.progress.wait_for(lambda: self.written >= target, 30), "writer made no progress"


class RawWatcher(threading.Thread):
    """Records every change a plain sync watch delivers."""

    def __init__(self, client: RoomHistoryClient, rooms: list[str]) -> None:
        super().__init__(daemon=True)
        self.stream = client.watch(rooms, progress_interval=0.2)
        self.seen: dict[str, list[int]] = defaultdict(list)
        self.cond = threading.Condition()

    def run(self) -> None:
        for change in self.stream:
            with self.cond:
                self.seen[change.room_id].append(change.version)
                self.cond.notify_all()

    def wait_for(self, versions: dict[str, int]) -> None:
        with self.cond:
            def done() -> bool:
                return all(self.seen[r] and self.seen[r][-1] >= v for r, v in versions.items())

            assert self.cond.wait_for(done, 30), f"watch stuck at {dict(self.seen)}"


async def test_watch_and_mirrors_resume_across_restarts(own_server: ServerProcess, room: str) -> None:
    rooms = [f"{room}-{i}" for i in range(3)]
    address = own_server.address
    writer = Writer(address, rooms)
    with RoomHistoryClient(address, retry=FAST) as sclient:
        async with AsyncRoomHistoryClient(address, retry=FAST) as aclient:
            async with AsyncRoomMirror(aclient, rooms, progress_interval=0.2) as amirror:
                with RoomMirror(sclient, rooms, progress_interval=0.2) as smirror:
                    raw = RawWatcher(sclient, rooms)
                    raw.start()
                    writer.start()
                    try:
                        await asyncio.to_thread(writer.wait_for_more, 20)
                        await asyncio.to_thread(own_server.kill)
                        await asyncio.to_thread(own_server.start)
                        await asyncio.to_thread(writer.wait_for_more, 20)
                        await asyncio.to_thread(own_server.stop)
                        await asyncio.to_thread(own_server.start)
                        await asyncio.to_thread(writer.wait_for_more, 20)
                    finally:
                        writer.stopped.set()
                        await asyncio.to_thread(writer.join)

                    final = {r: sclient.get_history(r) for r in rooms}
                    versions = {r: h.version for r, h in final.items()}
                    for r in rooms:
                        await amirror.wait_for_version(r, versions[r], timeout=30)
                        await asyncio.to_thread(smirror.wait_for_version, r, versions[r], 30)
                        assert amirror.get_messages(r) == list(final[r].messages)
                        assert smirror.get_messages(r) == list(final[r].messages)
                    await asyncio.to_thread(raw.wait_for, versions)
                    raw.stream.cancel()

    for r in rooms:
        seen = raw.seen[r]
        assert all(a < b for a, b in itertools.pairwise(seen)), f"versions of {r} not strictly increasing: {seen}"
    assert sum(versions.values()) >= writer.written  # a write whose reply was lost in the crash may count
