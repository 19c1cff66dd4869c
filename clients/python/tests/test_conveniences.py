"""The conveniences around the generated code: enums by name, the OpenAI form, timezone-aware datetimes,
ListRooms as an iterator, and the compare-and-set retry helper."""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from procs import ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    ChangeKind,
    ContentPart,
    ImageUrl,
    Message,
    RetryPolicy,
    Role,
    RoomHistoryClient,
    ToolCall,
    VersionConflictError,
    change_kind,
    enum_name,
    from_datetime,
    from_openai,
    retry_on_conflict,
    retry_on_conflict_async,
    role,
    to_datetime,
    to_openai,
)
from roomhistory.v1 import room_history_service_pb2 as pb


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def test_enums_by_name() -> None:
    assert role("user") == role("USER") == role("ROLE_USER") == role(1) == Role.ROLE_USER
    assert role("developer") == Role.ROLE_SYSTEM
    assert change_kind("resync") == ChangeKind.CHANGE_KIND_RESYNC
    assert enum_name(Role, Role.ROLE_ASSISTANT) == "assistant"
    assert enum_name(ChangeKind, ChangeKind.CHANGE_KIND_APPEND) == "append"
    assert Message(role=role("tool")).role == Role.ROLE_TOOL
    with pytest.raises(ValueError):
        role("robot")
    with pytest.raises(ValueError):
        role(99)


OPENAI: list[dict[str, Any]] = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
    ]},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "a"}'}},
    ]},
    {"role": "tool", "content": "a cat", "tool_call_id": "call_1"},
    {"role": "assistant", "content": "A cat."},
]


def test_openai_round_trip() -> None:
    messages = from_openai(OPENAI)
    assert messages[1].parts[1] == ContentPart(image_url=ImageUrl(url="https://example.com/a.png", detail="low"))
    assert messages[2].tool_calls[0] == ToolCall(id="call_1", name="lookup", arguments='{"q": "a"}')
    assert messages[3].role == Role.ROLE_TOOL and messages[3].tool_call_id == "call_1"
    assert to_openai(messages) == OPENAI


OPENAI_VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "testdata" / "openai-vectors.json").read_text(encoding="utf-8")
)


def _messages(items: list[dict[str, Any]]) -> list[Message]:
    return [json_format.ParseDict(m, Message()) for m in items]


@pytest.mark.parametrize("case", OPENAI_VECTORS["round_trip"], ids=lambda c: str(c["name"]))
def test_openai_vectors_round_trip(case: dict[str, Any]) -> None:
    assert to_openai(_messages(case["messages"])) == case["openai"]
    assert from_openai(case["openai"]) == _messages(case["messages"])


@pytest.mark.parametrize("case", OPENAI_VECTORS["from_openai"], ids=lambda c: str(c["name"]))
def test_openai_vectors_from_openai(case: dict[str, Any]) -> None:
    assert from_openai(case["openai"]) == _messages(case["messages"])


def test_datetimes_are_timezone_aware() -> None:
    assert to_datetime(Message().created_at) is None
    paris = datetime.timezone(datetime.timedelta(hours=1))
    when = datetime.datetime(2026, 11, 21, 11, 0, tzinfo=paris)
    back = to_datetime(from_datetime(when))
    assert back == when and back is not None and back.tzinfo == datetime.timezone.utc
    assert to_datetime(from_datetime(datetime.datetime(2026, 11, 21, 10, 0))) == when  # naive is UTC


def test_mark_deleted_takes_an_aware_datetime(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="x", id="m1")])
    when = datetime.datetime(2026, 11, 21, 11, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    deleted = client.mark_deleted(room, "m1", deleted_at=when)
    assert to_datetime(deleted.message.deleted_at) == when


def test_iter_rooms(client: RoomHistoryClient) -> None:
    prefix = unique("iter")
    for i in range(5):
        client.append_messages(f"{prefix}-{i}", [Message(role=Role.ROLE_USER, content="x")])
    assert [r for r in client.iter_rooms(page_size=2) if r.startswith(prefix)] == [f"{prefix}-{i}" for i in range(5)]


async def test_iter_rooms_async(aclient: AsyncRoomHistoryClient) -> None:
    prefix = unique("aiter")
    for i in range(3):
        await aclient.append_messages(f"{prefix}-{i}", [Message(role=Role.ROLE_USER, content="x")])
    ids = [r async for r in aclient.iter_rooms(page_size=2) if r.startswith(prefix)]
    assert ids == [f"{prefix}-{i}" for i in range(3)]


async def test_many_writers_of_one_room_all_get_through(aclient: AsyncRoomHistoryClient, room: str) -> None:
    conflicts = 0

    async def write(n: int) -> pb.AppendMessagesResponse:
        async def attempt() -> pb.AppendMessagesResponse:
            nonlocal conflicts
            version = (await aclient.get_room_info(room)).version
            try:
                return await aclient.append_messages(
                    room, [Message(role=Role.ROLE_USER, content=str(n))], expected_version=version
                )
            except VersionConflictError:
                conflicts += 1
                raise

        return await retry_on_conflict_async(attempt)

    writers = 30
    await asyncio.gather(*(write(n) for n in range(writers)))
    assert (await aclient.get_room_info(room)).version == writers
    assert conflicts < writers * 10  # jitter spreads them out: far fewer than the writers squared


def test_retry_on_conflict_gives_up_after_its_attempts(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="x")])
    calls = 0

    def stale() -> pb.AppendMessagesResponse:
        nonlocal calls
        calls += 1
        return client.append_messages(room, [Message(role=Role.ROLE_USER, content="y")], expected_version=0)

    with pytest.raises(VersionConflictError):
        retry_on_conflict(stale, RetryPolicy(initial=0.001, maximum=0.002, max_attempts=3))
    assert calls == 3
