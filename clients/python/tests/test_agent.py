"""The issue 11 RPCs through both Python clients against the real server, and both mirrors following what
they change (the TypeScript twin is clients/ts/test/agent.test.ts)."""

from __future__ import annotations

import asyncio
import datetime
import threading
from collections.abc import AsyncIterator

import pytest
from procs import ServerProcess

from roomhistory import (
    AbortedError,
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    ChangeKind,
    Message,
    MessageKind,
    Role,
    RoomChangedEvent,
    RoomHistoryClient,
    RoomMirror,
    ToolCall,
    VersionConflictError,
)
from roomhistory.v1 import change_pb2


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def page(p: int) -> str:
    return f"page {p}: " + "the quick brown fox jumps over the lazy dog. " * 40


def tool_turns(p: int, run_id: str) -> list[Message]:
    call = ToolCall(id=f"call_{p}", name="read_page", arguments=f'{{"page":{p}}}')
    return [
        Message(role=Role.ROLE_ASSISTANT, tool_calls=[call], run_id=run_id, phase_id=f"p{p}"),
        Message(role=Role.ROLE_TOOL, tool_call_id=call.id, content=page(p), run_id=run_id, phase_id=f"p{p}"),
    ]


def tool_run(client: RoomHistoryClient, room: str, pages: int, run_id: str = "run-a") -> int:
    task = Message(role=Role.ROLE_USER, content="read the pages", client_input=True, run_id=run_id)
    version = client.append_messages(room, [task]).version
    for p in range(1, pages + 1):
        version = client.append_messages(room, tool_turns(p, run_id)).version
    return version


def test_the_watch_says_when_to_compact_and_a_compaction_reaches_the_mirror(client: RoomHistoryClient, room: str) -> None:
    crossings: list[change_pb2.RoomChange] = []
    events: list[RoomChangedEvent] = []
    with RoomMirror(client, [room], on_needs_compaction=crossings.append, on_event=events.append) as mirror:
        set_ = client.set_agent_options(room, max_context_tokens=1000, compaction_threshold=0.5, output_keys=["answer"])
        assert not set_.needs_compaction
        version = tool_run(client, room, 3)
        mirror.wait_for_version(room, version, timeout=10)
        info = client.get_room_info(room)
        assert info.needs_compaction and info.max_context_tokens == 1000 and list(info.output_keys) == ["answer"]
        assert mirror.needs_compaction(room) and mirror.token_count(room) == info.token_count
        assert len(crossings) == 1 and crossings[0].needs_compaction

        with pytest.raises(VersionConflictError):
            client.compact_history(room, "s", expected_version=version - 1)
        done = client.compact_history(room, "the pages were read", keep_recent=2, expected_version=version)
        assert done.compacted > 0 and done.summary.kind == MessageKind.MESSAGE_KIND_SUMMARY
        mirror.wait_for_version(room, done.version, timeout=10)
        history = client.get_history(room)
        assert mirror.get_messages(room) == list(history.messages)
        assert events[-1].change.kind == ChangeKind.CHANGE_KIND_COMPACT and not events[-1].refetched
        assert not mirror.needs_compaction(room) and mirror.token_count(room) < info.token_count
        assert history.messages[0].client_input  # never compacted away
        assert done.replaced_through_seq in [m.seq for m in client.get_archive(room).messages]

        again = tool_run(client, room, 3, run_id="run-b")
        mirror.wait_for_version(room, again, timeout=10)
        assert len(crossings) == 2


def test_prune_and_structure_compaction_reach_the_mirror_exactly(client: RoomHistoryClient, room: str) -> None:
    tool_run(client, room, 4)
    events: list[RoomChangedEvent] = []
    with RoomMirror(client, [room], on_event=events.append) as mirror:
        pruned = client.prune_tool_results(room, protect_tokens=0, min_prune_tokens=0)
        assert pruned.pruned > 0
        mirror.wait_for_version(room, pruned.version, timeout=10)
        assert mirror.get_messages(room) == list(client.get_history(room).messages)
        assert [m.seq for m in mirror.get_messages(room) if m.pruned] == list(pruned.seqs)
        assert events[-1].change.kind == ChangeKind.CHANGE_KIND_PRUNE and not events[-1].refetched
        seq = pruned.seqs[0]
        assert client.get_archive(room, from_seq=seq, to_seq=seq).messages[0].content.startswith("page 1:")

        structure = client.compact_preserving_structure(room, keep_recent=2, aggressive=True)
        assert structure.archived > 0
        mirror.wait_for_version(room, structure.version, timeout=10)
        assert mirror.get_messages(room) == list(client.get_history(room).messages)
        assert events[-1].change.replaced_through_seq == structure.replaced_through_seq and not events[-1].refetched


def test_filters_search_export_and_run_cursors(client: RoomHistoryClient, room: str) -> None:
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    tool_run(client, room, 2)
    client.append_messages(room, [Message(role=Role.ROLE_USER, content="other run", run_id="run-b", sender="bo")])
    assert [m.content for m in client.get_history(room, run_id="run-b").messages] == ["other run"]
    assert len(client.get_history(room, phase_id="p2").messages) == 2
    assert "other run" in client.render_messages(room, run_id="run-b").messages[-1].content

    hits = client.search_history(room, text="OTHER RUN", sender="bo", from_time=start).hits
    assert [h.message.content for h in hits] == ["other run"] and not hits[0].archived
    summary = client.export_summary(room, recent=2)
    assert list(summary.run_ids) == ["run-a", "run-b"] and dict(summary.tool_calls_by_name) == {"read_page": 2}
    assert len(summary.recent_messages) == 2

    assert not client.get_run_cursor(room, "run-a").exists
    cursor = client.update_run_cursor(room, "run-a", next_seq=4, values={"k": "v"}, expected_next_seq=0)
    assert cursor.next_seq == 4 and dict(cursor.values) == {"k": "v"}
    with pytest.raises(AbortedError) as conflict:
        client.update_run_cursor(room, "run-a", next_seq=9, expected_next_seq=0)
    assert conflict.value.reason == "CURSOR_CONFLICT" and not isinstance(conflict.value, VersionConflictError)
    read = client.get_run_cursor(room, "run-a")
    assert read.exists and read.next_seq == 4


async def test_the_asyncio_client_and_mirror(aclient: AsyncRoomHistoryClient, client: RoomHistoryClient, room: str) -> None:
    crossed = asyncio.Event()
    async with AsyncRoomMirror(aclient, [room], on_needs_compaction=lambda _: crossed.set()) as mirror:
        await aclient.set_agent_options(room, max_context_tokens=500)
        version = await asyncio.to_thread(tool_run, client, room, 2)
        await asyncio.wait_for(crossed.wait(), 10)
        await mirror.wait_for_version(room, version, timeout=10)
        assert mirror.needs_compaction(room)
        done = await aclient.compact_history(room, "summary", keep_recent_tokens=100, expected_version=version)
        assert done.compacted > 0
        await mirror.wait_for_version(room, done.version, timeout=10)
        assert mirror.get_messages(room) == list((await aclient.get_history(room)).messages)
        assert (await aclient.get_archive(room)).messages
        assert (await aclient.update_run_cursor(room, "r", next_seq=2, expected_next_seq=0)).next_seq == 2
        assert (await aclient.get_run_cursor(room, "r")).exists
        assert (await aclient.search_history(room, text="fox", include_archive=True)).hits
        assert (await aclient.export_summary(room)).info.max_context_tokens == 500
        pruned = await aclient.prune_tool_results(room)
        assert pruned.version >= done.version


def test_a_mirror_listener_that_raises_does_not_stop_it(client: RoomHistoryClient, room: str) -> None:
    called = threading.Event()

    def boom(_: change_pb2.RoomChange) -> None:
        called.set()
        raise RuntimeError("listener bug")

    with RoomMirror(client, [room], on_needs_compaction=boom) as mirror:
        client.set_agent_options(room, max_context_tokens=100)
        version = tool_run(client, room, 1)
        assert called.wait(10)
        later = client.append_messages(room, [Message(role=Role.ROLE_USER, content="still followed")]).version
        mirror.wait_for_version(room, max(version, later), timeout=10)
        assert mirror.get_messages(room)[-1].content == "still followed"
