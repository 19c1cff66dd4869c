"""The shared specification (clients/testdata/*.json), run against the Python client without a server; the
TypeScript client runs the same files (clients/ts/test/vectors.test.ts)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient
from roomhistory._retry import RETRYABLE_CODES, retry_safe
from roomhistory._window import Fetch, RoomWindow, after_fetch, next_step
from roomhistory.v1 import change_pb2
from roomhistory.v1 import message_pb2 as msg
from roomhistory.v1 import room_history_service_pb2 as pb

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"


def load(name: str) -> Any:
    return json.loads((TESTDATA / name).read_text(encoding="utf-8"))


WINDOW_CASES = load("window-vectors.json")["cases"]
RETRY = load("retry-vectors.json")


def window_of(w: dict[str, Any]) -> RoomWindow:
    return RoomWindow(w["version"], [json_format.ParseDict(m, msg.Message()) for m in w["messages"]])


def run_step(window: RoomWindow, step: dict[str, Any]) -> RoomWindow:
    """One step as the mirrors take it: next_step, then every read it asks for, in order."""
    change = json_format.ParseDict(step["change"], change_pb2.RoomChange())
    fetches = step.get("fetches", [])
    result = next_step(window, change)
    reads = 0
    while isinstance(result, Fetch):
        assert reads < len(fetches), f"an unexpected read (after_seq {result.after_seq})"
        expected = fetches[reads]
        reads += 1
        assert result.after_seq == expected["after_seq"]
        history = json_format.ParseDict(expected["response"], pb.GetHistoryResponse())
        result = after_fetch(window, change, result.after_seq, history)
    assert reads == len(fetches), "reads made"
    return result if isinstance(result, RoomWindow) else window


@pytest.mark.parametrize("case", WINDOW_CASES, ids=[c["name"] for c in WINDOW_CASES])
def test_window_vector(case: dict[str, Any]) -> None:
    window = window_of(case["window"])
    for i, step in enumerate(case["steps"]):
        before = copy.deepcopy(window)
        after = run_step(window, step)
        assert window == before, f"step {i} modified its input"
        assert after == window_of(step["window"]), f"after step {i}"
        window = after


@pytest.mark.parametrize("name,retryable", sorted(RETRY["codes"].items()))
def test_retryable_status(name: str, retryable: bool) -> None:
    assert (grpc.StatusCode[name] in RETRYABLE_CODES) == retryable


@pytest.mark.parametrize(
    "call", RETRY["calls"], ids=[f"{c['rpc']} {json.dumps(c['request'])}" for c in RETRY["calls"]]
)
def test_retry_safe(call: dict[str, Any]) -> None:
    request = json_format.ParseDict(call["request"], getattr(pb, f"{call['rpc']}Request")())
    method = "".join("_" + ch.lower() if ch.isupper() else ch for ch in call["rpc"]).lstrip("_")
    assert hasattr(RoomHistoryClient, method) and hasattr(AsyncRoomHistoryClient, method), method
    assert retry_safe(request) == call["retried"]
