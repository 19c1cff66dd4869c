"""The example workers, run as their README says, against the real server."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from certs import make_certs
from procs import RedisProcess, ServerProcess

from roomhistory import Message, Role, RoomHistoryClient

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
