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
from google.rpc import error_details_pb2, status_pb2

import roomhistory
from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient, RoomHistoryError
from roomhistory._resume import WatchResumer
from roomhistory._retry import (
    MAX_RETRY_INFO_DELAY,
    RETRYABLE_CODES,
    Backoff,
    RetryPolicy,
    resume_delay,
    retry_safe,
    retry_wait,
)
from roomhistory._window import Fetch, RoomWindow, after_fetch, next_step
from roomhistory.errors import error_from_rpc
from roomhistory.v1 import change_pb2
from roomhistory.v1 import message_pb2 as msg
from roomhistory.v1 import room_history_service_pb2 as pb

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"


def load(name: str) -> Any:
    return json.loads((TESTDATA / name).read_text(encoding="utf-8"))


WINDOW_CASES = load("window-vectors.json")["cases"]
RETRY = load("retry-vectors.json")
ERRORS = load("error-vectors.json")["cases"]
WATCH = load("watch-vectors.json")


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


def test_retry_info_cap() -> None:
    assert MAX_RETRY_INFO_DELAY * 1000 == RETRY["max_retry_info_ms"]


@pytest.mark.parametrize("case", RETRY["waits"], ids=[json.dumps(w) for w in RETRY["waits"]])
def test_retry_wait(case: dict[str, Any]) -> None:
    retry_info = case["retry_info_ms"] / 1000 if "retry_info_ms" in case else None
    wait = retry_wait(grpc.StatusCode[case["status"]], retry_info, case["backoff_ms"] / 1000, case["remaining_ms"] / 1000)
    expected = case["wait_ms"]
    assert (None if wait is None else round(wait * 1000, 6)) == expected


class FakeRpcError(grpc.RpcError):
    """A failed call as grpc reports it: code, details and trailing metadata."""

    def __init__(self, code: grpc.StatusCode, details: str, trailers: tuple[tuple[str, bytes], ...] = ()) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> Any:  # grpc's metadata type is private to its stubs
        return self._trailers


def rpc_error(case: dict[str, Any]) -> FakeRpcError:
    code = grpc.StatusCode[case["status"]]
    trailers: tuple[tuple[str, bytes], ...] = ()
    status = status_pb2.Status(code=code.value[0], message=case["details"])
    if "error_info" in case:
        status.details.add().Pack(error_details_pb2.ErrorInfo(domain="roomhistory.v1", **case["error_info"]))
    if "retry_info" in case:
        retry = error_details_pb2.RetryInfo()
        if "retry_delay_ms" in case["retry_info"]:
            retry.retry_delay.FromMilliseconds(case["retry_info"]["retry_delay_ms"])
        status.details.add().Pack(retry)
    if status.details:
        trailers = (("grpc-status-details-bin", status.SerializeToString()),)
    return FakeRpcError(code, case["details"], trailers)


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
def test_error_vector(case: dict[str, Any]) -> None:
    err = error_from_rpc(rpc_error(case))
    expected = case["error"]
    assert type(err).__name__ == expected["class"]
    assert type(err) is getattr(roomhistory, expected["class"])
    assert isinstance(err, RoomHistoryError)
    for ancestor in expected["ancestors"]:
        assert isinstance(err, getattr(roomhistory, ancestor)), ancestor
    for name, value in expected["fields"].items():
        actual: Any
        if name == "retry_delay_ms":
            actual = None if err.retry_delay is None else round(err.retry_delay * 1000, 6)
        else:
            actual = err.code.name if name == "code" else getattr(err, name)
        assert actual == value, name


@pytest.mark.parametrize("name,resumes", sorted(WATCH["resume"].items()))
def test_watch_resumes(name: str, resumes: bool) -> None:
    resumer = WatchResumer(["r"], 5.0)
    err = FakeRpcError(grpc.StatusCode[name], name)
    if resumes:
        assert resumer.delay_after(err, idle=False) >= 0
    else:
        with pytest.raises(RoomHistoryError) as raised:
            resumer.delay_after(err, idle=False)
        assert raised.value.code.name == name


@pytest.mark.parametrize("case", WATCH["retry_info"], ids=lambda c: f"{c['status']}-{c['retry_info_ms']}")
def test_watch_resumes_after_retry_info(case: dict[str, Any]) -> None:
    failed = rpc_error({"status": case["status"], "details": "x", "retry_info": {"retry_delay_ms": case["retry_info_ms"]}})
    delay = resume_delay(error_from_rpc(failed), case["backoff_ms"] / 1000)
    assert (None if delay is None else round(delay * 1000, 6)) == case["delay_ms"]
    resumer = WatchResumer(["r"], 5.0)
    if case["delay_ms"] is None:
        with pytest.raises(RoomHistoryError):
            resumer.delay_after(failed, idle=False)
    elif case["status"] == "RESOURCE_EXHAUSTED" and case["retry_info_ms"]:
        assert round(resumer.delay_after(failed, idle=False) * 1000, 6) == case["delay_ms"]


def test_watch_resumes_after_an_end_or_a_silence() -> None:
    resumer = WatchResumer(["r"], 5.0)
    assert resumer.delay_after(None, idle=False) >= 0
    assert resumer.delay_after(FakeRpcError(grpc.StatusCode.CANCELLED, "idle"), idle=True) >= 0


@pytest.mark.parametrize("case", WATCH["cursors"], ids=[c["name"] for c in WATCH["cursors"]])
def test_watch_cursors(case: dict[str, Any]) -> None:
    resumer = WatchResumer(dict(case["cursors"]), 5.0)
    delivered = []
    for response in case["responses"]:
        change = resumer.accept(json_format.ParseDict(response, pb.WatchRoomsResponse()))
        if change is not None:
            delivered.append([change.room_id, change.version])
    assert delivered == case["delivered"]
    assert resumer.cursors == case["cursors_after"]


@pytest.mark.parametrize("delay", WATCH["backoff"]["delays"], ids=lambda d: f"{d['attempt']}-{d['random']}")
def test_backoff(delay: dict[str, Any]) -> None:
    p = WATCH["backoff"]["policy"]
    policy = RetryPolicy(initial=p["initial_ms"] / 1000, maximum=p["max_ms"] / 1000, multiplier=p["multiplier"])
    backoff = Backoff(policy, rng=lambda: delay["random"])
    for _ in range(delay["attempt"]):
        backoff.next_delay()
    assert backoff.next_delay() * 1000 == pytest.approx(delay["delay_ms"])


def test_default_policy_is_the_vectors() -> None:
    p = WATCH["backoff"]["policy"]
    default = RetryPolicy()
    assert (default.initial * 1000, default.maximum * 1000, default.multiplier) == (
        p["initial_ms"], p["max_ms"], p["multiplier"]
    )
