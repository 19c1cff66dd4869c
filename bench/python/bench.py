"""Python side of `npm run bench` (bench/scenarios/python.ts): append and read throughput through the
roomhistory Python client versus a plain Redis chat memory (RPUSH/LTRIM/EXPIRE in one pipeline, LRANGE
+ json.loads), as simple chat-memory libraries do. One process runs the whole plan, alternating the
sides, and prints one JSON line per run: {"side", "op", "ops", "seconds", "latencies_ms"}.

    python bench/python/bench.py --address 127.0.0.1:PORT --redis-url redis://127.0.0.1:PORT \
        --prefix bench:python --seconds 3 --plan service:append,redis:append,redis:read,service:read
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import redis
from roomhistory import Message, RoomHistoryClient, Role

WINDOW = 100
ROOMS = 10
TTL_SECONDS = 86_400

# The same ~500-byte chat turn as bench/lib/rpc.ts.
FILLER = (
    "Could you summarise what we decided about the release yesterday? I remember something about moving "
    "the freeze to Thursday, keeping the migration behind a flag and asking the on-call team to watch the "
    "error budget, but I am not sure whether the rollback plan was agreed or still open. Also, who owns the "
    "follow-up with the data team about the nightly export, and is the dashboard link in the channel topic "
    "still the right one? Thanks \u2014 I'd like to write it up before the standup so nobody has to repeat it."
)


def turn(i: int) -> dict[str, object]:
    user = i % 2 == 0
    return {
        "role": "user" if user else "assistant",
        "content": f"[{i}] {FILLER}",
        "sender": "alice" if user else "",
        "metadata": {"platform": "bench"},
    }


def as_message(t: dict[str, object]) -> Message:
    role = Role.ROLE_USER if t["role"] == "user" else Role.ROLE_ASSISTANT
    return Message(role=role, content=t["content"], sender=t["sender"], metadata=t["metadata"])


class ServiceSide:
    """The roomhistory Python client (blocking)."""

    def __init__(self, address: str) -> None:
        self.client = RoomHistoryClient(address)

    def append(self, room: str, i: int) -> None:
        self.client.append_messages(room, [as_message(turn(i))])

    def read(self, room: str) -> int:
        return len(self.client.get_history(room).messages)


class RedisSide:
    """A plain Redis list per room, as simple chat-memory libraries keep it."""

    def __init__(self, url: str, prefix: str) -> None:
        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def append(self, room: str, i: int) -> None:
        key = f"{self.prefix}:{room}"
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(key, json.dumps(turn(i)))
        pipe.ltrim(key, -WINDOW, -1)
        pipe.expire(key, TTL_SECONDS)
        pipe.execute()

    def read(self, room: str) -> int:
        return len([json.loads(raw) for raw in self.redis.lrange(f"{self.prefix}:{room}", 0, -1)])


def run(side: ServiceSide | RedisSide, op: str, seconds: float) -> dict[str, object]:
    latencies: list[float] = []
    start = time.perf_counter()
    end = start + seconds
    i = 0
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        if op == "append":
            side.append(f"py-append-{i % ROOMS}", i)
        else:
            n = side.read("py-read")
            if n != WINDOW:
                raise SystemExit(f"read {n} messages, expected {WINDOW}")
        latencies.append((time.perf_counter() - t0) * 1000)
        i += 1
    elapsed = time.perf_counter() - start
    return {"ops": len(latencies), "seconds": elapsed, "latencies_ms": [round(x, 4) for x in latencies]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--address", required=True)
    p.add_argument("--redis-url", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--plan", required=True, help="comma-separated side:op runs, in order")
    args = p.parse_args()
    sides = {"service": ServiceSide(args.address), "redis": RedisSide(args.redis_url, args.prefix)}
    # A 100-message window to read on both sides, and the append rooms filled to their window, so that
    # the measured appends trim on both sides (the steady state of a busy room).
    for s in sides.values():
        for room in ["py-read", *(f"py-append-{r}" for r in range(ROOMS))]:
            for i in range(WINDOW):
                s.append(room, i)
    for item in args.plan.split(","):
        side, op = item.split(":")
        run(sides[side], op, 0.3)  # warm-up
        result = run(sides[side], op, args.seconds)
        print(json.dumps({"side": side, "op": op, **result}), flush=True)
    sides["service"].client.close()  # type: ignore[union-attr]
    sys.exit(0)


if __name__ == "__main__":
    main()
