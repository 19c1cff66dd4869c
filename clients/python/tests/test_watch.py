"""watch() against the real server: every change kind in order (sync and asyncio), cursors, errors, and
reconnecting when a stream goes silent."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from procs import ServerProcess
from proxy import FreezableProxy

from roomhistory import (
    AsyncRoomHistoryClient,
    ChangeKind,
    Message,
    Role,
    RoomChange,
    RoomHistoryClient,
    WatchStream,
)
from roomhistory.v1 import room_history_service_pb2 as pb

CK = ChangeKind


def user(text: str, **kw: Any) -> Message:
    return Message(role=Role.ROLE_USER, content=text, **kw)


def take(stream: WatchStream, n: int, timeout: float = 15) -> list[RoomChange]:
    """The next n changes; the stream is cancelled (ending the test's wait) if they take too long."""
    guard = threading.Timer(timeout, stream.cancel)
    guard.start()
    try:
        return [change for _, change in zip(range(n), stream, strict=False)]
    finally:
        guard.cancel()


def every_kind_of_change(client: RoomHistoryClient, room: str) -> None:
    """Seven mutations after version 1, one of each kind but RESYNC."""
    client.append_messages(room, [user("two", id="m2")])
    client.update_message(room, "m1", "one (edited)")
    client.mark_deleted(room, "m1")
    client.patch_reactions(room, "m2", {"🙂": 1})
    client.set_room_limit(room, 60)
    client.discard_rebackfill(room)
    client.clear_room(room)


EXPECTED_KINDS = [
    CK.CHANGE_KIND_APPEND, CK.CHANGE_KIND_UPDATE, CK.CHANGE_KIND_DELETE, CK.CHANGE_KIND_REACTIONS,
    CK.CHANGE_KIND_LIMIT, CK.CHANGE_KIND_REBACKFILL, CK.CHANGE_KIND_CLEAR,
]


def check_changes(changes: list[RoomChange], room: str) -> None:
    assert [c.version for c in changes] == list(range(2, 9))
    assert all(c.previous_version == c.version - 1 and c.room_id == room for c in changes)
    assert [c.kind for c in changes] == EXPECTED_KINDS
    assert [m.content for m in changes[0].messages] == ["two"]
    assert changes[1].messages[0].content == "one (edited)"
    assert changes[2].messages[0].HasField("deleted_at")
    assert changes[3].messages[0].reactions[0].emoji == "🙂"
    assert all(not c.messages for c in changes[4:])


def test_sync_watch_delivers_every_kind_in_order(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("one", id="m1")])
    with client.watch([room], progress_interval=0.5) as stream:
        # Known version 0 behind the room's 1: the first change is a RESYNC, proof the stream is open.
        (first,) = take(stream, 1)
        assert (first.kind, first.previous_version, first.version) == (CK.CHANGE_KIND_RESYNC, 0, 1)
        every_kind_of_change(client, room)
        check_changes(take(stream, 7), room)
        assert stream.cursors == {room: 8}


async def test_async_watch_delivers_every_kind_in_order(server: ServerProcess, room: str) -> None:
    async with AsyncRoomHistoryClient(server.address) as aclient:
        await aclient.append_messages(room, [user("one", id="m1")])
        changes = aclient.watch([room], progress_interval=0.5)
        first = await asyncio.wait_for(anext(changes), 15)
        assert (first.kind, first.previous_version, first.version) == (CK.CHANGE_KIND_RESYNC, 0, 1)
        with RoomHistoryClient(server.address) as writer:
            await asyncio.to_thread(every_kind_of_change, writer, room)
        check_changes([await asyncio.wait_for(anext(changes), 15) for _ in range(7)], room)
        await changes.aclose()


def test_watch_from_cursors(client: RoomHistoryClient, room: str) -> None:
    other = room + "-other"
    client.append_messages(room, [user("a")])
    client.append_messages(other, [user("a")])
    client.append_messages(other, [user("b")])
    # Up to date on `room`, one behind on `other`: only `other` gets a RESYNC.
    with client.watch({room: 1, other: 1}, progress_interval=0.5) as stream:
        (resync,) = take(stream, 1)
        assert (resync.room_id, resync.kind, resync.previous_version, resync.version) == (
            other, CK.CHANGE_KIND_RESYNC, 1, 2,
        )
        client.append_messages(room, [user("c")])
        (append,) = take(stream, 1)
        assert (append.room_id, append.kind, append.previous_version) == (room, CK.CHANGE_KIND_APPEND, 1)


def test_watch_cancels_a_bad_room_alone(client: RoomHistoryClient) -> None:
    cancelled: list[pb.WatchCancelled] = []
    stream = client.watch(["ok-alone", "not ok"], on_cancelled=cancelled.append)
    client.append_messages("ok-alone", [user("a")])
    change = next(stream)
    assert (change.room_id, change.version) == ("ok-alone", 1)
    assert [(c.room_id, c.reason) for c in cancelled] == [("not ok", pb.WATCH_CANCEL_REASON_INVALID_ROOM_ID)]
    assert cancelled[0].message.startswith("add.rooms[1].room_id: ")
    assert stream.rooms == ["ok-alone"]
    stream.cancel()
    with pytest.raises(ValueError):
        client.watch([])


async def test_async_watch_cancels_a_bad_room_alone(server: ServerProcess) -> None:
    cancelled: list[pb.WatchCancelled] = []
    async with AsyncRoomHistoryClient(server.address) as aclient:
        stream = aclient.watch(["bad id", "ok-async-alone"], on_cancelled=cancelled.append)
        await aclient.append_messages("ok-async-alone", [user("a")])
        change = await anext(stream)
        assert (change.room_id, change.version) == ("ok-async-alone", 1)
        assert [c.reason for c in cancelled] == [pb.WATCH_CANCEL_REASON_INVALID_ROOM_ID]
        await stream.aclose()


def test_watch_rooms_follows_a_prefix_and_rooms_added_on_the_open_stream(client: RoomHistoryClient) -> None:
    stream = client.watch_rooms(prefix="py-sel/")
    stream_created = stream._resumer  # the cursors the selector found appear as the server answers
    client.append_messages("py-sel/one", [user("1")])
    first = next(stream)
    assert (first.room_id, first.version) == ("py-sel/one", 1)
    stream.add(["py-by-id"])
    client.append_messages("py-by-id", [user("x")])
    second = next(stream)
    assert (second.room_id, second.version) == ("py-by-id", 1)
    client.append_messages("py-sel/two", [user("2")])
    third = next(stream)
    assert third.room_id == "py-sel/two"
    assert sorted(stream_created.found_by) == ["py-sel/one", "py-sel/two"]
    stream.remove(["py-by-id"])
    stream.unfollow(prefix="py-sel/")
    assert stream.rooms == []
    stream.cancel()


def test_a_thousand_rooms_added_and_removed_one_by_one_on_one_stream(client: RoomHistoryClient) -> None:
    rooms = [f"py-many/{i}" for i in range(1000)]
    stream = client.watch([rooms[0]])
    client.append_messages(rooms[0], [user("first")])
    assert next(stream).room_id == rooms[0]  # the stream is open: what follows changes it in place
    for room in rooms[1:]:
        stream.add([room])
    client.append_messages(rooms[999], [user("last")])
    change = next(stream)
    assert (change.room_id, change.version) == (rooms[999], 1)
    for room in rooms[:999]:
        stream.remove([room])
    assert stream.rooms == [rooms[999]]
    client.append_messages(rooms[0], [user("unheard")])
    client.append_messages(rooms[999], [user("heard")])
    change = next(stream)  # rooms[0]'s change, if the server sent it before the remove, is dropped here
    assert (change.room_id, change.version) == (rooms[999], 2)
    assert stream._resumer.streams == 1  # one gRPC stream all along: nothing reopened
    stream.cancel()


async def test_the_asyncio_watch_adds_and_removes_rooms_on_one_stream(server: ServerProcess) -> None:
    async with AsyncRoomHistoryClient(server.address) as client:
        rooms = [f"py-many-aio/{i}" for i in range(200)]
        stream = client.watch([rooms[0]])
        await client.append_messages(rooms[0], [user("first")])
        assert (await anext(stream)).room_id == rooms[0]
        for room in rooms[1:]:
            stream.add([room])
        await client.append_messages(rooms[-1], [user("last")])
        assert (await anext(stream)).room_id == rooms[-1]
        for room in rooms[:-1]:
            stream.remove([room])
        await client.append_messages(rooms[0], [user("unheard")])
        await client.append_messages(rooms[-1], [user("heard")])
        change = await anext(stream)
        assert (change.room_id, change.version) == (rooms[-1], 2)
        assert stream._resumer.streams == 1
        await stream.aclose()


@pytest.fixture
def frozen_path(server: ServerProcess) -> Iterator[FreezableProxy]:
    proxy = FreezableProxy(server.port)
    yield proxy
    proxy.close()


def test_silent_stream_is_taken_for_dead_and_resumed(
    client: RoomHistoryClient, frozen_path: FreezableProxy, room: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="roomhistory")
    client.append_messages(room, [user("0")])
    with RoomHistoryClient(frozen_path.address) as watcher:
        with watcher.watch([room], progress_interval=0.1) as stream:
            assert take(stream, 1)[0].version == 1
            frozen_path.freeze()
            for i in range(3):
                client.append_messages(room, [user(str(i))])
            seen: list[int] = []
            while not seen or seen[-1] < 4:
                seen += [c.version for c in take(stream, 1)]
            assert seen == sorted(set(seen)) and seen[-1] == 4
    assert "no message for 0.3s" in caplog.text


async def test_async_silent_stream_is_taken_for_dead_and_resumed(
    client: RoomHistoryClient, frozen_path: FreezableProxy, room: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="roomhistory")
    client.append_messages(room, [user("0")])
    async with AsyncRoomHistoryClient(frozen_path.address) as watcher:
        changes = watcher.watch([room], progress_interval=0.1)
        assert (await asyncio.wait_for(anext(changes), 10)).version == 1
        frozen_path.freeze()
        for i in range(3):
            client.append_messages(room, [user(str(i))])
        seen: list[int] = []
        while not seen or seen[-1] < 4:
            seen.append((await asyncio.wait_for(anext(changes), 15)).version)
        assert seen == sorted(set(seen))
        await changes.aclose()
    assert "no message for 0.3s" in caplog.text
