"""The example workers, run as their README says, against the real server."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from certs import make_certs
from fake_openai import FINAL_ANSWER, SUMMARY, FakeOpenAI
from procs import RedisProcess, ServerProcess

from roomhistory import Message, MessageKind, Role, RoomHistoryClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_inference_worker_answers_a_turn(client: RoomHistoryClient, server: ServerProcess, room: str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "inference_worker.py"), "--target", server.address, "--room", room,
         "--say", "héllo 👋", "--once"],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"room": room, "answer": "echo: héllo 👋"}
    history = client.get_history(room).messages
    assert [(m.role, m.content) for m in history] == [
        (Role.ROLE_USER, "héllo 👋"), (Role.ROLE_ASSISTANT, "echo: héllo 👋"),
    ]


def test_consolidation_worker_follows_the_watch(client: RoomHistoryClient, server: ServerProcess, room: str) -> None:
    worker = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "consolidation_worker.py"), "--target", server.address, "--room", room,
         "--every", "3", "--exit-after", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        assert worker.stdout is not None
        assert json.loads(worker.stdout.readline()) == {"following": [room]}
        for text in ("consolidate these memories", "memories matter"):
            client.append_messages(room, [Message(role=Role.ROLE_USER, content=text, sender="ana")])
        client.append_messages(room, [Message(role=Role.ROLE_ASSISTANT, content="noted: memories")])
        record = json.loads(worker.stdout.readline())
        assert worker.wait(30) == 0
    finally:
        worker.kill()
    assert record["version"] == 3 and record["messages"] == 3
    assert record["speakers"] == {"ana": 2, "assistant": 1}
    assert record["top_words"][0] == "memories"


def test_inference_worker_reads_tls_and_its_token_from_the_environment(redis: RedisProcess) -> None:
    certs = make_certs()
    tokens = certs.dir / "tokens.json"
    digest = hashlib.sha256(b"rh_worker").hexdigest()
    entry = {"name": "worker", "sha256": digest, "rooms": ["example"], "rights": ["read", "write", "watch"]}
    tokens.write_text(json.dumps({"tokens": [entry]}), encoding="utf-8")
    server = ServerProcess(redis.url, env={"ROOMHISTORY_TLS_CERT": str(certs.server.cert),
                                           "ROOMHISTORY_TLS_KEY": str(certs.server.key),
                                           "ROOMHISTORY_TOKENS_FILE": str(tokens)})
    env = {**os.environ, "ROOMHISTORY_CA_FILE": str(certs.ca), "ROOMHISTORY_TLS_SERVER_NAME": "localhost",
           "ROOMHISTORY_TOKEN": "rh_worker"}
    try:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "inference_worker.py"), "--target", server.address, "--room", "example-tls",
             "--say", "over TLS", "--once"],
            capture_output=True, text=True, encoding="utf-8", timeout=60, env=env,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"room": "example-tls", "answer": "echo: over TLS"}


def test_agent_worker_compacts_when_the_watch_says_so_and_goes_on(
    client: RoomHistoryClient, server: ServerProcess, room: str
) -> None:
    # Three long tool results against a 1000-token budget compacting at 60%: the room crosses its threshold
    # twice, and the model (a local fake over real HTTP, through the openai SDK) still gets to its answer.
    with FakeOpenAI(pages=3) as api:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "agent_worker.py"), "--target", server.address, "--room", room,
             "--base-url", api.base_url, "--max-context-tokens", "1000", "--threshold", "0.6"],
            capture_output=True, text=True, encoding="utf-8", timeout=120, env={**os.environ, "OPENAI_API_KEY": "k"},
        )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    compactions = [r for r in records if r["event"] == "compacted"]
    assert len(compactions) >= 2
    for record in compactions:
        assert record["compacted"] > 0 and record["tokens_after"] < record["tokens_before"]
    assert records[-1] | {"version": 0} == {"event": "done", "answer": FINAL_ANSWER, "steps": 4,
                                            "compactions": len(compactions), "version": 0}
    # The model was sent the summary after the first compaction, and asked for all three pages.
    chats = [r for r in api.requests if r.get("tools")]
    assert len(chats) == 4 and any(SUMMARY in json.dumps(r["messages"]) for r in chats)
    info = client.get_room_info(room)
    assert info.max_context_tokens == 1000 and info.token_count < 1000
    history = client.get_history(room).messages
    assert history[-1].content == FINAL_ANSWER and history[0].client_input
    assert any(m.kind == MessageKind.MESSAGE_KIND_SUMMARY for m in history)
    assert sum(1 for m in history if m.role == Role.ROLE_TOOL) < 3
    # The replaced turns are in the archive, byte for byte: every page the tool returned is there or in the window.
    archived = client.get_archive(room, page_size=1000).messages
    pages = {m.content for m in [*archived, *history] if m.role == Role.ROLE_TOOL}
    assert len(pages) == 3 and info.archive_count == len(archived)
