"""Both Python clients against the real server for what the edges issue added: safe append retries (an
idempotency key per call, the reply lost once), expected_version on every mutation, DeleteRoom,
SetRoomRetention, ReapIdleRooms, and both mirrors converging after a deletion and an expiry."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import grpc.aio
import pytest
from procs import RedisProcess, ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    ChangeKind,
    InvalidArgumentError,
    Message,
    RetryPolicy,
    Role,
    RoomChange,
    RoomHistoryClient,
    RoomMirror,
    UnavailableError,
    VersionConflictError,
)
from roomhistory.v1 import room_history_service_pb2 as pb

KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")
FAST_RETRY = RetryPolicy(initial=0.02)


def user(text: str, **kw: Any) -> Message:
    return Message(role=Role.ROLE_USER, content=text, **kw)


@pytest.fixture(scope="module")
def quiet_server(redis: RedisProcess) -> Iterator[ServerProcess]:
    """A server without a reaping schedule: the tests reap with ReapIdleRooms and check its answer."""
    s = ServerProcess(redis.url, env={"ROOMHISTORY_REAP_INTERVAL_MS": "0"})
    yield s
    s.stop()


@pytest.fixture
def qclient(quiet_server: ServerProcess) -> Iterator[RoomHistoryClient]:
    with RoomHistoryClient(quiet_server.address) as c:
        yield c


class LostReply(grpc.RpcError):
    """What a connection cut after the server answered looks like to the caller."""

    def __init__(self, code: grpc.StatusCode) -> None:
        super().__init__()
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return "injected: reply lost"

    def trailing_metadata(self) -> tuple[()]:
        return ()


def _method(details: Any) -> str:
    method = details.method
    return method.decode() if isinstance(method, bytes) else str(method)


class ReplyLoser(grpc.UnaryUnaryClientInterceptor):
    """Lets the next `to_lose` calls of `method` reach the server, then loses their replies (`code`
    instead); records every request sent and every reply lost."""

    def __init__(self, method: str = "AppendMessages", code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE) -> None:
        self.method = method
        self.code = code
        self.to_lose = 0
        self.sent: list[Any] = []
        self.lost: list[Any] = []

    @property
    def keys(self) -> list[str]:
        return [r.idempotency_key for r in self.sent]

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        if not _method(details).endswith(f"/{self.method}"):
            return continuation(details, request)
        self.sent.append(request)
        outcome = continuation(details, request)
        if self.to_lose > 0 and outcome.code() == grpc.StatusCode.OK:
            self.to_lose -= 1
            self.lost.append(outcome.result())
            raise LostReply(self.code)
        return outcome


class AioReplyLoser(grpc.aio.UnaryUnaryClientInterceptor):
    """ReplyLoser for grpc.aio."""

    def __init__(self) -> None:
        self.to_lose = 0
        self.keys: list[str] = []
        self.lost: list[pb.AppendMessagesResponse] = []

    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        call = await continuation(details, request)
        if not _method(details).endswith("/AppendMessages"):
            return call
        self.keys.append(request.idempotency_key)
        if self.to_lose > 0:
            self.to_lose -= 1
            self.lost.append(await call)
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), details="injected: reply lost"
            )
        return call


def seqs(response: Any) -> list[tuple[str, int]]:
    return [(m.id, m.seq) for m in response.messages]


# --- appends are retried safely ---------------------------------------------------------------------


def test_every_append_gets_a_new_key_unless_given(server: ServerProcess, room: str) -> None:
    loser = ReplyLoser()
    channel = grpc.intercept_channel(grpc.insecure_channel(server.address), loser)
    with RoomHistoryClient(channel=channel) as c:
        c.append_messages(room, [user("a")])
        c.append_messages(room, [user("b")])
        c.append_messages(room, [user("c")], idempotency_key="mine-1")
    assert KEY.match(loser.keys[0]) and KEY.match(loser.keys[1])
    assert loser.keys[0] != loser.keys[1]
    assert loser.keys[2] == "mine-1"


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED])
def test_a_lost_append_reply_is_retried_with_the_same_key_and_stored_once(
    server: ServerProcess, client: RoomHistoryClient, room: str, code: grpc.StatusCode
) -> None:
    loser = ReplyLoser(code=code)
    channel = grpc.intercept_channel(grpc.insecure_channel(server.address), loser)
    client.append_messages(room, [user("before")])
    with RoomHistoryClient(channel=channel, retry=FAST_RETRY) as c:
        loser.to_lose = 1
        response = c.append_messages(room, [user("once"), user("twice?")])
    assert len(loser.keys) == 2 and loser.keys[0] == loser.keys[1]
    first = loser.lost[0]  # what the server answered the first time, which the caller never saw
    assert response.replayed and not first.replayed
    assert response.version == first.version and seqs(response) == seqs(first)
    history = client.get_history(room)
    assert history.version == 2
    assert [m.content for m in history.messages] == ["before", "once", "twice?"]


def test_an_empty_key_is_replaced_by_a_new_one(server: ServerProcess, client: RoomHistoryClient, room: str) -> None:
    loser = ReplyLoser()
    channel = grpc.intercept_channel(grpc.insecure_channel(server.address), loser)
    with RoomHistoryClient(channel=channel, retry=FAST_RETRY) as c:
        loser.to_lose = 1
        assert c.append_messages(room, [user("x")], idempotency_key="").replayed
    assert KEY.match(loser.keys[0]) and loser.keys == [loser.keys[0]] * 2
    assert len(client.get_history(room).messages) == 1


async def test_async_lost_append_reply_is_retried_with_the_same_key(
    server: ServerProcess, client: RoomHistoryClient, room: str
) -> None:
    loser = AioReplyLoser()
    channel = grpc.aio.insecure_channel(server.address, interceptors=[loser])
    async with AsyncRoomHistoryClient(channel=channel, retry=FAST_RETRY) as c:
        first_plain = await c.append_messages(room, [user("a")])
        loser.to_lose = 1
        response = await c.append_messages(room, [user("once")])
        await channel.close()
    assert KEY.match(loser.keys[0]) and loser.keys[0] != loser.keys[1]
    assert loser.keys[1] == loser.keys[2]
    assert response.replayed and response.version == first_plain.version + 1
    assert seqs(response) == seqs(loser.lost[0])
    assert [m.content for m in client.get_history(room).messages] == ["a", "once"]


def test_another_mutation_is_retried_only_with_an_expected_version(
    server: ServerProcess, client: RoomHistoryClient, room: str
) -> None:
    loser = ReplyLoser("ClearRoom")
    channel = grpc.intercept_channel(grpc.insecure_channel(server.address), loser)
    client.append_messages(room, [user("x")])
    with RoomHistoryClient(channel=channel, retry=FAST_RETRY) as c:
        loser.to_lose = 1
        with pytest.raises(VersionConflictError) as conflict:
            c.clear_room(room, expected_version=1)
        assert len(loser.sent) == 2  # retried: the repeat found the room moved on (by the first attempt)
        assert conflict.value.current_version == 2
        loser.to_lose = 1
        with pytest.raises(UnavailableError):
            c.clear_room(room)
        assert len(loser.sent) == 3  # not retried
    assert client.get_room_info(room).version == 3


def test_the_same_key_twice_answers_the_first_result(client: RoomHistoryClient, room: str) -> None:
    a = client.append_messages(room, [user("x")], idempotency_key="k-1")
    b = client.append_messages(room, [user("x")], idempotency_key="k-1")
    assert not a.replayed and b.replayed
    assert b.version == a.version and seqs(b) == seqs(a)
    with pytest.raises(InvalidArgumentError):
        client.append_messages(room, [user("y")], idempotency_key="k-1")
    assert client.get_room_info(room).version == 1


# --- expected_version and the new RPCs --------------------------------------------------------------


def test_expected_version_on_every_mutation(client: RoomHistoryClient, room: str) -> None:
    v = client.append_messages(room, [user("a", id="m1")]).version
    mutations: list[Callable[[int], Any]] = [
        lambda ev: client.update_message(room, "m1", "b", expected_version=ev),
        lambda ev: client.mark_deleted(room, "m1", expected_version=ev),
        lambda ev: client.patch_reactions(room, "m1", {"👍": 1}, expected_version=ev),
        lambda ev: client.set_room_limit(room, 60, expected_version=ev),
        lambda ev: client.discard_rebackfill(room, expected_version=ev),
        lambda ev: client.set_room_retention(room, 3600, expected_version=ev),
        lambda ev: client.clear_room(room, expected_version=ev),
        lambda ev: client.delete_room(room, expected_version=ev),
    ]
    for mutate in mutations:
        with pytest.raises(VersionConflictError) as err:
            mutate(v + 5)
        assert err.value.current_version == v
        assert mutate(v).version == v + 1
        v += 1


def test_delete_room_keeps_the_version_and_a_later_write_continues(client: RoomHistoryClient, room: str) -> None:
    w = client.append_messages(room, [user("a"), user("b")])
    deleted = client.delete_room(room)
    assert deleted.deleted and deleted.version == w.version + 1
    info = client.get_room_info(room)
    assert not info.exists and info.version == deleted.version and info.message_count == 0
    again = client.delete_room(room)
    assert not again.deleted and again.version == deleted.version
    after = client.append_messages(room, [user("c")])
    assert after.version == deleted.version + 1 and after.messages[0].seq == 3


def test_set_room_retention_and_back_to_the_default(client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user("a")])
    r = client.set_room_retention(room, 3600)
    assert (r.version, r.idle_ttl_seconds, r.retention_is_default) == (2, 3600, False)
    info = client.get_room_info(room)
    assert info.idle_ttl_seconds == 3600 and not info.retention_is_default and info.HasField("expires_at")
    assert client.set_room_retention(room, None).retention_is_default


async def test_reap_idle_rooms_dry_run_then_reap(quiet_server: ServerProcess, qclient: RoomHistoryClient) -> None:
    idle, kept = unique("idle"), unique("kept")
    qclient.append_messages(idle, [user("a")])
    qclient.append_messages(kept, [user("b")])
    qclient.set_room_retention(kept, 0)  # kept until deleted
    await asyncio.sleep(1.1)  # both must be idle for a whole second
    async with AsyncRoomHistoryClient(quiet_server.address) as ac:
        dry = await ac.reap_idle_rooms(max_idle_seconds=1, dry_run=True, limit=10_000)
        assert idle in dry.room_ids and kept not in dry.room_ids
        assert (await ac.get_room_info(idle)).exists
        reaped = await ac.reap_idle_rooms(max_idle_seconds=1, limit=10_000)
    assert idle in reaped.room_ids and reaped.count == len(reaped.room_ids)
    info = qclient.get_room_info(idle)
    assert not info.exists and info.version == 2
    assert qclient.get_room_info(kept).exists


# --- mirrors after a deletion and an expiry ---------------------------------------------------------


def reap_until(c: RoomHistoryClient, room: str, timeout: float = 10) -> None:
    """Reaps rooms past their retention until `room` is among them (it must first be idle long enough)."""
    deadline = time.monotonic() + timeout
    while room not in c.reap_idle_rooms(limit=10_000).room_ids:
        assert time.monotonic() < deadline, f"{room} was never reaped"
        time.sleep(0.1)


def test_sync_mirror_converges_after_delete_and_expiry(qclient: RoomHistoryClient) -> None:
    room = unique("mirror-life")
    qclient.append_messages(room, [user("a"), user("b")])
    changed: list[tuple[str, int]] = []
    with RoomMirror(qclient, [room], progress_interval=0.2, on_change=lambda r, v: changed.append((r, v))) as mirror:
        deleted = qclient.delete_room(room)
        mirror.wait_for_version(room, deleted.version, timeout=10)
        assert mirror.get_messages(room) == [] and changed[-1] == (room, deleted.version)
        appended = mirror.append(room, [user("c")])
        assert appended.version == deleted.version + 1
        assert [m.content for m in mirror.get_messages(room)] == ["c"]

        retention = qclient.set_room_retention(room, 1)
        mirror.wait_for_version(room, retention.version, timeout=10)
        assert [m.content for m in mirror.get_messages(room)] == ["c"]
        reap_until(qclient, room)
        mirror.wait_for_version(room, retention.version + 1, timeout=10)
        assert mirror.get_messages(room) == [] and changed[-1] == (room, retention.version + 1)
        history = qclient.get_history(room)
        assert mirror.version(room) == history.version and list(history.messages) == []


async def test_async_mirror_converges_after_delete_and_expiry(
    quiet_server: ServerProcess, qclient: RoomHistoryClient
) -> None:
    room = unique("amirror-life")
    qclient.append_messages(room, [user("a")])
    changed: list[tuple[str, int]] = []
    async with AsyncRoomHistoryClient(quiet_server.address) as ac:
        def on_change(r: str, v: int) -> None:
            changed.append((r, v))

        async with AsyncRoomMirror(ac, [room], progress_interval=0.2, on_change=on_change) as m:
            deleted = await ac.delete_room(room)
            await m.wait_for_version(room, deleted.version, timeout=10)
            assert m.get_messages(room) == [] and changed[-1] == (room, deleted.version)
            await m.append(room, [user("b")])
            retention = await ac.set_room_retention(room, 1)
            await m.wait_for_version(room, retention.version, timeout=10)
            await asyncio.to_thread(reap_until, qclient, room)
            await m.wait_for_version(room, retention.version + 1, timeout=10)
            assert m.get_messages(room) == [] and changed[-1] == (room, retention.version + 1)


@pytest.fixture
def ttl_server(redis: RedisProcess) -> Iterator[ServerProcess]:
    s = ServerProcess(redis.url, env={"ROOMHISTORY_ROOM_TTL_SECONDS": "1", "ROOMHISTORY_REAP_INTERVAL_MS": "200"})
    yield s
    s.stop()


def test_an_expiry_by_the_servers_schedule_reaches_watches_and_mirrors(ttl_server: ServerProcess) -> None:
    room = unique("ttl")
    with RoomHistoryClient(ttl_server.address) as c:
        w = c.append_messages(room, [user("a")])
        created = threading.Event()
        stream = c.watch({room: w.version}, progress_interval=0.2, on_created=lambda *_: created.set())
        changes: list[RoomChange] = []
        reader = threading.Thread(target=lambda: changes.append(next(iter(stream))))
        reader.start()
        assert created.wait(10)  # the watch is open before the room can expire (one second idle)
        with RoomMirror(c, [room], progress_interval=0.2) as mirror:
            mirror.wait_for_version(room, w.version + 1, timeout=10)
            assert mirror.get_messages(room) == []
        reader.join(10)
        stream.cancel()
        first = changes[0]
        assert room not in c.list_rooms(page_size=1000).room_ids
    assert first.kind == ChangeKind.CHANGE_KIND_EXPIRED
    assert (first.previous_version, first.version) == (w.version, w.version + 1)


async def test_get_history_in_pages(server: ServerProcess, client: RoomHistoryClient, room: str) -> None:
    client.append_messages(room, [user(f"m{i}") for i in range(5)])
    pages: list[list[str]] = []
    token = ""
    async with AsyncRoomHistoryClient(server.address) as ac:
        while True:
            page = await ac.get_history(room, page_size=2, page_token=token)
            pages.append([m.content for m in page.messages])
            token = page.next_page_token
            if not token:
                break
    assert pages == [["m0", "m1"], ["m2", "m3"], ["m4"]]
    assert [m.content for m in client.get_history(room, page_size=3).messages] == ["m0", "m1", "m2"]


def test_a_mirror_append_to_a_room_past_its_retention(qclient: RoomHistoryClient) -> None:
    """The append finds the room expired (nobody reaped it yet): the server expires it first (one change)
    and appends (another); the mirror must not keep the expired history."""
    room = unique("late-append")
    qclient.append_messages(room, [user("old")])
    with RoomMirror(qclient, [room], progress_interval=0.2) as mirror:
        retention = qclient.set_room_retention(room, 1)
        mirror.wait_for_version(room, retention.version, timeout=10)
        time.sleep(1.2)  # idle past the retention; no reaping schedule on this server
        try:
            mirror.append(room, [user("new")])
        except VersionConflictError:
            pass
        history = qclient.get_history(room)
        mirror.wait_for_version(room, history.version, timeout=10)
        assert [m.content for m in mirror.get_messages(room)] == [m.content for m in history.messages]
