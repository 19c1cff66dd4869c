"""An inference worker: follows rooms with an AsyncRoomMirror and, whenever a room's newest message is a
user's, renders the room for a chat API, "runs the model" and appends the assistant's turn with
expected_version, so two workers never answer the same turn twice.

The model is faked (it echoes the last user message): swap `fake_model` for a real chat-completions call
that takes `rendered.messages_json`.

    python clients/python/examples/inference_worker.py --target 127.0.0.1:50051 --room demo --say "hello" --once

For a server with TLS and tokens, set ROOMHISTORY_CA_FILE (the server's CA), ROOMHISTORY_CLIENT_CERT_FILE
and ROOMHISTORY_CLIENT_KEY_FILE (mTLS), ROOMHISTORY_TLS_SERVER_NAME and ROOMHISTORY_TOKEN (see
roomhistory.trust_from_env).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re

from roomhistory import (
    AsyncRoomHistoryClient,
    AsyncRoomMirror,
    Message,
    MessageKind,
    RenderForm,
    Role,
    VersionConflictError,
    trust_from_env,
)

log = logging.getLogger("inference_worker")


def fake_model(messages_json: str) -> str:
    """Stands in for the LLM: answers with the last user message."""
    messages = json.loads(messages_json)
    last = next(m for m in reversed(messages) if m["role"] == "user")
    content = last["content"]
    if isinstance(content, list):  # multimodal: the text parts
        content = " ".join(p.get("text", "") for p in content if p.get("type") == "text")
    # The render starts each message with its "[Message ID: X] " marker (the id_markers option).
    return "echo: " + re.sub(r"^\[Message ID: [^]]*\] ", "", content)


def waiting_for_answer(messages: list[Message]) -> bool:
    """True when the newest chat message is a user's (thinking segments do not count)."""
    chat = [m for m in messages if m.kind != MessageKind.MESSAGE_KIND_THINKING]
    return bool(chat) and chat[-1].role == Role.ROLE_USER


async def answer(mirror: AsyncRoomMirror, room: str) -> Message | None:
    """Answers the room's newest user turn; None when there is nothing to answer (any more)."""
    while waiting_for_answer(mirror.get_messages(room)):
        last = mirror.get_messages(room)[-1]
        context = {"room_name": room, "sender": last.sender}
        rendered = await mirror.render(room, context, form=RenderForm.RENDER_FORM_JSON)
        reply = Message(role=Role.ROLE_ASSISTANT, content=fake_model(rendered.messages_json), sender="echo-bot")
        try:
            response = await mirror.append(room, [reply])
        except VersionConflictError as err:
            log.info("room %s moved to version %d while answering; looking again", room, err.current_version)
            continue
        log.info("answered in %s at version %d", room, response.version)
        return response.messages[0]
    return None


async def run(target: str, rooms: list[str], say: str | None, once: bool) -> None:
    async with AsyncRoomHistoryClient(target, **trust_from_env()) as client:
        if say is not None:
            await client.append_messages(rooms[0], [Message(role=Role.ROLE_USER, content=say, sender="cli")])
        woken: asyncio.Queue[str] = asyncio.Queue()
        async with AsyncRoomMirror(client, rooms, on_change=lambda room, _: woken.put_nowait(room)) as mirror:
            for room in rooms:
                woken.put_nowait(room)  # whatever was waiting before the worker started
            while True:
                room = await woken.get()
                answered = await answer(mirror, room)
                if answered is not None:
                    print(json.dumps({"room": room, "answer": answered.content}, ensure_ascii=False), flush=True)
                    if once:
                        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--target",
        default=os.environ.get("ROOMHISTORY_ADDRESS", "127.0.0.1:50051"),
        help="the roomhistory server (host:port; default $ROOMHISTORY_ADDRESS or 127.0.0.1:50051)",
    )
    parser.add_argument("--room", action="append", required=True, help="a room to serve (repeatable)")
    parser.add_argument("--say", help="first append this user message to the first room")
    parser.add_argument("--once", action="store_true", help="exit after answering one turn")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(run(args.target, args.room, args.say, args.once))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
