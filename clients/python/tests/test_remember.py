"""Rooms that remember (issue 12) through both clients against a real server: room metadata
(update_room_metadata, get_room_info, list_rooms filters and order) and a namespace's memory bank
(set_namespace_options, list_rooms_needing_summary, put_conversation_summary, plan_rollup, commit_rollup,
get_memory_bank, render_memory_bank, render_messages with memory_bank)."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import grpc
import pytest
from procs import ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    ListRoomsOrder,
    MemoryBankUse,
    MemoryGranularity,
    Message,
    Participant,
    Role,
    RollupConflictError,
    RoomHistoryClient,
    RoomHistoryError,
    SummaryOutdatedError,
    VersionConflictError,
)
from roomhistory.convert import from_datetime

UTC = datetime.timezone.utc
def now() -> datetime.datetime:
    """The clock now (taken when a test needs it: a module-level instant goes stale in a long session)."""
    return datetime.datetime.now(UTC).replace(microsecond=0)


def turn(text: str, sender: str = "", role: Role = Role.ROLE_USER, at: datetime.datetime | None = None) -> Message:
    m = Message(role=role, content=text, sender=sender)
    if at is not None:
        m.created_at.CopyFrom(from_datetime(at))
    return m


@pytest.fixture
async def aclient(server: ServerProcess) -> AsyncIterator[AsyncRoomHistoryClient]:
    async with AsyncRoomHistoryClient(server.address) as c:
        yield c


def test_room_metadata_round_trip(client: RoomHistoryClient, room: str) -> None:
    ns = unique("ns")
    created = client.update_room_metadata(
        room, title="Support", namespace=ns, labels=["b", "a", "b"],
        participants=[Participant(id="u1", display_name="Ann")], summary="about things",
    )
    assert created.version == 1
    assert (created.metadata.title, created.metadata.namespace, list(created.metadata.labels)) == ("Support", ns, ["a", "b"])
    client.append_messages(room, [turn("hi", sender="u2"), turn("hello", sender="u1")])
    info = client.get_room_info(room)
    assert info.HasField("created_at")
    people = {p.id: p for p in info.metadata.participants}
    assert people["u1"].display_name == "Ann" and people["u1"].HasField("last_seen")
    assert people["u2"].HasField("first_seen")
    # Only the fields given change: title given, the rest kept; an empty value clears.
    after = client.update_room_metadata(room, title="Support 2", summary="")
    assert after.version == info.version + 1
    assert (after.metadata.title, after.metadata.summary, after.metadata.namespace) == ("Support 2", "", ns)
    unchanged = client.update_room_metadata(room, title="Support 2")
    assert unchanged.version == after.version
    with pytest.raises(VersionConflictError):
        client.update_room_metadata(room, title="x", expected_version=1)
    # The history is untouched by metadata changes.
    assert [m.content for m in client.get_history(room).messages] == ["hi", "hello"]


def test_list_rooms_filters_and_orders(client: RoomHistoryClient) -> None:
    ns, label = unique("ns"), unique("lbl")
    rooms = [unique("room") for _ in range(3)]
    for i, r in enumerate(rooms):
        client.update_room_metadata(r, namespace=ns, title=f"t{i}", labels=[label] if i != 1 else [])
    client.append_messages(rooms[0], [turn("newest activity")])
    page = client.list_rooms(namespace=ns)
    assert list(page.room_ids) == sorted(rooms)
    assert [r.title for r in page.rooms] == [f"t{rooms.index(r)}" for r in sorted(rooms)]
    assert all(r.namespace == ns for r in page.rooms)
    # Newest activity first (the Redis store scores activity at most once a second per room, so the
    # order is checked against the times it reports).
    by_activity = client.list_rooms(namespace=ns, order=ListRoomsOrder.LIST_ROOMS_ORDER_LAST_ACTIVITY)
    assert sorted(by_activity.room_ids) == sorted(rooms)
    times = [r.last_activity.ToNanoseconds() for r in by_activity.rooms]
    assert times == sorted(times, reverse=True) and all(times)
    assert sorted(client.list_rooms(label=label).room_ids) == sorted([rooms[0], rooms[2]])
    assert list(client.iter_rooms(namespace=ns, page_size=1)) == sorted(rooms)


def enabled_namespace(client: RoomHistoryClient, max_tokens: int = 0) -> str:
    ns = unique("bank")
    options = client.set_namespace_options(ns, memory_bank_enabled=True, max_tokens=max_tokens, idle_minutes=5)
    assert options.options.memory_bank_enabled and options.options.idle_minutes == 5
    assert options.options.max_turns_per_summary == 40  # 0: the default
    return ns


def test_a_settled_room_is_summarised_once(client: RoomHistoryClient, room: str) -> None:
    ns = enabled_namespace(client)
    client.update_room_metadata(room, namespace=ns, title="Billing")
    client.append_messages(room, [turn("my invoice is wrong", "u1"), turn("fixed", role=Role.ROLE_ASSISTANT)])
    assert not client.list_rooms_needing_summary(ns, as_of=now()).rooms  # not idle yet
    later = now() + datetime.timedelta(minutes=6)
    (needing,) = client.list_rooms_needing_summary(ns, as_of=later).rooms
    history = client.get_history(room)
    assert (needing.room_id, needing.version, needing.summarized_version) == (room, history.version, 0)

    put = client.put_conversation_summary(room, "- invoice fixed", history.version, source_message_count=2)
    assert put.created and put.entry.id == f"conversation:{room}" and put.entry.token_count > 0
    again = client.put_conversation_summary(room, "- invoice fixed", history.version)  # same version: replaced
    assert not again.created and again.entry.revision > put.entry.revision
    assert not client.list_rooms_needing_summary(ns, as_of=later).rooms

    client.append_messages(room, [turn("one more thing", "u1")])
    with pytest.raises(SummaryOutdatedError) as raised:
        client.put_conversation_summary(room, "- stale", history.version - 1)
    assert raised.value.covers_version == history.version and raised.value.reason == "SUMMARY_OUTDATED"

    bank = client.get_memory_bank(ns)
    assert [e.summary for e in bank.entries] == ["- invoice fixed"] and bank.total_tokens == put.entry.token_count
    block = client.render_memory_bank(ns)
    assert "invoice fixed" in block.text and block.entries_rendered == 1 and block.tokens > 0


def test_a_disabled_bank_refuses_summaries(client: RoomHistoryClient, room: str) -> None:
    ns = unique("off")
    client.update_room_metadata(room, namespace=ns)
    client.append_messages(room, [turn("hi")])
    with pytest.raises(RoomHistoryError) as raised:
        client.put_conversation_summary(room, "- x", 2)
    assert raised.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert not client.get_memory_bank(ns).options.memory_bank_enabled
    assert client.render_memory_bank(ns).text == ""


def test_old_summaries_roll_up_into_a_day(client: RoomHistoryClient) -> None:
    ns = enabled_namespace(client, max_tokens=20)
    old = now() - datetime.timedelta(days=3)
    for i in range(3):
        r = unique("room")
        client.update_room_metadata(r, namespace=ns)
        v = client.append_messages(r, [turn(f"question {i}", "u1", at=old)]).version
        words = " ".join(f"word{j}" for j in range(12))
        client.put_conversation_summary(r, f"- {words} {i}", v, last_turn_at=old)
    plan = client.plan_rollup(ns, as_of=now())
    assert plan.total_tokens > plan.max_tokens * 1.25 and plan.groups
    group = plan.groups[0]
    assert getattr(group, "from") == MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION
    assert group.to == MemoryGranularity.MEMORY_GRANULARITY_DAY and group.period_key == old.date().isoformat()
    committed = client.commit_rollup(group.plan, "- three questions")
    assert committed.sources_replaced == len(group.sources) and committed.digest.id == f"day:{group.period_key}"
    with pytest.raises(RollupConflictError):
        client.commit_rollup(group.plan, "- again")  # a repeat of a commit that succeeded
    entries = client.get_memory_bank(ns).entries
    assert [e.granularity for e in entries].count(MemoryGranularity.MEMORY_GRANULARITY_DAY) == 1


async def test_the_asyncio_client_has_every_new_method(aclient: AsyncRoomHistoryClient) -> None:
    ns, room = unique("abank"), unique("room")
    await aclient.set_namespace_options(ns, memory_bank_enabled=True)
    meta = await aclient.update_room_metadata(room, namespace=ns, title="async")
    assert meta.metadata.title == "async"
    version = (await aclient.append_messages(room, [turn("hi", "u1")])).version
    assert [r.room_ids for r in [await aclient.list_rooms(namespace=ns)]] == [[room]]
    later = now() + datetime.timedelta(minutes=11)
    assert [r.room_id for r in (await aclient.list_rooms_needing_summary(ns, as_of=later)).rooms] == [room]
    put = await aclient.put_conversation_summary(room, "- said hi", version)
    assert put.created
    with pytest.raises(SummaryOutdatedError):
        await aclient.put_conversation_summary(room, "- older", version - 1)
    assert (await aclient.get_memory_bank(ns)).entries[0].summary == "- said hi"
    assert "said hi" in (await aclient.render_memory_bank(ns)).text
    assert not (await aclient.plan_rollup(ns)).groups  # within budget
    with pytest.raises(RoomHistoryError):
        await aclient.commit_rollup("not a plan", "- digest")
    assert [r async for r in aclient.iter_rooms(namespace=ns)] == [room]


async def test_render_messages_reads_the_memory_bank(
    client: RoomHistoryClient, aclient: AsyncRoomHistoryClient, room: str
) -> None:
    ns = enabled_namespace(client)
    client.update_room_metadata(room, namespace=ns)
    version = client.append_messages(room, [turn("my invoice is wrong", "u1")]).version
    client.put_conversation_summary(room, "- invoice fixed", version)
    rendered = client.render_messages(room, memory_bank=MemoryBankUse.MEMORY_BANK_USE_PREPEND)
    assert rendered.memory_bank_tokens > 0 and "invoice fixed" in rendered.messages[0].content
    assert client.render_messages(room).memory_bank_tokens == 0
    small = client.render_messages(room, memory_bank=MemoryBankUse.MEMORY_BANK_USE_PREPEND, memory_bank_max_tokens=1)
    assert small.memory_bank_tokens <= rendered.memory_bank_tokens
    templated = await aclient.render_messages(room, memory_bank=MemoryBankUse.MEMORY_BANK_USE_TEMPLATE)
    assert templated.memory_bank_tokens == rendered.memory_bank_tokens
