"""Paged reads against the real server: mirrors load and resync rooms page by page, and a read whose pages
come from different versions is started again (or fails for the retry loop when the room never settles)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from procs import ServerProcess

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    Message,
    Role,
    RoomChangedWhilePagingError,
    RoomHistoryClient,
    RoomMirror,
    read_window,
)


def say(client: RoomHistoryClient, room: str, *texts: str) -> int:
    return client.append_messages(room, [Message(role=Role.ROLE_USER, content=t) for t in texts]).version


class ChangingBetweenPages:
    """A client whose reads run ``between`` before every page after the first."""

    def __init__(self, client: RoomHistoryClient, between: Any) -> None:
        self._client = client
        self._between = between

    def get_history(self, room_id: str, **kwargs: Any) -> Any:
        if kwargs.get("page_token"):
            self._between()
        return self._client.get_history(room_id, **kwargs)


def test_mirror_loads_and_resyncs_in_pages(client: RoomHistoryClient, room: str) -> None:
    say(client, room, *[f"m{i}" for i in range(10)])
    with RoomMirror(client, [room], page_size=3) as mirror:
        assert [m.content for m in mirror.get_messages(room)] == [f"m{i}" for i in range(10)]
        version = say(client, room, "x" * 70_000, "y" * 70_000)  # too large for the change event
        mirror.wait_for_version(room, version, timeout=5)
        assert list(mirror.get_messages(room)) == list(client.get_history(room).messages)


async def test_async_mirror_loads_in_pages(server: ServerProcess, client: RoomHistoryClient, room: str) -> None:
    say(client, room, *[f"m{i}" for i in range(7)])
    async with AsyncRoomHistoryClient(server.address) as aclient:
        async with AsyncRoomMirror(aclient, [room], page_size=2) as mirror:
            assert [m.content for m in mirror.get_messages(room)] == [f"m{i}" for i in range(7)]
            version = say(client, room, "z" * 70_000)
            await asyncio.wait_for(mirror.wait_for_version(room, version), 5)
            assert mirror.get_messages(room)[-1].content == "z" * 70_000


def test_a_read_starts_again_when_the_room_changes_between_pages(client: RoomHistoryClient, room: str) -> None:
    say(client, room, *[f"m{i}" for i in range(7)])
    changes: list[int] = []

    def once() -> None:
        if not changes:
            changes.append(say(client, room, "late"))

    window = read_window(cast(RoomHistoryClient, ChangingBetweenPages(client, once)), room, page_size=3)
    now = client.get_history(room)
    assert window.version == now.version == changes[0]
    assert list(window.messages) == list(now.messages)


def test_a_room_that_never_settles_fails_for_the_retry_loop(client: RoomHistoryClient, room: str) -> None:
    say(client, room, *[f"m{i}" for i in range(7)])
    with pytest.raises(RoomChangedWhilePagingError):
        changing = ChangingBetweenPages(client, lambda: say(client, room, "more"))
        read_window(cast(RoomHistoryClient, changing), room, page_size=3)
