"""The clients' trust options without a server: which targets may receive a token over plaintext
(clients/testdata/trust-vectors.json, which the TypeScript client runs too) and the option combinations the
constructors refuse. TLS and tokens against a real server: test_trust_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
import pytest

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient, trust_from_env
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
    with grpc.insecure_channel("127.0.0.1:1") as channel, pytest.raises(ValueError, match="channel= carries"):
        RoomHistoryClient(channel=channel, token="t")


@pytest.mark.parametrize("case", VECTORS["from_env"], ids=lambda c: json.dumps(c["env"]))
def test_trust_from_env(case: dict[str, Any], tmp_path: Path) -> None:
    pem = tmp_path / "x.pem"
    pem.write_bytes(b"PEM")
    env = {k: str(pem) if v == "$PEM" else v for k, v in case["env"].items()}
    got = trust_from_env(env)
    keywords = {"ca": "root_certificates", "cert": "certificate_chain", "key": "private_key"}
    pems = [short for short, keyword in keywords.items() if keyword in got]
    assert pems == case["pems"] and all(got[keywords[p]] == b"PEM" for p in pems)
    assert (bool(pems) or "credentials" in got) == case["tls"]
    assert got.get("tls_server_name") == case["server_name"]
    assert got.get("token") == case["token"]
