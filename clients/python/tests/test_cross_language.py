"""Python and TypeScript against one server: a TypeScript writer and a Python mirror converge, a Python
writer and a TypeScript RoomMirror converge, a Python conditional write conflicts with a TypeScript
writer, and messages cross between the languages byte for byte. The TypeScript side is tests/ts/*.ts,
run with `node --import tsx` on the TypeScript client package (clients/ts)."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest
from procs import ServerProcess, run_ts, spawn_ts
from rich_messages import rich_messages, wire_fields, without_seq

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    Message,
    Role,
    RoomHistoryClient,
    VersionConflictError,
)


def decode(b64_messages: list[str]) -> list[bytes]:
    return [base64.b64decode(b) for b in b64_messages]


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


async def test_typescript_writer_python_mirror_converge(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, server: ServerProcess, room: str
) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="from Python first")])
    async with AsyncRoomMirror(aclient, [room], progress_interval=0.2) as mirror:
        out = await asyncio.to_thread(run_ts, "writer.ts", server.address, room, "12")
        version = json.loads(out)["version"]
        await mirror.wait_for_version(room, version, timeout=30)
        history = client.get_history(room)
        assert history.version == version
        assert mirror.get_messages(room) == list(history.messages)
        contents = [m.content for m in mirror.get_messages(room)]
        assert contents[:3] == ["from Python first", "edited in TypeScript", "and a reply ✓"]
        assert mirror.get_messages(room)[4].reactions[0].emoji == "🚀"


@pytest.fixture
def ts_mirror(server: ServerProcess, room: str) -> Iterator[subprocess.Popen[str]]:
    proc = spawn_ts("mirror.ts", server.address, room)
    yield proc
    proc.kill()
    proc.wait()


def ts_reply(proc: subprocess.Popen[str]) -> dict[str, object]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"mirror.ts ended: {proc.stderr.read() if proc.stderr else ''}")
    result: dict[str, object] = json.loads(line)
    return result


def test_python_writer_typescript_mirror_converge(
    client: RoomHistoryClient, ts_mirror: subprocess.Popen[str], room: str
) -> None:
    assert ts_reply(ts_mirror) == {"ready": True}
    assert ts_mirror.stdin is not None
    client.set_room_limit(room, 50)
    client.append_messages(room, [Message(role=Role.ROLE_USER, content=f"py {i}", id=f"p{i}") for i in range(45)])
    client.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content=f"py reply {i}") for i in range(10)])
    client.update_message(room, "p20", "edited in Python ✎")
    client.mark_deleted(room, "p21")
    client.patch_reactions(room, "p22", {"🐍": 1})
    version = client.append_messages(room, rich_messages(room)).version
    for target in (3, version):  # a version on the way, then the last one
        ts_mirror.stdin.write(f"{target}\n")
        ts_mirror.stdin.flush()
        reply = ts_reply(ts_mirror)
        assert isinstance(reply["version"], int) and reply["version"] >= target
    ts_mirror.stdin.close()
    history = client.get_history(room)
    assert reply["version"] == history.version == version
    assert isinstance(reply["messages"], list)
    ts_messages = decode(reply["messages"])
    assert [Message.FromString(b) for b in ts_messages] == list(history.messages)
    assert [wire_fields(b) for b in ts_messages] == [wire_fields(m.SerializeToString()) for m in history.messages]


async def test_python_conditional_write_conflicts_with_typescript_writer(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, server: ServerProcess, room: str
) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="seen by Python")])
    async with AsyncRoomMirror(aclient, [room], progress_interval=60) as mirror:
        await mirror._stop_watch()  # the copy stays at version 1 while TypeScript writes
        seen = mirror.version(room)
        version = json.loads(await asyncio.to_thread(run_ts, "writer.ts", server.address, room, "3"))["version"]
        with pytest.raises(VersionConflictError) as caught:
            client.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content="stale")], expected_version=seen)
        assert (caught.value.current_version, caught.value.expected_version) == (version, seen)
        with pytest.raises(VersionConflictError) as caught:
            await mirror.append(room, [Message(role=Role.ROLE_ASSISTANT, content="stale")])
        assert caught.value.current_version == version
        assert mirror.version(room) == version  # refreshed before raising
        assert mirror.get_messages(room) == list(client.get_history(room).messages)


def test_messages_round_trip_byte_for_byte(client: RoomHistoryClient, server: ServerProcess, room: str) -> None:
    fixture = rich_messages(room)
    py_room, ts_room = room + "-py", room + "-ts"

    # Written by Python, and by TypeScript from the same bytes (decoded and re-encoded by ts-proto).
    client.append_messages(py_room, fixture)
    lines = "".join(base64.b64encode(m.SerializeToString()).decode() + "\n" for m in fixture)
    run_ts("roundtrip.ts", "write", server.address, ts_room, input=lines)

    for written in (py_room, ts_room):
        py_read = list(client.get_history(written).messages)
        ts_read = decode(json.loads(run_ts("roundtrip.ts", "read", server.address, written))["messages"])
        # Every field stored as written (seq is the server's), whoever wrote it.
        assert without_seq(py_read) == fixture
        # Both languages read the same messages, byte for byte.
        assert [Message.FromString(b) for b in ts_read] == py_read
        assert [wire_fields(b) for b in ts_read] == [wire_fields(m.SerializeToString()) for m in py_read]
        # Strings survive as the same UTF-8 bytes.
        for ts_bytes, m in zip(ts_read, py_read, strict=True):
            assert m.content.encode("utf-8") in ts_bytes
            assert all(v.encode("utf-8") in ts_bytes for v in m.metadata.values())
            assert all(c.arguments.encode("utf-8") in ts_bytes for c in m.tool_calls)
