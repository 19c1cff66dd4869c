"""An agent worker: runs a tool-using loop against an OpenAI-compatible chat API, keeps every turn (the
assistant's tool calls, the tool results) in a room with a small context budget, and compacts the room
when the watch says it needs it, so the loop goes on in a bounded context.

- SetAgentOptions gives the room its budget (``--max-context-tokens``) and threshold; the server keeps the
  room's token total and marks the change that crosses the threshold (RoomChange.needs_compaction).
- A RoomMirror follows the room; its ``on_needs_compaction`` listener fires on that change, without polling.
- The worker then asks the model for a summary of the room and calls CompactHistory with the version it
  summarized as expected_version: a turn another writer appended meanwhile makes it ABORTED (nothing is
  lost) and the worker summarizes again.

    python clients/python/examples/agent_worker.py --target 127.0.0.1:50051 --room agent-demo \\
        --base-url http://127.0.0.1:8000/v1 --model gpt-4o-mini --task "Read pages 1 to 3 and sum them up"

``--base-url`` is any OpenAI-compatible endpoint (the key comes from OPENAI_API_KEY; a local server may
ignore it). The one tool, ``read_page``, returns a long deterministic text: it stands in for a real tool
with large results. Prints one JSON line per compaction and one with the final answer.
For TLS and tokens towards roomhistory, see roomhistory.trust_from_env (as for inference_worker.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
from typing import Any

from openai import OpenAI

from roomhistory import (
    Message,
    RenderForm,
    Role,
    RoomHistoryClient,
    RoomMirror,
    ToolCall,
    VersionConflictError,
    trust_from_env,
)

log = logging.getLogger("agent_worker")

TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "read_page",
            "description": "Returns the text of one page of the document.",
            "parameters": {"type": "object", "properties": {"page": {"type": "integer"}}, "required": ["page"]},
        },
    }
]

SUMMARIZE = (
    "Summarize the conversation below for the agent that continues it: the task, what the tools returned "
    "that still matters, and what is left to do. Be brief."
)


def read_page(page: int) -> str:
    """The tool: a long, deterministic page of text."""
    return "".join(f"page {page} line {i}: the quick brown fox jumps over the lazy dog {i * page}\n" for i in range(30))


def run_tool(call: ToolCall) -> str:
    try:
        args = json.loads(call.arguments or "{}")
        if call.name != "read_page":
            raise ValueError(f"unknown tool {call.name!r}")
        return read_page(int(args["page"]))
    except (ValueError, KeyError, TypeError) as err:
        return f"error: {err}"


def compact(client: RoomHistoryClient, llm: OpenAI, model: str, room: str, keep_recent: int) -> dict[str, Any]:
    """Summarizes the room with the model and compacts it at the version summarized; again on a conflict."""
    while True:
        before = client.get_room_info(room)
        history = client.get_history(room)
        transcript = "\n".join(f"{Role.Name(m.role)}: {m.content}" for m in history.messages)
        answer = llm.chat.completions.create(
            model=model,
            messages=[{"role": "system", "content": SUMMARIZE}, {"role": "user", "content": transcript}],
        )
        summary = answer.choices[0].message.content or "(no summary)"
        try:
            done = client.compact_history(room, summary, keep_recent=keep_recent, expected_version=history.version)
        except VersionConflictError as err:
            log.info("room %s moved to version %d while summarizing; again", room, err.current_version)
            continue
        after = client.get_room_info(room)
        return {"compacted": done.compacted, "version": done.version, "tokens_before": before.token_count,
                "tokens_after": after.token_count}


def step(client: RoomHistoryClient, llm: OpenAI, model: str, room: str, run_id: str) -> tuple[int, str | None]:
    """One model call over the rendered room: appends the tool calls and their results (one atomic append)
    and returns (version, None), or appends the final answer and returns (version, answer)."""
    rendered = client.render_messages(room, form=RenderForm.RENDER_FORM_JSON)
    reply = llm.chat.completions.create(model=model, messages=json.loads(rendered.messages_json), tools=TOOLS)
    said = reply.choices[0].message
    calls = [ToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments)
             for c in said.tool_calls or [] if c.type == "function"]
    turn = Message(role=Role.ROLE_ASSISTANT, content=said.content or "", tool_calls=calls, run_id=run_id,
                   sender="agent")
    results = [Message(role=Role.ROLE_TOOL, tool_call_id=c.id, content=run_tool(c), run_id=run_id, sender=c.name)
               for c in calls]
    version = client.append_messages(room, [turn, *results]).version
    return version, None if calls else turn.content


def run(args: argparse.Namespace) -> None:
    llm = OpenAI(base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "unused"))
    with RoomHistoryClient(args.target, **trust_from_env()) as client:
        client.set_agent_options(
            args.room, max_context_tokens=args.max_context_tokens, compaction_threshold=args.threshold
        )
        crossed = threading.Event()
        with RoomMirror(client, [args.room], on_needs_compaction=lambda _: crossed.set()) as mirror:
            task = Message(role=Role.ROLE_USER, content=args.task, client_input=True, run_id=args.run_id,
                           sender="user")
            version = client.append_messages(args.room, [task]).version
            compactions = 0
            for steps in range(1, args.max_steps + 1):
                # The watch brings each of our own appends back with the room's token total.
                mirror.wait_for_version(args.room, version, timeout=30)
                if crossed.is_set() or mirror.needs_compaction(args.room):
                    crossed.clear()
                    record = compact(client, llm, args.model, args.room, args.keep_recent)
                    compactions += 1
                    print(json.dumps({"event": "compacted", **record}), flush=True)
                version, answer = step(client, llm, args.model, args.room, args.run_id)
                if answer is not None:
                    print(json.dumps({"event": "done", "answer": answer, "steps": steps, "compactions": compactions,
                                      "version": version}), flush=True)
                    return
            raise SystemExit(f"no answer after {args.max_steps} steps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default=os.environ.get("ROOMHISTORY_ADDRESS", "127.0.0.1:50051"),
                        help="the roomhistory server (host:port; default $ROOMHISTORY_ADDRESS or 127.0.0.1:50051)")
    parser.add_argument("--room", required=True, help="the room that holds the agent's history")
    parser.add_argument("--base-url", required=True, help="the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--model", default="gpt-4o-mini", help="the model name sent to the API")
    parser.add_argument("--task", default="Read pages 1 to 3 and sum them up.", help="the user's task")
    parser.add_argument("--run-id", default="run-1", help="run_id of the turns the worker writes")
    parser.add_argument("--max-context-tokens", type=int, default=1000, help="the room's context budget")
    parser.add_argument("--threshold", type=float, default=0.6, help="the share of it at which to compact")
    parser.add_argument("--keep-recent", type=int, default=2, help="messages CompactHistory keeps")
    parser.add_argument("--max-steps", type=int, default=20, help="model calls before giving up")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(args)


if __name__ == "__main__":
    main()
