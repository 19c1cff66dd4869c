"""The clients' trust options without a server: which targets may receive a token over plaintext
(clients/testdata/trust-vectors.json, which the TypeScript client runs too) and the option combinations the
constructors refuse. TLS and tokens against a real server: test_trust_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient
from roomhistory._trust import is_loopback

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "testdata" / "trust-vectors.json").read_text("utf-8"))


@pytest.mark.parametrize("target,loopback", sorted(VECTORS["loopback"].items()))
def test_loopback(target: str, loopback: bool) -> None:
    assert is_loopback(target) == loopback


@pytest.mark.parametrize("cls", [RoomHistoryClient, AsyncRoomHistoryClient])
def test_a_token_goes_to_loopback_over_plaintext_never_elsewhere(cls: type[RoomHistoryClient]) -> None:
    cls("127.0.0.1:1", token="t")
    with pytest.raises(ValueError, match="only over TLS"):
        cls("10.0.0.5:50051", token="t")
    with pytest.raises(ValueError, match="only over TLS"):
        cls("10.0.0.5:50051", token_provider=lambda: "t")


def test_a_token_over_tls_goes_anywhere() -> None:
    RoomHistoryClient("10.0.0.5:50051", token="t", credentials=grpc.ssl_channel_credentials()).close()


def test_contradictory_or_empty_options() -> None:
    with pytest.raises(ValueError, match="not both"):
        RoomHistoryClient("127.0.0.1:1", token="t", token_provider=lambda: "t")
    with pytest.raises(ValueError, match="not both"):
        RoomHistoryClient("127.0.0.1:1", credentials=grpc.ssl_channel_credentials(), root_certificates=b"x")
    with pytest.raises(ValueError, match="token: empty"):
        RoomHistoryClient("127.0.0.1:1", token="")
