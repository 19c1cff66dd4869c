"""The clients' trust options against a real server with TLS and a tokens file (certificates made with openssl
at test time): a valid token works on calls and watches, a missing one raises UnauthenticatedError, a room or
right outside its scope PermissionDeniedError, a rotating token_provider (sync, and async for the asyncio
client) is asked per call, mTLS with a client certificate works, a wrong CA fails, and a quota's RetryInfo
is waited out. As clients/ts/test/trust-e2e.test.ts."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certs import Certs, make_certs
from procs import RedisProcess, ServerProcess

from roomhistory import (
    AsyncRoomHistoryClient,
    Message,
    PermissionDeniedError,
    ResourceExhaustedError,
    RetryPolicy,
    Role,
    RoomHistoryClient,
    UnauthenticatedError,
    UnavailableError,
)

ALL = ["read", "write", "watch", "admin"]
ONE_ATTEMPT = RetryPolicy(max_attempts=1)


def user(content: str) -> Message:
    return Message(role=Role.ROLE_USER, content=content)


def entry(name: str, token: str, rooms: list[str], rights: list[str]) -> dict[str, Any]:
    return {"name": name, "sha256": hashlib.sha256(token.encode()).hexdigest(), "rooms": rooms, "rights": rights}


@pytest.fixture(scope="module")
def certs() -> Certs:
    return make_certs()


@pytest.fixture(scope="module")
def tokens(certs: Certs) -> Path:
    path = certs.dir / "tokens.json"
    entries = [
        entry("all", "rh_all", [""], ALL),
        entry("tenant-a", "rh_a", ["a/"], ALL),
        entry("tenant-b", "rh_b", ["b/"], ALL),
        entry("reader", "rh_reader", [""], ["read"]),
        {"name": "worker-cert", "client_cert": "worker-a", "rooms": [""], "rights": ALL},
    ]
    path.write_text(json.dumps({"tokens": entries}), encoding="utf-8")
    return path


def serve(redis: RedisProcess, env: dict[str, str]) -> Iterator[ServerProcess]:
    server = ServerProcess(redis.url, env=env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_server(redis: RedisProcess, certs: Certs, tokens: Path) -> Iterator[ServerProcess]:
    yield from serve(redis, {"ROOMHISTORY_TLS_CERT": str(certs.server.cert), "ROOMHISTORY_TLS_KEY": str(certs.server.key),
                             "ROOMHISTORY_TOKENS_FILE": str(tokens)})


def tls_client(server: ServerProcess, certs: Certs, ca: Path | None = None, **options: Any) -> RoomHistoryClient:
    options = {"retry": ONE_ATTEMPT, **options}
    return RoomHistoryClient(
        server.address, root_certificates=(ca or certs.ca).read_bytes(), tls_server_name="localhost", **options
    )


def test_a_valid_token_is_sent_on_calls_and_on_the_watch(tls_server: ServerProcess, certs: Certs) -> None:
    with tls_client(tls_server, certs, token="rh_all") as client:
        stream = client.watch(["t/watched"])
        appended = client.append_messages("t/watched", [user("hello")])
        change = next(iter(stream))
        assert (change.room_id, change.version) == ("t/watched", appended.version)
        stream.cancel()
        assert [m.content for m in client.get_history("t/watched").messages] == ["hello"]


def test_no_token_or_an_unknown_one_is_unauthenticated(tls_server: ServerProcess, certs: Certs) -> None:
    with tls_client(tls_server, certs, retry=RetryPolicy()) as client, pytest.raises(UnauthenticatedError):
        client.get_history("t/x")
    with tls_client(tls_server, certs, token="rh_unknown") as client, pytest.raises(UnauthenticatedError):
        client.get_room_info("t/x")


def test_out_of_scope_rooms_and_missing_rights_are_permission_denied(tls_server: ServerProcess, certs: Certs) -> None:
    with tls_client(tls_server, certs, token="rh_a") as a:
        a.append_messages("a/1", [user("mine")])
        with pytest.raises(PermissionDeniedError):
            a.get_history("b/1")
    with tls_client(tls_server, certs, token="rh_reader") as reader:
        assert len(reader.get_history("a/1").messages) == 1
        with pytest.raises(PermissionDeniedError):
            reader.append_messages("a/1", [user("no")])


def test_a_token_provider_is_asked_before_every_call(tls_server: ServerProcess, certs: Certs) -> None:
    current, asked = ["rh_a"], [0]

    def provider() -> str:
        asked[0] += 1
        return current[0]

    with tls_client(tls_server, certs, token_provider=provider) as client:
        client.append_messages("a/rotate", [user("as a")])
        with pytest.raises(PermissionDeniedError):
            client.get_history("b/rotate")
        current[0] = "rh_b"
        client.append_messages("b/rotate", [user("as b")])
        with pytest.raises(PermissionDeniedError):
            client.get_history("a/rotate")
    assert asked[0] == 4


async def test_the_asyncio_client_takes_an_async_token_provider(tls_server: ServerProcess, certs: Certs) -> None:
    current = ["rh_a"]

    async def provider() -> str:
        return current[0]

    async with AsyncRoomHistoryClient(
        tls_server.address, root_certificates=certs.ca.read_bytes(), tls_server_name="localhost",
        token_provider=provider, retry=ONE_ATTEMPT,
    ) as client:
        await client.append_messages("a/async", [user("as a")])
        with pytest.raises(PermissionDeniedError):
            await client.get_history("b/async")
        current[0] = "rh_b"
        await client.append_messages("b/async", [user("as b")])


def test_a_failing_token_provider_fails_the_attempt_and_a_read_asks_again(
    tls_server: ServerProcess, certs: Certs
) -> None:
    def down() -> str:
        raise RuntimeError("vault down")

    with tls_client(tls_server, certs, token_provider=down) as client, pytest.raises(UnavailableError) as failed:
        client.get_room_info("t/x")
    assert "vault down" in failed.value.message
    calls = [0]

    def flaky() -> str:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("vault down")
        return "rh_all"

    with tls_client(tls_server, certs, token_provider=flaky, retry=RetryPolicy(initial=0.01, max_attempts=3)) as client:
        client.get_room_info("t/x")
    assert calls[0] == 2


def test_a_server_certificate_from_another_ca_fails(tls_server: ServerProcess, certs: Certs) -> None:
    with tls_client(tls_server, certs, ca=certs.other_ca, token="rh_all", timeout=3) as client:
        with pytest.raises(UnavailableError):
            client.get_room_info("t/x")


@pytest.fixture(scope="module")
def mtls_server(redis: RedisProcess, certs: Certs, tokens: Path) -> Iterator[ServerProcess]:
    yield from serve(redis, {"ROOMHISTORY_TLS_CERT": str(certs.server.cert), "ROOMHISTORY_TLS_KEY": str(certs.server.key),
                             "ROOMHISTORY_TLS_CLIENT_CA": str(certs.ca), "ROOMHISTORY_TOKENS_FILE": str(tokens)})


def test_mtls_a_client_certificate_is_served_without_a_token(mtls_server: ServerProcess, certs: Certs) -> None:
    with tls_client(mtls_server, certs, certificate_chain=certs.client.cert.read_bytes(),
                    private_key=certs.client.key.read_bytes()) as client:
        client.append_messages("m/1", [user("by certificate")])
        assert len(client.get_history("m/1").messages) == 1
    with tls_client(mtls_server, certs, token="rh_all", timeout=3) as without, pytest.raises(UnavailableError):
        without.get_room_info("m/1")


@pytest.fixture(scope="module")
def quota_server(redis: RedisProcess, tokens: Path) -> Iterator[ServerProcess]:
    yield from serve(redis, {"ROOMHISTORY_TOKENS_FILE": str(tokens), "ROOMHISTORY_QUOTA_CALLS_PER_SECOND": "10",
                             "ROOMHISTORY_QUOTA_CALLS_BURST": "1", "ROOMHISTORY_QUOTA_WATCH_STREAMS": "1"})


def test_a_read_over_the_quota_waits_the_retry_info_delay(quota_server: ServerProcess) -> None:
    # A token over plaintext: the server listens on loopback, where the client allows it.
    with RoomHistoryClient(quota_server.address, token="rh_all") as client:
        started = time.monotonic()
        for _ in range(4):
            client.get_room_info("q/1")
        # Three of the four waited for the bucket (10 a second): about 100 ms each.
        assert time.monotonic() - started >= 0.25
        with pytest.raises(ResourceExhaustedError) as refused:
            client.clear_room("q/1")
        assert refused.value.retry_delay is not None and 0 < refused.value.retry_delay <= 0.1


async def test_a_watch_over_the_cap_is_reopened_after_the_retry_info_delay(
    quota_server: ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="roomhistory")
    async with AsyncRoomHistoryClient(quota_server.address, token="rh_all") as client:
        first = client.watch(["w/1"])
        first_change = asyncio.ensure_future(anext(first))
        await client.append_messages("w/1", [user("one")])
        assert (await first_change).room_id == "w/1"
        second = client.watch(["w/2"])
        second_change = asyncio.ensure_future(anext(second))

        def over_the_cap() -> bool:  # refused for the cap, waiting the server's 1 s rather than the backoff
            return any("watch stream refused (RESOURCE_EXHAUSTED" in r.getMessage()
                       and r.getMessage().endswith("resuming in 1.00s") for r in caplog.records)

        deadline = time.monotonic() + 5
        while not over_the_cap():  # a log line: nothing to await
            assert time.monotonic() < deadline, "the second watch was never refused for the cap"
            await asyncio.sleep(0.02)
        await first.aclose()
        await client.append_messages("w/2", [user("two")])
        assert (await asyncio.wait_for(second_change, 10)).room_id == "w/2"
        await second.aclose()
