"""Export and import (issue 12) through both clients against real servers: a namespace exported to a file
and imported into a second server (another key prefix) reads back identical (GetHistory bytes, metadata,
memory bank); import modes and failures; a stopped export; a malformed file; and mirrors following a room
across a metadata change and an import."""

from __future__ import annotations

import asyncio
import datetime
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from procs import RedisProcess, ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    ChangeKind,
    ExportFileError,
    Message,
    Role,
    RoomChangedEvent,
    RoomHistoryClient,
    RoomMirror,
    ToolCall,
    export_rooms_to_file,
    export_rooms_to_file_async,
    import_rooms_from_file,
    import_rooms_from_file_async,
    read_export_file,
)
from roomhistory.v1 import export_pb2 as export


@pytest.fixture
def second(redis: RedisProcess) -> Iterator[ServerProcess]:
    """Another server on the same redis-server, with a key prefix of its own: an empty store."""
    s = ServerProcess(redis.url)
    yield s
    s.stop()


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def fill_namespace(client: RoomHistoryClient, rooms: int = 3) -> tuple[str, list[str]]:
    """A namespace with an enabled bank and rooms carrying metadata, tool calls, settings and a summary."""
    ns = unique("xns")
    client.set_namespace_options(ns, memory_bank_enabled=True, max_tokens=500)
    ids = [unique("xroom") for _ in range(rooms)]
    for i, r in enumerate(ids):
        client.update_room_metadata(r, namespace=ns, title=f"Room {i} ✓", labels=["exported"], summary=f"s{i}")
        call = ToolCall(id="c1", name="lookup", arguments='{"q": 1}')
        client.append_messages(r, [
            Message(role=Role.ROLE_USER, content=f"question {i}", sender="u1"),
            Message(role=Role.ROLE_ASSISTANT, tool_calls=[call]),
            Message(role=Role.ROLE_TOOL, tool_call_id="c1", content="42"),
            Message(role=Role.ROLE_ASSISTANT, content="the answer is 42"),
        ])
        client.set_room_render_defaults(r, room_context={"lang": "en"})
        client.update_run_cursor(r, "run-1", next_seq=3, values={"step": "2"})
        version = client.get_history(r).version
        client.put_conversation_summary(r, f"- room {i} asked a question", version)
    return ns, ids


def assert_same_rooms(a: RoomHistoryClient, b: RoomHistoryClient, rooms: list[str], ns: str) -> None:
    for r in rooms:
        ha, hb = a.get_history(r), b.get_history(r)
        assert ha.SerializeToString() == hb.SerializeToString(), r
        ia, ib = a.get_room_info(r), b.get_room_info(r)
        assert ia.metadata == ib.metadata and ia.created_at == ib.created_at
        assert a.get_run_cursor(r, "run-1") == b.get_run_cursor(r, "run-1")
    bank_a, bank_b = a.get_memory_bank(ns), b.get_memory_bank(ns)
    assert bank_a.options == bank_b.options
    assert [(e.id, e.summary, e.covers_version) for e in bank_a.entries] == [
        (e.id, e.summary, e.covers_version) for e in bank_b.entries
    ]


def test_a_namespace_round_trips_through_a_file(
    client: RoomHistoryClient, second: ServerProcess, tmp_path: Path
) -> None:
    ns, rooms = fill_namespace(client)
    path = tmp_path / "ns.jsonl"
    seen: list[int] = []
    totals = export_rooms_to_file(client, path, namespace=ns, progress=lambda p: seen.append(p.records))
    assert (totals.records, totals.rooms, totals.namespaces) == (len(rooms) + 2, len(rooms), 1)
    assert seen == list(range(1, totals.records + 1))
    with RoomHistoryClient(second.address) as other:
        result = import_rooms_from_file(other, path)
        assert (result.rooms_created, result.namespaces_imported, result.failed_count) == (len(rooms), 1, 0)
        assert_same_rooms(client, other, rooms, ns)

        # Again: the rooms exist (ALREADY_EXISTS each, the namespace is replaced); then replaced.
        again = import_rooms_from_file(other, path)
        assert again.failed_count == len(rooms) and {f.code for f in again.failures} == {6}
        assert {f.room_id for f in again.failures} == set(rooms) and again.namespaces_imported == 1
        version = other.get_room_info(rooms[0]).version
        replaced = import_rooms_from_file(other, path, replace_existing=True)
        assert (replaced.rooms_replaced, replaced.failed_count) == (len(rooms), 0)
        assert other.get_room_info(rooms[0]).version > version  # never lowered: moved past the old one
        # expected_version: only the room at that version is replaced.
        one = [r for r in read_export_file(path) if r.WhichOneof("record") != "room" or r.room.room_id == rooms[0]]
        current = other.get_room_info(rooms[0]).version
        stale = other.import_rooms(one, expected_version=current - 1)
        assert stale.failed_count == 1 and stale.failures[0].current_version == current
        fresh = other.import_rooms(one, expected_version=current)
        assert (fresh.rooms_replaced, fresh.failed_count) == (1, 0)


async def test_the_asyncio_helpers_round_trip(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, second: ServerProcess, tmp_path: Path
) -> None:
    ns, rooms = await asyncio.to_thread(fill_namespace, client, 2)
    path = tmp_path / "async.jsonl"
    totals = await export_rooms_to_file_async(aclient, path, rooms)
    assert (totals.rooms, totals.namespaces) == (2, 0)
    records = [r async for r in aclient.export_rooms(namespace=ns)]
    assert records[0].header.format == "roomhistory.export.v1" and records[-1].namespace.options.namespace == ns
    async with AsyncRoomHistoryClient(second.address) as other:
        result = await import_rooms_from_file_async(other, path)
        assert (result.rooms_created, result.failed_count) == (2, 0)

        async def bank_only() -> AsyncIterator[export.ExportRecord]:
            for record in records:
                if record.WhichOneof("record") != "room":
                    yield record

        assert (await other.import_rooms(bank_only())).namespaces_imported == 1
    with RoomHistoryClient(second.address) as other_sync:
        await asyncio.to_thread(assert_same_rooms, client, other_sync, rooms, ns)


def test_leaving_an_export_early_cancels_it(client: RoomHistoryClient) -> None:
    _, rooms = fill_namespace(client, 2)
    records = client.export_rooms(rooms)
    assert next(records).WhichOneof("record") == "header"
    assert next(records).room.room_id == rooms[0]
    records.close()  # cancels the call; the client still works
    assert [r.room.room_id for r in client.export_rooms(rooms)][1:] == rooms


def test_a_malformed_file_stops_the_import_with_its_error(
    client: RoomHistoryClient, tmp_path: Path
) -> None:
    _, rooms = fill_namespace(client, 1)
    path = tmp_path / "bad.jsonl"
    export_rooms_to_file(client, path, rooms)
    with path.open("a", encoding="utf-8") as f:
        f.write("{broken\n")
    with pytest.raises(ExportFileError, match=":3: not JSON"):
        import_rooms_from_file(client, path, replace_existing=True)


def test_a_mirror_follows_a_metadata_change_and_an_import(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="before")])
    events: list[RoomChangedEvent] = []
    arrived = threading.Condition()

    def on_event(event: RoomChangedEvent) -> None:
        with arrived:
            events.append(event)
            arrived.notify_all()

    with RoomMirror(client, [room], progress_interval=0.2, on_event=on_event) as mirror:
        meta = client.update_room_metadata(room, title="renamed")
        mirror.wait_for_version(room, meta.version, timeout=10)
        event = next(e for e in events if e.version == meta.version)
        assert event.change.kind == ChangeKind.CHANGE_KIND_METADATA and not event.refetched
        assert [m.content for m in mirror.get_messages(room)] == ["before"]

        record = next(r for r in client.export_rooms([room]) if r.WhichOneof("record") == "room")
        del record.room.messages[:]
        record.room.messages.add(role=Role.ROLE_ASSISTANT, content="imported", id="i1", seq=record.room.last_seq + 1)
        record.room.last_seq += 1
        result = client.import_rooms([record], replace_existing=True)
        assert result.rooms_replaced == 1, result
        version = client.get_room_info(room).version
        mirror.wait_for_version(room, version, timeout=10)
        event = next(e for e in events if e.version == version)
        assert event.change.kind == ChangeKind.CHANGE_KIND_IMPORTED and event.refetched
        assert mirror.get_messages(room) == list(client.get_history(room).messages)
        assert [m.content for m in mirror.get_messages(room)] == ["imported"]


async def test_an_async_mirror_follows_a_metadata_change_and_an_import(
    aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str
) -> None:
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="before")])
    events: list[RoomChangedEvent] = []
    async with AsyncRoomMirror(aclient, [room], progress_interval=0.2, on_event=events.append) as mirror:
        meta = await aclient.update_room_metadata(room, labels=["x"])
        await mirror.wait_for_version(room, meta.version, timeout=10)
        assert [e.change.kind for e in events if e.version == meta.version] == [ChangeKind.CHANGE_KIND_METADATA]
        records = [r async for r in aclient.export_rooms([room])]
        result = await aclient.import_rooms(records, replace_existing=True)
        assert result.rooms_replaced == 1
        version = (await aclient.get_room_info(room)).version
        await mirror.wait_for_version(room, version, timeout=10)
        assert [e.refetched for e in events if e.version == version] == [True]
        assert mirror.get_messages(room) == list((await aclient.get_history(room)).messages)


def test_export_records_keep_the_time(client: RoomHistoryClient, room: str) -> None:
    at = datetime.datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=datetime.timezone.utc)
    m = Message(role=Role.ROLE_USER, content="dated")
    m.created_at.FromDatetime(at)
    client.append_messages(room, [m])
    (record,) = [r for r in client.export_rooms([room]) if r.WhichOneof("record") == "room"]
    assert record.room.messages[0].created_at.ToDatetime(tzinfo=datetime.timezone.utc) == at
