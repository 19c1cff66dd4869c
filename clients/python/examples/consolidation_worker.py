"""A consolidation worker: follows rooms through one watch stream (a blocking RoomMirror) and, every
`--every` new messages in a room, consolidates the room into a memory record, printed as one JSON line.

The consolidation is faked (who spoke how often, the most frequent words): swap `consolidate` for a
summarising model call.

    python clients/python/examples/consolidation_worker.py --target 127.0.0.1:50051 --room demo --every 5

For a server with TLS and tokens, set ROOMHISTORY_CA_FILE (the server's CA), ROOMHISTORY_CLIENT_CERT_FILE
and ROOMHISTORY_CLIENT_KEY_FILE (mTLS), ROOMHISTORY_TLS_SERVER_NAME and ROOMHISTORY_TOKEN (see
roomhistory.trust_from_env).
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import queue
import re

from roomhistory import Message, Role, RoomHistoryClient, RoomMirror, trust_from_env

log = logging.getLogger("consolidation_worker")
ROLE_NAMES = {Role.ROLE_USER: "user", Role.ROLE_ASSISTANT: "assistant", Role.ROLE_SYSTEM: "system", Role.ROLE_TOOL: "tool"}


def consolidate(room: str, version: int, messages: list[Message]) -> dict[str, object]:
    """Stands in for a summarising model: counts speakers and words of the room's window."""
    speakers = collections.Counter(m.sender or ROLE_NAMES.get(m.role, "?") for m in messages)
    words = collections.Counter(w for m in messages for w in re.findall(r"\w{4,}", m.content.lower()))
    return {
        "room": room,
        "version": version,
        "messages": len(messages),
        "speakers": dict(speakers.most_common()),
        "top_words": [w for w, _ in words.most_common(5)],
    }


def run(target: str, rooms: list[str], every: int, exit_after: int | None) -> None:
    woken: queue.Queue[str] = queue.Queue()
    consolidated_seq = dict.fromkeys(rooms, 0)  # the newest seq each room was consolidated up to
    done = 0
    with RoomHistoryClient(target, **trust_from_env()) as client, RoomMirror(
        client, rooms, on_change=lambda room, _: woken.put(room)
    ) as mirror:
        print(json.dumps({"following": rooms}), flush=True)
        while exit_after is None or done < exit_after:
            room = woken.get()
            messages = mirror.get_messages(room)
            new = [m for m in messages if m.seq > consolidated_seq[room]]
            if len(new) < every:
                continue
            consolidated_seq[room] = max(m.seq for m in new)
            print(json.dumps(consolidate(room, mirror.version(room), messages), ensure_ascii=False), flush=True)
            done += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--target",
        default=os.environ.get("ROOMHISTORY_ADDRESS", "127.0.0.1:50051"),
        help="the roomhistory server (host:port; default $ROOMHISTORY_ADDRESS or 127.0.0.1:50051)",
    )
    parser.add_argument("--room", action="append", required=True, help="a room to follow (repeatable)")
    parser.add_argument("--every", type=int, default=10, help="consolidate after this many new messages")
    parser.add_argument("--exit-after", type=int, help="exit after this many consolidations")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        run(args.target, args.room, args.every, args.exit_after)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
