"""The worker test/packaging/check-install.sh type-checks (mypy --strict) and runs in a fresh venv outside
the repository, against roomhistory-client installed the README's way and from the built wheel: what a
worker venv gets. It appends, reads, renders, meets a version conflict and reads the room's info through
the asyncio client, then prints one JSON line.

    python worker.py --target 127.0.0.1:50051 --room packaging-1
"""

from __future__ import annotations

import argparse
import asyncio
import json

from roomhistory import (
    AsyncRoomHistoryClient,
    Message,
    RenderForm,
    Role,
    RoomHistoryClient,
    VersionConflictError,
)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"worker: {what}")


async def room_version(target: str, room: str) -> int:
    async with AsyncRoomHistoryClient(target) as client:
        info = await client.get_room_info(room)
        return info.version


def run(target: str, room: str) -> dict[str, object]:
    with RoomHistoryClient(target) as client:
        first = client.append_messages(room, [Message(role=Role.ROLE_USER, content="hello from Python", sender="py")])
        check(first.version == 1, f"first append at version 1, got {first.version}")
        client.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content="hello back")], expected_version=1)
        rendered = client.render_messages(room, {"room_name": "packaging"}, form=RenderForm.RENDER_FORM_JSON)
        chat: list[dict[str, object]] = json.loads(rendered.messages_json)
        check(any(m["role"] == "assistant" for m in chat), "the rendered messages hold the assistant turn")
        conflict = 0
        try:
            client.append_messages(room, [Message(role=Role.ROLE_USER, content="late")], expected_version=1)
        except VersionConflictError as err:
            conflict = err.current_version
        check(conflict == 2, f"a stale expected_version is a VersionConflictError at version 2, got {conflict}")
        history = client.get_history(room)
        check(len(history.messages) == 2, f"2 messages, got {len(history.messages)}")
    version = asyncio.run(room_version(target, room))
    return {"worker": "py", "room": room, "version": version, "messages": len(history.messages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--room", required=True)
    args = parser.parse_args()
    print(json.dumps(run(args.target, args.room)), flush=True)


if __name__ == "__main__":
    main()
