"""Duplicate message ids against the real server: the server patches the NEWEST message with an id, and both
mirrors apply the change to that same message (by seq; the newest with the id for a legacy entry without
one) without reading the room, ending equal to GetHistory."""

from __future__ import annotations

import json
import socket
from typing import Any

from procs import RedisProcess, ServerProcess, unique

from roomhistory import AsyncRoomHistoryClient, AsyncRoomMirror, Message, Role, RoomHistoryClient, RoomMirror


def redis_command(redis: RedisProcess, *args: str) -> bytes:
    """One command in RESP, for writing what a legacy worker writes (no Redis client library needed)."""
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    with socket.create_connection(("127.0.0.1", redis.port), timeout=5) as s:
        s.sendall(b"".join(parts))
        reply = s.recv(1024)
    assert not reply.startswith(b"-"), reply
    return reply


def write_legacy_room(redis: RedisProcess, server: ServerProcess, room: str) -> None:
    """Three entries as the Python ConversationManager writes them, two with the id L, at version 3."""
    key = f"{server.env['ROOMHISTORY_KEY_PREFIX']}:{{{room}}}"
    entries = [("user", "[Message ID: L] ana: older"), ("assistant", "hello"), ("user", "[Message ID: L] ana: newer")]
    redis_command(redis, "RPUSH", key, *(json.dumps({"role": r, "content": c}) for r, c in entries))
    redis_command(redis, "SET", f"{key}:ver", "3")


class Reads:
    """Counts the GetHistory calls a mirror makes after its first load."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        real = client.get_history

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)

        client.get_history = counted


def test_sync_mirror_patches_the_newest_duplicate(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content=t, id="dup") for t in ("first", "second")])
    with RoomMirror(client, [room], progress_interval=0.2) as mirror:
        reads = Reads(client)
        edited = client.update_message(room, "dup", "second, edited")
        assert edited.message.seq == 2
        reacted = client.patch_reactions(room, "dup", {"👍": 1})
        mirror.wait_for_version(room, reacted.version, timeout=10)
        messages = mirror.get_messages(room)
        assert [m.content for m in messages] == ["first", "second, edited"]
        assert list(messages[0].reactions) == [] and messages[1].reactions[0].emoji == "👍"
        assert reads.count == 0
    assert messages == list(client.get_history(room).messages)


async def test_async_mirror_patches_the_newest_legacy_duplicate(
    redis: RedisProcess, server: ServerProcess, client: RoomHistoryClient
) -> None:
    room = unique("dup-legacy")
    write_legacy_room(redis, server, room)
    async with AsyncRoomHistoryClient(server.address) as ac, AsyncRoomMirror(ac, [room], progress_interval=0.2) as m:
        assert [(x.id, x.seq) for x in m.get_messages(room)] == [("L", 0), ("", 0), ("L", 0)]
        reads = Reads(ac)
        deleted = client.mark_deleted(room, "L")
        await m.wait_for_version(room, deleted.version, timeout=10)
        messages = m.get_messages(room)
        assert not messages[0].HasField("deleted_at") and messages[2].HasField("deleted_at")
        assert reads.count == 0
    assert messages == list(client.get_history(room).messages)


def test_sync_mirror_patches_the_newest_legacy_duplicate(
    redis: RedisProcess, server: ServerProcess, client: RoomHistoryClient
) -> None:
    room = unique("dup-legacy")
    write_legacy_room(redis, server, room)
    with RoomMirror(client, [room], progress_interval=0.2) as mirror:
        reads = Reads(client)
        updated = client.update_message(room, "L", "newer, edited")
        mirror.wait_for_version(room, updated.version, timeout=10)
        messages = mirror.get_messages(room)
        assert reads.count == 0
    assert "older" in messages[0].content and messages[2].content.endswith("newer, edited")
    assert messages == list(client.get_history(room).messages)
