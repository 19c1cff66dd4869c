"""RoomHistoryClient (blocking) against the real server: every method, and the typed errors."""

from __future__ import annotations

import datetime
import json
import socket
import time
from typing import Any

import grpc
import pytest
from procs import free_port, unique

from roomhistory import (
    ContentPart,
    DeadlineExceededError,
    ImageUrl,
    InvalidArgumentError,
    Message,
    NotFoundError,
    Reaction,
    RenderForm,
    ResourceExhaustedError,
    RetryPolicy,
    Role,
    RoomHistoryClient,
    RoomHistoryError,
    ToolCall,
    UnavailableError,
    VersionConflictError,
)
from roomhistory.errors import ERROR_BY_CODE


def user(text: str, **kw: Any) -> Message:
    return Message(role=Role.ROLE_USER, content=text, **kw)


def test_append_then_get_history(client: RoomHistoryClient, room: str) -> None:
    r1 = client.append_messages(room, [user("hello", id="m1", sender="ana"), user("again")])
    assert r1.version == 1 and r1.trimmed == 0
    assert [m.seq for m in r1.messages] == [1, 2]
    assert r1.messages[0].id == "m1" and r1.messages[1].id.startswith("rh_")
    assert r1.messages[0].HasField("created_at")

    r2 = client.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content="hi ana")], expected_version=1)
    assert r2.version == 2

    history = client.get_history(room)
    assert history.version == 2
    assert [m.content for m in history.messages] == ["hello", "again", "hi ana"]
    assert list(history.messages[:2]) == list(r1.messages)
    assert [m.content for m in client.get_history(room, limit=1).messages] == ["hi ana"]
    assert [m.content for m in client.get_history(room, after_seq=1).messages] == ["again", "hi ana"]


def test_render_messages(client: RoomHistoryClient, room: str) -> None:
    call = ToolCall(id="c1", name="lookup", arguments='{"q": "x"}')
    client.append_messages(
        room,
        [
            user("what is x?"),
            Message(role=Role.ROLE_ASSISTANT, tool_calls=[call]),
            Message(role=Role.ROLE_TOOL, tool_call_id="c1", content="x is 1"),
            user("", parts=[ContentPart(text="look"), ContentPart(image_url=ImageUrl(url="https://e.x/a.png"))]),
        ],
    )
    rendered = client.render_messages(room, {"room_name": "Lobby", "sender": "ana"})
    assert rendered.version == 1
    assert rendered.messages[0].role == "system" and '"Lobby"' in rendered.messages[0].content
    assert [m.role for m in rendered.messages[1:]] == ["user", "assistant", "tool", "user"]
    assert rendered.messages[2].tool_calls[0].name == "lookup"
    assert rendered.messages[4].parts[1].image_url.url == "https://e.x/a.png"
    assert rendered.estimated_tokens > 0
    as_json = json.loads(client.render_messages(room, form=RenderForm.RENDER_FORM_JSON).messages_json)
    assert as_json[2]["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"q": "x"}'}


def test_edit_delete_and_react(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("first", id="m1")])
    updated = client.update_message(room, "m1", "first (edited)", expected_version=1)
    assert updated.version == 2 and updated.message.content == "first (edited)"
    assert updated.message.HasField("edited_at")

    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.timezone.utc)
    deleted = client.mark_deleted(room, "m1", deleted_at=when)
    assert deleted.version == 3 and deleted.message.deleted_at.ToDatetime(datetime.timezone.utc) == when
    assert deleted.message.content == "first (edited)"

    reacted = client.patch_reactions(room, "m1", {"👍": 2, "🎉": 0})
    assert reacted.version == 4
    assert [(r.emoji, r.count) for r in reacted.message.reactions] == [("👍", 2), ("🎉", 0)]
    again = client.patch_reactions(room, "m1", [Reaction(emoji="❤️", count=1)])
    assert [(r.emoji, r.count) for r in again.message.reactions] == [("❤️", 1)]
    assert client.get_history(room).messages[0] == again.message


def test_room_settings_and_info(client: RoomHistoryClient, room: str) -> None:
    assert client.get_room_info(room).version == 0
    client.append_messages(room, [user("a"), Message(role=Role.ROLE_ASSISTANT, content="b")])
    info = client.get_room_info(room)
    assert (info.version, info.message_count, info.entry_count, info.last_role) == (1, 2, 2, Role.ROLE_ASSISTANT)
    assert info.HasField("updated_at")

    limited = client.set_room_limit(room, 10)  # clamped to 50
    assert (limited.limit, limited.version) == (50, 2)
    raised = client.set_room_limit(room, 400)
    assert raised.limit == 400 and raised.rebackfill_requested
    assert client.get_room_info(room).rebackfill_requested
    assert client.discard_rebackfill(room).version == 4
    assert not client.get_room_info(room).rebackfill_requested

    cleared = client.clear_room(room)
    assert cleared.version == 5
    assert list(client.get_history(room).messages) == []
    assert client.get_room_info(room).limit == 400


def test_list_rooms_pages_in_order(client: RoomHistoryClient) -> None:
    prefix = unique("list")
    mine = [f"{prefix}-{i}" for i in range(5)]
    for room_id in mine:
        client.append_messages(room_id, [user("x")])
    seen: list[str] = []
    token = ""
    while True:
        page = client.list_rooms(page_size=2, page_token=token)
        assert len(page.room_ids) <= 2
        seen.extend(page.room_ids)
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(seen)
    assert [r for r in seen if r.startswith(prefix)] == mine


def test_version_conflict_carries_the_current_version(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("1")])
    client.append_messages(room, [user("2")])
    with pytest.raises(VersionConflictError) as caught:
        client.append_messages(room, [user("stale")], expected_version=1)
    err = caught.value
    assert (err.current_version, err.expected_version, err.room_id) == (2, 1, room)
    assert err.code == grpc.StatusCode.ABORTED and err.reason == "VERSION_CONFLICT"
    with pytest.raises(VersionConflictError) as caught:
        client.update_message(room, "nope", "x", expected_version=0)
    assert caught.value.current_version == 2
    assert client.get_history(room).version == 2  # a failed call changes nothing


def test_not_found(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("x")])
    for call in (
        lambda: client.update_message(room, "missing", "y"),
        lambda: client.mark_deleted(room, "missing"),
        lambda: client.patch_reactions(room, "missing", {"👍": 1}),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.message_id == "missing" and caught.value.reason == "NOT_FOUND"


def test_invalid_argument_names_the_field(client: RoomHistoryClient, room: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.get_history("bad room id")
    assert caught.value.field == "room_id"
    with pytest.raises(InvalidArgumentError) as caught:
        client.append_messages(room, [user("ok"), Message(content="no role")])
    assert caught.value.field == "messages[1].role"
    with pytest.raises(InvalidArgumentError) as caught:
        client.append_messages(room, [Message(role=Role.ROLE_TOOL, content="r")])
    assert caught.value.field == "messages[0].tool_call_id"
    with pytest.raises(InvalidArgumentError) as caught:
        client.render_messages(room, template="missing.j2")
    assert "missing.j2" in caught.value.message


def test_resource_exhausted(client: RoomHistoryClient, room: str) -> None:
    with pytest.raises(ResourceExhaustedError) as caught:
        client.append_messages(room, [user("x")] * 501)
    assert caught.value.field == "messages"
    with pytest.raises(ResourceExhaustedError) as caught:
        client.render_messages(room, {"blob": "x" * 70_000})
    assert caught.value.field == "room_context"


def test_deadline_exceeded() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts TCP, never speaks HTTP/2
        with RoomHistoryClient(f"127.0.0.1:{silent.getsockname()[1]}", timeout=5) as stuck:
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError):
                stuck.get_history("r", timeout=0.2)
            assert time.monotonic() - started < 2


def test_unavailable_after_bounded_read_retries() -> None:
    policy = RetryPolicy(initial=0.01, maximum=0.02, max_attempts=3)
    with RoomHistoryClient(f"127.0.0.1:{free_port()}", timeout=5, retry=policy) as nowhere:
        with pytest.raises(UnavailableError):
            nowhere.get_history("r")
        with pytest.raises(UnavailableError):
            nowhere.append_messages("r", [user("x")])


def test_status_codes_map_to_exceptions_in_one_table() -> None:
    # ABORTED is an AbortedError; with reason VERSION_CONFLICT, its subclass VersionConflictError
    # (clients/testdata/error-vectors.json, tests/test_vectors.py).
    assert issubclass(VersionConflictError, ERROR_BY_CODE[grpc.StatusCode.ABORTED])
    assert ERROR_BY_CODE[grpc.StatusCode.NOT_FOUND] is NotFoundError
    assert ERROR_BY_CODE[grpc.StatusCode.INVALID_ARGUMENT] is InvalidArgumentError
    assert all(issubclass(cls, RoomHistoryError) for cls in ERROR_BY_CODE.values())
