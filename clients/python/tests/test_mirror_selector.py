"""A mirror of a whole namespace or prefix (follow_selector), against a real server, sync and asyncio:
the rooms there now are loaded, rooms created or moved in later join, a room moved out is dropped, and
unfollow_selector forgets the rooms only the selector brought in."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from procs import ServerProcess, unique

from roomhistory import AsyncRoomHistoryClient, AsyncRoomMirror, Message, Role, RoomHistoryClient, RoomMirror
from roomhistory.errors import RoomNotFollowedError


def user(content: str) -> Message:
    return Message(role=Role.ROLE_USER, content=content)


class Seen:
    """Rooms the mirror reported a change of, to wait on (the mirror calls on_change on its own thread)."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self._cond = threading.Condition()

    def __call__(self, room_id: str, version: int) -> None:
        with self._cond:
            self.versions[room_id] = version
            self._cond.notify_all()

    def wait(self, check: Callable[[], bool], timeout: float = 15) -> None:
        with self._cond:
            assert self._cond.wait_for(check, timeout), f"not reached; seen {self.versions}"


def test_a_sync_mirror_holds_a_namespace_as_rooms_move_in_and_out(client: RoomHistoryClient) -> None:
    ns, other = unique("ns"), unique("room")
    a, b = unique("room"), unique("room")
    client.append_messages(a, [user("in a")])
    client.update_room_metadata(a, namespace=ns)
    seen = Seen()
    with RoomMirror(client, [other], on_change=seen) as mirror:
        mirror.follow_selector(namespace=ns)
        assert [m.content for m in mirror.get_messages(a)] == ["in a"]

        client.append_messages(b, [user("in b")])
        moved = client.update_room_metadata(b, namespace=ns).version
        seen.wait(lambda: seen.versions.get(b, 0) >= moved)
        assert [m.content for m in mirror.get_messages(b)] == ["in b"]

        client.update_room_metadata(a, namespace="")
        seen.wait(lambda: a not in mirror.rooms)
        with pytest.raises(RoomNotFollowedError):
            mirror.get_messages(a)

        mirror.unfollow_selector(namespace=ns)
        assert mirror.rooms == [other]  # the room followed by id stays


def test_a_sync_mirror_of_a_prefix_finds_rooms_created_later(client: RoomHistoryClient) -> None:
    prefix = unique("pfx") + "/"
    seen = Seen()
    with RoomMirror(client, on_change=seen) as mirror:
        mirror.follow_selector(prefix=prefix)
        assert mirror.rooms == []
        client.append_messages(prefix + "new", [user("hello")])
        seen.wait(lambda: seen.versions.get(prefix + "new", 0) >= 1)
        assert [m.content for m in mirror.get_messages(prefix + "new")] == ["hello"]
        mirror.append(prefix + "new", [user("from the mirror")])
        assert mirror.version(prefix + "new") == 2


async def test_an_asyncio_mirror_holds_a_namespace(client: RoomHistoryClient, server: ServerProcess) -> None:
    ns, a, b = unique("ns"), unique("room"), unique("room")
    client.append_messages(a, [user("in a")])
    client.update_room_metadata(a, namespace=ns)
    async with AsyncRoomHistoryClient(server.address) as aclient, AsyncRoomMirror(aclient) as mirror:
        await mirror.follow_selector(namespace=ns)
        assert [m.content for m in mirror.get_messages(a)] == ["in a"]
        await aclient.append_messages(b, [user("in b")])
        moved = (await aclient.update_room_metadata(b, namespace=ns)).version
        await asyncio.wait_for(wait_until(mirror, lambda: b in mirror.rooms and mirror.version(b) >= moved), 15)
        await aclient.update_room_metadata(a, namespace="")
        await asyncio.wait_for(wait_until(mirror, lambda: a not in mirror.rooms), 15)
        await mirror.unfollow_selector(namespace=ns)
        assert mirror.rooms == []


async def wait_until(mirror: AsyncRoomMirror, check: Callable[[], bool]) -> None:
    """Waits on the mirror's own condition (notified on every change it applies)."""
    async with mirror._changed:
        await mirror._changed.wait_for(check)
