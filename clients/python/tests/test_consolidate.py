"""The consolidation worker (roomhistory.consolidate) against the real server and Redis, with a local fake
OpenAI-compatible endpoint over real HTTP and a fake clock, so days pass in seconds."""

from __future__ import annotations

import datetime
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI
from openai import OpenAI
from procs import ServerProcess, unique

from roomhistory import MemoryGranularity, Message, Role, RoomHistoryClient
from roomhistory.consolidate import ConsolidationWorker, Follower, Model
from roomhistory.consolidate.model import DIGEST_INSTRUCTIONS, SUMMARY_INSTRUCTIONS
from roomhistory.convert import from_datetime

UTC = datetime.timezone.utc
DIGEST = "- digest"
CONVERSATION = MemoryGranularity.MEMORY_GRANULARITY_CONVERSATION


class FakeClock:
    """The worker's clock: starts at the real time, moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.datetime.now(UTC)

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += datetime.timedelta(**delta)


def model_reply(body: dict[str, Any]) -> str:
    """A summary is "- " and the transcript's last line; a digest is always DIGEST (2 tokens)."""
    system: str = body["messages"][0]["content"]
    user: str = body["messages"][1]["content"]
    if system == DIGEST_INSTRUCTIONS:
        return DIGEST
    assert system == SUMMARY_INSTRUCTIONS
    return "- " + user.splitlines()[-1]


@pytest.fixture
def api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply=model_reply) as fake:
        yield fake


def make_worker(client: RoomHistoryClient, api: FakeOpenAI, clock: Callable[[], datetime.datetime], **kw: Any) -> ConsolidationWorker:
    llm = OpenAI(base_url=api.base_url, api_key="test", max_retries=0)
    return ConsolidationWorker(client, Model(llm, "fake-model"), clock=clock, **kw)


def namespace(client: RoomHistoryClient, **options: int) -> str:
    ns = unique("ns")
    client.set_namespace_options(ns, memory_bank_enabled=True, **options)
    return ns


def room_in(client: RoomHistoryClient, ns: str, turns: int, *, at: datetime.datetime | None = None) -> str:
    """A room of the namespace with `turns` user/assistant turns (created at `at` when given)."""
    room = unique("room")
    client.update_room_metadata(room, namespace=ns)
    say(client, room, turns, at=at)
    return room


def say(client: RoomHistoryClient, room: str, turns: int, *, at: datetime.datetime | None = None, tag: str = "") -> int:
    messages = []
    for i in range(turns):
        role = Role.ROLE_USER if i % 2 == 0 else Role.ROLE_ASSISTANT
        m = Message(role=role, content=f"turn {i}{tag} of {room}: ticket RH-{i} is about the billing export")
        if at is not None:
            m.created_at.CopyFrom(from_datetime(at))
        messages.append(m)
    return client.append_messages(room, messages).version


def conversations(client: RoomHistoryClient, ns: str) -> dict[str, Any]:
    return {e.room_id: e for e in client.get_memory_bank(ns).entries if e.granularity == CONVERSATION}


def test_settled_rooms_get_one_entry_each_and_new_turns_replace_it(client: RoomHistoryClient, api: FakeOpenAI) -> None:
    ns = namespace(client, max_turns_per_summary=3)
    rooms = [room_in(client, ns, 2 + i) for i in range(3)]
    clock = FakeClock()
    worker = make_worker(client, api, clock)

    assert worker.consolidate(ns).summarized == 0  # active a moment ago: not settled
    assert not api.requests
    clock.advance(minutes=11)
    assert worker.consolidate(ns).summarized == 3
    entries = conversations(client, ns)
    assert set(entries) == set(rooms)
    for room in rooms:
        info = client.get_room_info(room)
        assert entries[room].covers_version == info.version
        assert entries[room].summary.startswith(("- User: turn ", "- Assistant: turn ")) and room in entries[room].summary
    sent = [r["messages"][1]["content"].splitlines() for r in api.requests]
    assert sorted(len(lines) for lines in sent) == [2, 3, 3]  # the newest max_turns_per_summary turns
    assert worker.consolidate(ns).summarized == 0  # nothing new

    version = say(client, rooms[0], 1, tag=" (later)")
    clock.advance(minutes=11)
    report = worker.consolidate(ns)
    assert report.summarized == 1
    after = conversations(client, ns)
    assert set(after) == set(rooms)
    assert after[rooms[0]].covers_version == version and "(later)" in after[rooms[0]].summary
    assert after[rooms[0]].revision == entries[rooms[0]].revision + 1
    assert after[rooms[1]] == entries[rooms[1]]


def test_old_entries_over_budget_roll_up_into_day_and_week_digests(client: RoomHistoryClient, api: FakeOpenAI) -> None:
    """Ten rooms, one a day over ten days: their summaries go over budget; day digests, then week digests
    for the days over a week old, bring the bank within budget with every turn still counted."""
    ns = namespace(client, max_tokens=16)
    clock = FakeClock()
    rooms = [room_in(client, ns, 2, at=clock.now - datetime.timedelta(days=i)) for i in range(10)]
    clock.advance(days=1, hours=1)
    report = make_worker(client, api, clock).consolidate(ns)
    assert report.summarized == 10 and report.digests > 0 and not report.skipped

    bank = client.get_memory_bank(ns)
    kinds = {e.granularity for e in bank.entries}
    assert MemoryGranularity.MEMORY_GRANULARITY_DAY in kinds and MemoryGranularity.MEMORY_GRANULARITY_WEEK in kinds
    assert CONVERSATION not in kinds
    assert bank.total_tokens <= 16 and all(e.summary == DIGEST for e in bank.entries)
    assert bank.dropped_entries == 0
    assert sum(e.source_message_count for e in bank.entries) == 2 * len(rooms)
    assert not client.plan_rollup(ns, as_of=clock.now).groups


def run_together(workers: list[ConsolidationWorker], ns: str) -> None:
    """The workers' passes over `ns`, in threads started at once."""
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def one(w: ConsolidationWorker) -> None:
        try:
            start.wait()
            w.consolidate(ns)
        except BaseException as err:  # reported by the test thread
            errors.append(err)

    threads = [threading.Thread(target=one, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_two_workers_at_once_neither_duplicate_nor_lose_an_entry(server: ServerProcess, api: FakeOpenAI) -> None:
    with RoomHistoryClient(server.address) as a, RoomHistoryClient(server.address) as b:
        ns = namespace(a)
        rooms = [room_in(a, ns, 2) for _ in range(12)]
        clock = FakeClock()
        clock.advance(minutes=11)
        workers = [make_worker(a, api, clock), make_worker(b, api, clock)]
        writer = threading.Thread(target=lambda: [say(a, r, 1, tag=" (meanwhile)") for r in rooms[::3]])
        writer.start()
        run_together(workers, ns)
        writer.join()
        run_together(workers, ns)  # rooms written during the first passes

        bank = a.get_memory_bank(ns)
        ids = [e.id for e in bank.entries]
        assert len(ids) == len(set(ids)) == len(rooms)
        entries = conversations(a, ns)
        assert set(entries) == set(rooms)
        for room in rooms:
            assert entries[room].covers_version == a.get_room_info(room).version


# Once failed 1 run in 4 (22 messages counted instead of 20): a summary put after a roll-up had folded that
# room's entry came back beside the digest. CommitRollup now leaves a marker that refuses it (SUMMARY_OUTDATED).
def test_two_workers_roll_up_at_once_without_counting_a_turn_twice(server: ServerProcess, api: FakeOpenAI) -> None:
    with RoomHistoryClient(server.address) as a, RoomHistoryClient(server.address) as b:
        ns = namespace(a, max_tokens=16)
        clock = FakeClock()
        for i in range(10):
            room_in(a, ns, 2, at=clock.now - datetime.timedelta(days=i))
        clock.advance(days=1, hours=1)
        run_together([make_worker(a, api, clock), make_worker(b, api, clock)], ns)
        bank = a.get_memory_bank(ns)
        assert bank.total_tokens <= 16 and bank.dropped_entries == 0
        assert sum(e.source_message_count for e in bank.entries) == 20


@pytest.mark.parametrize("failure", [500, ""], ids=["http-500", "empty-answer"])
def test_a_failing_model_leaves_the_sources_untouched(client: RoomHistoryClient, failure: int | str) -> None:
    ns = namespace(client, max_tokens=16)
    clock = FakeClock()
    rooms = [room_in(client, ns, 2) for _ in range(2)]
    # Summaries over budget and days old, stored as a worker would have, so a roll-up is due.
    for i in range(4):
        old = room_in(client, ns, 2, at=clock.now - datetime.timedelta(days=3 + i))
        client.put_conversation_summary(old, "- a long enough summary " * 4, client.get_room_info(old).version,
                                        last_turn_at=clock.now - datetime.timedelta(days=3 + i))
    before = client.get_memory_bank(ns)
    assert client.plan_rollup(ns, as_of=clock.now).groups
    clock.advance(minutes=11)
    with FakeOpenAI(reply=lambda _: failure) as api:
        report = make_worker(client, api, clock).consolidate(ns)
        assert api.requests
    assert report.summarized == 0 and report.digests == 0
    assert set(rooms) <= set(report.skipped)
    after = client.get_memory_bank(ns)
    assert list(after.entries) == list(before.entries)

    with FakeOpenAI(reply=model_reply) as api:  # the next pass, with the model back, does it all
        report = make_worker(client, api, clock).consolidate(ns)
    assert report.summarized == 2 and report.digests > 0


def command_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ROOMHISTORY_CONSOLIDATE"))}
    return {**env, **extra}


@pytest.mark.parametrize(
    "given", [{}, {"ROOMHISTORY_CONSOLIDATE_MODEL": "m"}, {"OPENAI_API_KEY": "k"}], ids=["none", "model-only", "key-only"]
)
def test_without_a_model_the_command_says_what_to_set_and_does_nothing(given: dict[str, str]) -> None:
    # The target is a closed port: a worker that tried to do anything would fail.
    done = subprocess.run(
        [sys.executable, "-m", "roomhistory.consolidate", "--target", "127.0.0.1:1", "--namespace", "support"],
        capture_output=True, text=True, encoding="utf-8", timeout=60, env=command_env(**given),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no model configured, doing nothing; set" in lines[0]
    assert ("ROOMHISTORY_CONSOLIDATE_MODEL" in lines[0]) == ("ROOMHISTORY_CONSOLIDATE_MODEL" not in given)
    assert ("OPENAI_BASE_URL" in lines[0]) == ("OPENAI_API_KEY" not in given)


def test_the_console_script_makes_one_pass_with_once(client: RoomHistoryClient, server: ServerProcess, api: FakeOpenAI) -> None:
    ns = namespace(client)
    rooms = [room_in(client, ns, 2) for _ in range(2)]
    as_of = datetime.datetime.now(UTC) + datetime.timedelta(minutes=11)
    script = Path(sys.executable).parent / "roomhistory-consolidate"
    env = command_env(OPENAI_BASE_URL=api.base_url, OPENAI_API_KEY="test", ROOMHISTORY_CONSOLIDATE_MODEL="fake-model",
                      ROOMHISTORY_CONSOLIDATE_NAMESPACES=f" {ns} ,")
    done = subprocess.run(
        [str(script), "--target", server.address, "--once", "--as-of", as_of.isoformat()],
        capture_output=True, text=True, encoding="utf-8", timeout=60, env=env,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["namespace"] == ns and report["summarized"] == 2
    assert set(conversations(client, ns)) == set(rooms)
    assert {r["model"] for r in api.requests} == {"fake-model"}


def test_the_follower_summarises_when_the_watch_says_a_room_settled(client: RoomHistoryClient, api: FakeOpenAI) -> None:
    """No polling: the first pass finds nothing settled; the watch arms the room's idle timer, and the pass
    runs when the (fake) clock reaches it; a later turn re-arms it."""
    ns = namespace(client)
    room = room_in(client, ns, 2)
    clock = FakeClock()
    stored: queue.Queue[tuple[str, str, int]] = queue.Queue()
    worker = make_worker(client, api, clock, listener=lambda *event: stored.put(event))
    follower = Follower(worker, [ns], relist_seconds=3600)
    thread = threading.Thread(target=follower.run)
    thread.start()
    try:
        assert follower.wait_for_timer(room)
        first = follower.timer(room)
        assert first is not None and first == clock.now + datetime.timedelta(minutes=10)
        clock.advance(minutes=11)
        follower.wake()
        assert stored.get(timeout=10) == ("summary", room, client.get_room_info(room).version)

        version = say(client, room, 1, tag=" (later)")
        assert follower.wait_for_timer(room)
        clock.advance(minutes=11)
        follower.wake()
        assert stored.get(timeout=10) == ("summary", room, version)
        assert "(later)" in conversations(client, ns)[room].summary
    finally:
        follower.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert stored.empty()
