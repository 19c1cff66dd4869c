"""AsyncRoomMirror and RoomMirror against the real server: they converge on GetHistory through every kind of
change, apply direct changes without reading, read on gaps and omitted messages, and append with
expected_version."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from procs import ServerProcess

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    IdMarkers,
    Message,
    Role,
    RoomHistoryClient,
    RoomMirror,
    VersionConflictError,
)


def user(text: str, **kw: Any) -> Message:
    return Message(role=Role.ROLE_USER, content=text, **kw)


class CountingReads:
    """Counts the mirror's GetHistory calls (the real calls, wrapped)."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        real: Callable[..., Any] = client.get_history

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        client.get_history = counted


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def mutate_every_way(writer: RoomHistoryClient, room: str) -> int:
    """Appends (with trimming), edits, deletes, reacts, lowers the limit, discards; returns the version."""
    writer.set_room_limit(room, 50)
    writer.append_messages(room, [user(f"u{i}", id=f"m{i}") for i in range(40)])
    writer.append_messages(room, [user(f"v{i}") for i in range(20)])  # trims 10 from the front
    writer.update_message(room, "m15", "edited")
    writer.mark_deleted(room, "m16")
    writer.patch_reactions(room, "m17", {"👍": 2})
    writer.set_room_limit(room, 200)
    writer.discard_rebackfill(room)
    return writer.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content="done")]).version


async def test_async_mirror_follows_every_change_without_reading(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str
) -> None:
    client.append_messages(room, [user("before the mirror")])
    changed: list[tuple[str, int]] = []
    async with AsyncRoomMirror(aclient, [room], progress_interval=0.2, on_change=lambda r, v: changed.append((r, v))) as mirror:
        assert [m.content for m in mirror.get_messages(room)] == ["before the mirror"]
        reads = CountingReads(aclient)
        version = await asyncio.to_thread(mutate_every_way, client, room)
        await mirror.wait_for_version(room, version, timeout=10)
        assert mirror.get_messages(room) == list(client.get_history(room).messages)
        assert mirror.version(room) == version
        assert reads.count == 0  # every change followed the copy: applied without a read
        assert [v for _, v in changed][-1] == version and changed == sorted(changed)

        client.clear_room(room)
        await mirror.wait_for_version(room, version + 1, timeout=10)
        assert mirror.get_messages(room) == []
        await asyncio.sleep(0.5)  # idle for a few progress intervals: still no reads (no polling)
        assert reads.count == 0


async def test_async_mirror_reads_omitted_messages(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str
) -> None:
    async with AsyncRoomMirror(aclient, [room], progress_interval=0.2) as mirror:
        reads = CountingReads(aclient)
        big = client.append_messages(room, [user("x" * 100_000)])  # past the 64 KiB a change carries
        await mirror.wait_for_version(room, big.version, timeout=10)
        assert mirror.get_messages(room) == list(big.messages)
        assert reads.count == 1


async def test_async_mirror_append_reads_its_writes(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str
) -> None:
    async with AsyncRoomMirror(aclient, [room]) as mirror:
        mine = await mirror.append(room, [user("mine")])
        assert [m.content for m in mirror.get_messages(room)] == ["mine"]  # no wait: read-your-writes
        assert mine.version == mirror.version(room) == 1

        client.append_messages(room, [user("theirs")])
        await mirror.wait_for_version(room, 2, timeout=10)
        await mirror.append(room, [user("mine again")])
        assert [m.content for m in mirror.get_messages(room)] == ["mine", "theirs", "mine again"]
        assert mirror.get_messages(room) == list(client.get_history(room).messages)

        rendered = await mirror.render(room, {"room_name": "Mirror"})
        assert rendered.messages[0].role == "system" and rendered.version == 3


async def test_async_mirror_conflict_refreshes_then_raises(
    aclient: AsyncRoomHistoryClient, server: ServerProcess, room: str
) -> None:
    async with AsyncRoomMirror(aclient, [room], progress_interval=60) as mirror:
        # Another writer, and the mirror's watch stopped from seeing it in time: a guaranteed conflict.
        await mirror._stop_watch()  # freeze the copy at version 0 for this test
        with RoomHistoryClient(server.address) as other:
            other.append_messages(room, [user("other writer")])
        with pytest.raises(VersionConflictError) as caught:
            await mirror.append(room, [user("mine")])
        assert caught.value.current_version == 1
        assert mirror.version(room) == 1
        assert [m.content for m in mirror.get_messages(room)] == ["other writer"]
        await mirror.append(room, [user("mine")])  # now from the fresh copy
        assert [m.content for m in mirror.get_messages(room)] == ["other writer", "mine"]


async def test_async_mirror_follow_and_unfollow(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str
) -> None:
    other = room + "-b"
    client.append_messages(other, [user("b1")])
    async with AsyncRoomMirror(aclient, [room], progress_interval=0.2) as mirror:
        await mirror.follow(other)
        assert mirror.rooms == [room, other]
        assert [m.content for m in mirror.get_messages(other)] == ["b1"]
        v = client.append_messages(other, [user("b2")]).version
        await mirror.wait_for_version(other, v, timeout=10)
        await mirror.unfollow(room)
        assert mirror.rooms == [other]
        with pytest.raises(KeyError):
            mirror.get_messages(room)
        v = client.append_messages(other, [user("b3")]).version
        await mirror.wait_for_version(other, v, timeout=10)
        assert mirror.get_messages(other) == list(client.get_history(other).messages)


def test_sync_mirror_converges_and_appends(client: RoomHistoryClient, server: ServerProcess, room: str) -> None:
    changed: list[int] = []
    with RoomHistoryClient(server.address) as own, RoomMirror(
        own, [room], progress_interval=0.2, on_change=lambda r, v: changed.append(v)
    ) as mirror:
        version = mutate_every_way(client, room)
        mirror.wait_for_version(room, version, timeout=10)
        assert mirror.get_messages(room) == list(client.get_history(room).messages)
        assert changed == sorted(changed) and changed[-1] == version

        mirror.append(room, [user("from the mirror")])
        assert mirror.get_messages(room)[-1].content == "from the mirror"
        client.append_messages(room, [user("someone else")])
        mirror.wait_for_version(room, version + 2, timeout=10)
        client.append_messages(room, [user("and again")])
        with pytest.raises(VersionConflictError) as caught:
            own.append_messages(room, [user("x")], expected_version=version + 2)
        assert caught.value.current_version == version + 3
        mirror.wait_for_version(room, version + 3, timeout=10)
        assert mirror.get_messages(room) == list(client.get_history(room).messages)

        other = room + "-b"
        mirror.follow(other)
        v = client.append_messages(other, [user("b")]).version
        mirror.wait_for_version(other, v, timeout=10)
        assert [m.content for m in mirror.get_messages(other)] == ["b"]
        assert mirror.render(other, id_markers=IdMarkers.ID_MARKERS_OFF).messages[-1].content == "b"
