"""Random operation sequences (seeded) against the real server with both mirrors attached: appends with
duplicate and server-made ids, some too large to carry in a change, edits, deletions, reactions, clears,
limits, retention changes, room deletions and the mirrors' own conditional appends. Both mirrors end equal
to GetHistory. The TypeScript twin is clients/ts/test/mirror-random.test.ts."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest
from procs import RedisProcess, ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    Message,
    NotFoundError,
    Role,
    RoomHistoryClient,
    RoomMirror,
    VersionConflictError,
)

IDS = ["a", "b", "c", ""]


@pytest.fixture(scope="module")
def small_server(redis: RedisProcess) -> Iterator[ServerProcess]:
    """Windows of 4 (appends trim) and changes of at most 2000 bytes (big appends are omitted)."""
    s = ServerProcess(
        redis.url,
        env={
            "ROOMHISTORY_MAX_HISTORY": "4",
            "ROOMHISTORY_MAX_EVENT_BYTES": "2000",
            "ROOMHISTORY_REAP_INTERVAL_MS": "0",
        },
    )
    yield s
    s.stop()


def step(c: RoomHistoryClient, mirror: RoomMirror, room: str, rng: random.Random, i: int) -> None:
    """One random operation; refusals the operation may meet (an unknown id, a conflict) are part of it."""
    kind = rng.choices(
        ["append", "mirror_append", "update", "delete", "react", "clear", "delete_room", "retention", "limit"],
        weights=[4, 2, 2, 1, 1, 1, 1, 1, 1],
    )[0]
    mid = rng.choice(IDS) or "a"
    try:
        if kind == "append":
            big = rng.random() < 0.3
            ids = [rng.choice(IDS) for _ in range(rng.randint(1, 3))]
            texts = [f"{m}:{i}:".ljust(3000, "x") if big else f"{m}:{i}" for m in ids]
            c.append_messages(room, [Message(role=Role.ROLE_USER, content=t, id=m) for m, t in zip(ids, texts, strict=True)])
        elif kind == "mirror_append":
            mirror.append(room, [Message(role=Role.ROLE_ASSISTANT, content=f"own {i}", id=rng.choice(IDS))])
        elif kind == "update":
            c.update_message(room, mid, f"edited {i}")
        elif kind == "delete":
            c.mark_deleted(room, mid)
        elif kind == "react":
            c.patch_reactions(room, mid, {"👍": i})
        elif kind == "clear":
            c.clear_room(room)
        elif kind == "delete_room":
            c.delete_room(room)
        elif kind == "retention":
            c.set_room_retention(room, 3600 if i % 2 else None)
        else:
            c.set_room_limit(room, rng.choice([50, 60]))
    except (NotFoundError, VersionConflictError):
        pass


@pytest.mark.parametrize("seed", range(10))
async def test_both_mirrors_end_equal_to_get_history(small_server: ServerProcess, seed: int) -> None:
    rng = random.Random(seed)
    room = unique(f"random-{seed}")
    with RoomHistoryClient(small_server.address) as c:
        async with AsyncRoomHistoryClient(small_server.address) as ac, AsyncRoomMirror(
            ac, [room], progress_interval=0.2
        ) as amirror:
            with RoomMirror(c, [room], progress_interval=0.2) as mirror:
                for i in range(1, 31):
                    await asyncio.to_thread(step, c, mirror, room, rng, i)
                history = c.get_history(room)
                mirror.wait_for_version(room, history.version, timeout=10)
                await amirror.wait_for_version(room, history.version, timeout=10)
                assert mirror.version(room) == amirror.version(room) == history.version
                assert mirror.get_messages(room) == list(history.messages), f"seed {seed}"
                assert amirror.get_messages(room) == list(history.messages), f"seed {seed}"
