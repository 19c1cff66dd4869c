"""The edges of the public surface that the TypeScript client matches (clients/ts/test/surface.test.ts): a
closed client, a listener that raises, a room not followed, a wait that times out, rooms added to and
removed from an open watch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable

import pytest
from procs import ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    CancelledError,
    ChangeKind,
    ClientClosedError,
    Message,
    Role,
    RoomChange,
    RoomChangedEvent,
    RoomHistoryClient,
    RoomHistoryError,
    RoomMirror,
    RoomNotFollowedError,
    enum_name,
)


def user(text: str) -> Message:
    return Message(role=Role.ROLE_USER, content=text)


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def test_a_call_on_a_closed_client_is_a_client_closed_error(server: ServerProcess, room: str) -> None:
    c = RoomHistoryClient(server.address)
    c.get_room_info(room)
    c.close()
    with pytest.raises(ClientClosedError) as raised:
        c.get_room_info(room)
    assert isinstance(raised.value, CancelledError) and isinstance(raised.value, RoomHistoryError)
    with pytest.raises(ClientClosedError):
        c.watch([room])


async def test_a_call_on_a_closed_async_client_is_a_client_closed_error(server: ServerProcess, room: str) -> None:
    c = AsyncRoomHistoryClient(server.address)
    await c.get_room_info(room)
    await c.close()
    with pytest.raises(ClientClosedError):
        await c.get_room_info(room)
    with pytest.raises(ClientClosedError):
        c.watch([room])


async def test_closing_the_async_client_ends_its_watches(server: ServerProcess, client: RoomHistoryClient, room: str) -> None:
    c = AsyncRoomHistoryClient(server.address)
    created = asyncio.Event()
    changes = c.watch([room], progress_interval=0.5, on_created=lambda *_: created.set())
    seen: list[RoomChange] = []
    arrived = asyncio.Event()

    async def consume() -> None:
        async for change in changes:
            seen.append(change)
            arrived.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(created.wait(), 10)
    client.append_messages(room, [user("before close")])
    await asyncio.wait_for(arrived.wait(), 10)
    await c.close()
    await asyncio.wait_for(task, 5)  # the iteration ended by itself
    client.append_messages(room, [user("after close")])
    await asyncio.sleep(0.3)
    assert [ch.version for ch in seen] == [1]


def test_a_raising_on_change_does_not_stop_the_mirror(
    client: RoomHistoryClient, room: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("listener bug")

    with caplog.at_level(logging.ERROR, logger="roomhistory"), RoomMirror(client, [room], on_change=broken) as mirror:
        client.append_messages(room, [user("1")])
        mirror.wait_for_version(room, 1, timeout=10)
        mirror.append(room, [user("2")])
        client.append_messages(room, [user("3")])
        mirror.wait_for_version(room, 3, timeout=10)
        assert [m.content for m in mirror.get_messages(room)] == ["1", "2", "3"]
        assert mirror.version(room) == 3
    assert "listener bug" in caplog.text


async def test_a_raising_on_change_does_not_stop_the_async_mirror(
    aclient: AsyncRoomHistoryClient, room: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("listener bug")

    with caplog.at_level(logging.ERROR, logger="roomhistory"):
        async with AsyncRoomMirror(aclient, [room], on_change=broken) as mirror:
            await aclient.append_messages(room, [user("1")])
            await mirror.wait_for_version(room, 1, timeout=10)
            await mirror.append(room, [user("2")])  # the write succeeded: the listener's error is not ours
            await aclient.append_messages(room, [user("3")])
            await mirror.wait_for_version(room, 3, timeout=10)
            assert [m.content for m in mirror.get_messages(room)] == ["1", "2", "3"]
    assert "listener bug" in caplog.text


async def test_async_wait_for_version_raises_the_builtin_timeout_error(aclient: AsyncRoomHistoryClient, room: str) -> None:
    async with AsyncRoomMirror(aclient, [room]) as mirror:
        with pytest.raises(TimeoutError) as raised:
            await mirror.wait_for_version(room, 99, timeout=0.05)
        assert type(raised.value) is TimeoutError


def test_a_room_not_followed_is_a_room_not_followed_error(client: RoomHistoryClient, room: str) -> None:
    with RoomMirror(client, [room]) as mirror:
        with pytest.raises(RoomNotFollowedError) as raised:
            mirror.version("other")
        assert raised.value.room_id == "other"
        mirror.unfollow(room)
        with pytest.raises(RoomNotFollowedError):
            mirror.get_messages(room)
        with pytest.raises(KeyError):  # also a KeyError, as before
            mirror.version(room)


async def test_a_room_not_followed_by_the_async_mirror(aclient: AsyncRoomHistoryClient, room: str) -> None:
    async with AsyncRoomMirror(aclient, [room]) as mirror:
        with pytest.raises(RoomNotFollowedError):
            mirror.version("other")
        with pytest.raises(RoomNotFollowedError):
            await mirror.wait_for_version("other", 1)


def test_rooms_added_to_and_removed_from_an_open_watch(client: RoomHistoryClient) -> None:
    a, b = unique("add-a"), unique("add-b")
    created, removed = threading.Event(), threading.Event()
    # On the open WatchRooms stream: an add is answered by `created`, a remove by `cancelled` (REMOVED).
    with client.watch([a], progress_interval=0.5, on_created=lambda *_: created.set(),
                      on_cancelled=lambda _: removed.set()) as stream:
        got: list[tuple[str, int]] = []
        reader = threading.Thread(target=lambda: got.extend((c.room_id, c.version) for c in stream), daemon=True)
        reader.start()
        assert created.wait(10)
        created.clear()
        stream.add([b])
        assert stream.rooms == [a, b]
        assert created.wait(10)
        client.append_messages(b, [user("b1")])
        client.append_messages(a, [user("a1")])
        _wait(lambda: len(got) == 2)
        stream.remove([a])
        assert removed.wait(10)
        client.append_messages(a, [user("a2")])
        client.append_messages(b, [user("b2")])
        _wait(lambda: len(got) == 3)
        assert sorted(got) == [(a, 1), (b, 1), (b, 2)]
        assert stream.cursors == {b: 2}
    reader.join(5)


async def test_rooms_added_to_and_removed_from_an_open_async_watch(aclient: AsyncRoomHistoryClient) -> None:
    a, b = unique("aadd-a"), unique("aadd-b")
    created, removed = asyncio.Event(), asyncio.Event()
    stream = aclient.watch([a], progress_interval=0.5, on_created=lambda *_: created.set(),
                           on_cancelled=lambda _: removed.set())
    got: list[tuple[str, int]] = []
    arrived = asyncio.Event()

    async def consume() -> None:
        async for c in stream:
            got.append((c.room_id, c.version))
            arrived.set()

    task = asyncio.create_task(consume())
    try:
        await asyncio.wait_for(created.wait(), 10)
        created.clear()
        stream.add([b])
        assert stream.rooms == [a, b]
        await asyncio.wait_for(created.wait(), 10)
        await aclient.append_messages(b, [user("b1")])
        await aclient.append_messages(a, [user("a1")])
        await _await(lambda: len(got) == 2, arrived)
        stream.remove([a])
        await asyncio.wait_for(removed.wait(), 10)
        await aclient.append_messages(a, [user("a2")])
        await aclient.append_messages(b, [user("b2")])
        await _await(lambda: len(got) == 3, arrived)
        assert sorted(got) == [(a, 1), (b, 1), (b, 2)]
        assert stream.cursors == {b: 2}
    finally:
        await stream.aclose()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


def _wait(check: Callable[[], bool], timeout: float = 10) -> None:
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not done.is_set() and not check():
            done.wait(0.01)
        assert check(), "timed out"
    finally:
        deadline.cancel()


async def _await(check: Callable[[], bool], arrived: asyncio.Event, timeout: float = 10) -> None:
    """Waits until `check()` holds, re-checking each time `arrived` is set."""
    async def until() -> None:
        while not check():
            arrived.clear()
            await arrived.wait()

    await asyncio.wait_for(until(), timeout)


def test_mirror_events_carry_the_change(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("before")])
    events: list[RoomChangedEvent] = []
    with RoomMirror(client, [room], on_event=events.append) as mirror:
        mirror.append(room, [user("own")])
        client.append_messages(room, [user("theirs")])
        mirror.wait_for_version(room, 3, timeout=10)
    assert [(e.room_id, e.version, enum_name(ChangeKind, e.change.kind), e.refetched) for e in events] == [
        (room, 1, "resync", True),  # the first load
        (room, 2, "append", False),  # the mirror's own append
        (room, 3, "append", False),  # from the watch
    ]
    assert [m.content for m in events[2].change.messages] == ["theirs"]


async def test_async_mirror_events_carry_the_change(aclient: AsyncRoomHistoryClient, room: str) -> None:
    await aclient.append_messages(room, [user("before")])
    events: list[RoomChangedEvent] = []
    async with AsyncRoomMirror(aclient, [room], on_event=events.append) as mirror:
        await mirror.append(room, [user("own")])
        await aclient.append_messages(room, [user("theirs")])
        await mirror.wait_for_version(room, 3, timeout=10)
    assert [(e.version, enum_name(ChangeKind, e.change.kind), e.refetched) for e in events] == [
        (1, "resync", True), (2, "append", False), (3, "append", False),
    ]
