"""The Echo bot importer (roomhistory.importers.echo) on the reference example (the bot's "Conversation JSON
Format", with its tool call message added), the same records as the TypeScript client's
echoConversationToRecords, and the room imported into a real server."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from procs import ServerProcess, run_ts

from roomhistory import MessageKind, Role, RoomHistoryClient, read_export_file, write_export_file
from roomhistory.convert import to_datetime
from roomhistory.importers import echo_conversation_to_records
from roomhistory.v1 import export_pb2 as export

#: The reference's Conversation JSON example, with its tool call message and a response to it.
CONVERSATION: dict[str, Any] = {
    "created_at": "2025-11-25T10:30:00.000000",
    "updated_at": "2025-11-25T10:35:00.000000",
    "summary": "User asked about async programming",
    "guild_id": "987654321",
    "guild_name": "My Discord Server",
    "requester": "123456789012345678",
    "participants": ["123456789012345678", "987654321012345678"],
    "history": [
        {"created_at": "2025-11-25T10:30:00.123456", "message_type": "chat", "message_content": "Hello, Echo!",
         "meta": {"requester": "123456789012345678"}},
        {"created_at": "2025-11-25T10:30:02.123456", "message_type": "thinking",
         "message_content": "Processing request...", "meta": {}},
        {"created_at": "2025-11-25T10:30:03.123456", "message_type": "chat",
         "message_content": "Hi! How can I help you?", "meta": {}},
        {"created_at": "2025-11-25T10:30:05.123456", "message_type": "tool_call",
         "message_content": "Calling search_documents",
         "meta": {"tools": [{"name": "search_documents", "params": {"query": "python async", "limit": 5}}]}},
        {"created_at": "2025-11-25T10:30:06.5", "message_type": "tool_call_response",
         "message_content": "Found 5 documents matching the query", "meta": {}},
        {"created_at": "2025-11-25T10:30:07Z", "message_type": "chat", "message_content": "Thanks ✓",
         "meta": {"requester": "987654321012345678"}},
    ],
}
FILE = "2025-11-25_conversation-with-123456789012345678-in-987654321.json"


def test_the_reference_conversation_becomes_one_room() -> None:
    header, record = echo_conversation_to_records(CONVERSATION, file_name=f"/saved/{FILE}", labels=["echo", "echo"])
    assert header.header.source == "echo-bot" and header.header.format == "roomhistory.export.v1"
    room = record.room
    assert room.room_id == FILE.removesuffix(".json")
    assert (room.version, room.last_seq) == (6, 6)
    assert room.metadata.namespace == "987654321"
    assert room.metadata.title == "My Discord Server 2025-11-25"
    assert room.metadata.summary == "User asked about async programming"
    assert list(room.metadata.labels) == ["echo"]
    assert str(to_datetime(room.created_at)) == "2025-11-25 10:30:00+00:00"
    assert str(to_datetime(room.updated_at)) == "2025-11-25 10:35:00+00:00"

    m = room.messages
    assert [x.id for x in m] == [f"echo-{n}" for n in range(1, 7)] and [x.seq for x in m] == list(range(1, 7))
    assert (m[0].role, m[0].sender, m[0].content) == (Role.ROLE_USER, "123456789012345678", "Hello, Echo!")
    assert m[0].created_at.nanos == 123456000
    assert (m[1].role, m[1].kind) == (Role.ROLE_ASSISTANT, MessageKind.MESSAGE_KIND_THINKING)
    assert (m[2].role, m[2].sender) == (Role.ROLE_ASSISTANT, "")
    assert m[3].role == Role.ROLE_ASSISTANT and m[3].content == "Calling search_documents"
    call = m[3].tool_calls[0]
    assert (call.id, call.name, json.loads(call.arguments)) == ("call_4_1", "search_documents",
                                                               {"query": "python async", "limit": 5})
    assert (m[4].role, m[4].tool_call_id) == (Role.ROLE_TOOL, "call_4_1")
    assert m[4].created_at.nanos == 500000000
    assert (m[5].role, m[5].sender) == (Role.ROLE_USER, "987654321012345678")

    people = {p.id: p for p in room.metadata.participants}
    assert list(people) == ["123456789012345678", "987654321012345678"]
    first = people["123456789012345678"]
    assert first.first_seen == m[0].created_at and first.last_seen == m[0].created_at
    assert people["987654321012345678"].first_seen == m[5].created_at


def test_room_id_and_namespace_options_and_bad_input() -> None:
    conv = {**CONVERSATION, "thread_id": "thread-1"}
    (record,) = echo_conversation_to_records(json.dumps(conv), header=False, namespace="")
    assert record.room.room_id == "thread-1" and record.room.metadata.namespace == ""
    (record,) = echo_conversation_to_records(conv, room_id="given", header=False)
    assert record.room.room_id == "given"
    with pytest.raises(ValueError, match="no room id"):
        echo_conversation_to_records(CONVERSATION)
    bad = copy.deepcopy(CONVERSATION)
    bad["history"][2]["message_type"] = "image"
    with pytest.raises(ValueError, match=r'history\[2\].message_type "image"'):
        echo_conversation_to_records(bad, room_id="r")
    orphan = {"history": [{"message_type": "tool_call_response", "message_content": "late"}]}
    (record,) = echo_conversation_to_records(orphan, room_id="r", header=False)
    assert record.room.messages[0].role == Role.ROLE_ASSISTANT and record.room.version == 1
    (empty,) = echo_conversation_to_records({}, room_id="r", header=False)
    assert (empty.room.version, empty.room.last_seq, len(empty.room.messages)) == (1, 0, 0)


@pytest.mark.parametrize("options", [{"fileName": FILE, "labels": ["b", "a"]}, {"roomId": "r", "namespace": "ns"}])
def test_python_and_typescript_make_the_same_records(options: dict[str, Any]) -> None:
    out = run_ts("transfer.ts", "echo", json.dumps(options), input=json.dumps(CONVERSATION))
    parsed = [export.ExportRecord.FromString(base64.b64decode(json.loads(line))) for line in out.splitlines()]
    ours = echo_conversation_to_records(
        CONVERSATION, file_name=options.get("fileName"), room_id=options.get("roomId"),
        namespace=options.get("namespace"), labels=options.get("labels", ()), header=False,
    )
    assert parsed == ours


def test_an_echo_file_imports_into_a_server(server: ServerProcess, client: RoomHistoryClient, tmp_path: Path) -> None:
    room = f"echo-{tmp_path.name}"
    path = tmp_path / "echo.jsonl"
    write_export_file(path, echo_conversation_to_records(CONVERSATION, room_id=room))
    result = client.import_rooms(read_export_file(path))
    assert (result.rooms_created, result.failed_count) == (1, 0), result
    history = client.get_history(room)
    assert [m.content for m in history.messages][:2] == ["Hello, Echo!", "Processing request..."]
    assert history.messages[4].tool_call_id == "call_4_1"
    info = client.get_room_info(room)
    assert info.metadata.title == "My Discord Server 2025-11-25" and info.metadata.namespace == "987654321"
