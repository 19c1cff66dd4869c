"""AsyncRoomHistoryClient against the real server: the same methods and errors as the blocking client."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from procs import ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    DeadlineExceededError,
    IdMarkers,
    InvalidArgumentError,
    Message,
    NotFoundError,
    ResourceExhaustedError,
    Role,
    VersionConflictError,
)


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def user(text: str, **kw: Any) -> Message:
    return Message(role=Role.ROLE_USER, content=text, **kw)


async def test_every_method(aclient: AsyncRoomHistoryClient, room: str) -> None:
    appended = await aclient.append_messages(room, [user("hi", id="m1")], expected_version=0)
    assert appended.version == 1 and appended.messages[0].seq == 1
    assert (await aclient.get_history(room)).messages[0] == appended.messages[0]
    rendered = await aclient.render_messages(
        room, {"room_name": "Async"}, include_thinking=True, id_markers=IdMarkers.ID_MARKERS_OFF
    )
    assert rendered.version == 1 and rendered.messages[-1].content == "hi"
    assert (await aclient.update_message(room, "m1", "hi!", expected_version=1)).message.content == "hi!"
    assert (await aclient.mark_deleted(room, "m1")).message.HasField("deleted_at")
    assert (await aclient.patch_reactions(room, "m1", {"👍": 3})).message.reactions[0].count == 3
    assert (await aclient.set_room_limit(room, 2000)).limit == 1000
    assert (await aclient.discard_rebackfill(room)).version == 6
    info = await aclient.get_room_info(room)
    assert (info.version, info.message_count, info.last_role) == (6, 1, Role.ROLE_USER)
    assert (await aclient.clear_room(room)).version == 7


async def test_list_rooms(aclient: AsyncRoomHistoryClient) -> None:
    prefix = unique("alist")
    for i in range(3):
        await aclient.append_messages(f"{prefix}-{i}", [user("x")])
    ids: list[str] = []
    token = ""
    while True:
        page = await aclient.list_rooms(page_size=50, page_token=token)
        ids += page.room_ids
        if not (token := page.next_page_token):
            break
    assert [r for r in ids if r.startswith(prefix)] == [f"{prefix}-{i}" for i in range(3)]


async def test_typed_errors(aclient: AsyncRoomHistoryClient, room: str) -> None:
    await aclient.append_messages(room, [user("1")])
    with pytest.raises(VersionConflictError) as conflict:
        await aclient.append_messages(room, [user("2")], expected_version=0)
    assert conflict.value.current_version == 1
    with pytest.raises(NotFoundError):
        await aclient.mark_deleted(room, "missing")
    with pytest.raises(InvalidArgumentError) as invalid:
        await aclient.clear_room("")
    assert invalid.value.field == "room_id"
    with pytest.raises(ResourceExhaustedError):
        await aclient.append_messages(room, [user("x" * (1024 * 1024 + 1))])



async def test_deadline_exceeded() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never speaks HTTP/2
        async with AsyncRoomHistoryClient(f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.2) as stuck:
            with pytest.raises(DeadlineExceededError):
                await stuck.get_room_info("r")
