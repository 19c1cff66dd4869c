"""Trust settings of both clients: the channel's TLS (the server's CA, an optional client certificate for
mTLS) and the bearer token sent as ``authorization: Bearer <token>`` on every call, watches included, as
grpc call credentials. The same rules as the TypeScript client's src/auth.ts."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import grpc

#: Where a token comes from: called before every call and every watch (re)connect, in a gRPC thread. The
#: asyncio client also takes a coroutine function (run on the event loop the client was made in).
TokenProvider = Callable[[], "str | Awaitable[str]"]


def is_loopback(target: str) -> bool:
    """Whether ``target`` ("host:port", "[::1]:port", optionally "dns:"/"ipv4:"/"ipv6:" prefixed) is a
    loopback address (127.0.0.0/8, ::1, localhost); an "ipv4:"/"ipv6:" list of several addresses (for load
    balancing) is loopback when every one is."""
    target = re.sub(r"^(dns:(//[^/]*/)?|ipv4:|ipv6:)", "", target)
    return all(_loopback_host(one) for one in target.split(","))


def _loopback_host(address: str) -> bool:
    host = address[1 : address.find("]")] if address.startswith("[") else re.sub(r":\d+$", "", address)
    return host in ("localhost", "::1") or re.fullmatch(r"127\.\d+\.\d+\.\d+", host) is not None


class _BearerPlugin(grpc.AuthMetadataPlugin):
    """Asks the provider for the token of each call; gRPC runs this in a thread of its own."""

    def __init__(self, provider: TokenProvider, loop: asyncio.AbstractEventLoop | None) -> None:
        self._provider = provider
        self._loop = loop

    def __call__(self, context: grpc.AuthMetadataContext, callback: grpc.AuthMetadataPluginCallback) -> None:
        try:
            token = self._provider()
            if inspect.isawaitable(token):
                if self._loop is None:
                    raise RuntimeError("an async token_provider needs the AsyncRoomHistoryClient made inside its loop")
                token = asyncio.run_coroutine_threadsafe(_awaited(token), self._loop).result()
            callback((("authorization", f"Bearer {token}"),), None)
        except Exception as err:  # the call fails with it, as gRPC reports a plugin's failure
            callback((), err)


async def _awaited(value: Awaitable[str]) -> str:
    return await value


def channel_trust(
    target: str,
    *,
    credentials: grpc.ChannelCredentials | None,
    root_certificates: bytes | None,
    private_key: bytes | None,
    certificate_chain: bytes | None,
    tls_server_name: str | None,
    token: str | None,
    token_provider: TokenProvider | None,
    loop: asyncio.AbstractEventLoop | None = None,
    channel_given: bool = False,
) -> tuple[grpc.ChannelCredentials | None, list[tuple[str, Any]]]:
    """The channel credentials (None: plaintext) and channel options for ``target``.

    TLS when ``credentials`` (e.g. ``grpc.ssl_channel_credentials()`` for the system's roots) or any of the
    PEM arguments are given. A token rides on TLS; without TLS it is accepted only for a loopback target,
    through gRPC's local credentials (which check that the connection is local), and a ValueError says so
    otherwise. With ``channel_given`` (the client was handed a channel) every trust argument is refused.
    """
    given = (credentials, root_certificates, private_key, certificate_chain, tls_server_name, token, token_provider)
    if channel_given and any(v is not None for v in given):
        raise ValueError("a given channel= carries its own credentials: no TLS or token arguments with it")
    if token is not None and token_provider is not None:
        raise ValueError("give token or token_provider, not both")
    if token == "":
        raise ValueError("token: empty")
    pems = (root_certificates, private_key, certificate_chain)
    if credentials is not None and any(p is not None for p in pems):
        raise ValueError("give credentials or root_certificates/private_key/certificate_chain, not both")
    if credentials is None and any(p is not None for p in pems):
        credentials = grpc.ssl_channel_credentials(*pems)
    options: list[tuple[str, Any]] = []
    if tls_server_name:
        options += [("grpc.ssl_target_name_override", tls_server_name), ("grpc.default_authority", tls_server_name)]
    provider = token_provider if token_provider is not None else (None if token is None else (lambda: token))
    if provider is None:
        return credentials, options
    if credentials is None:
        if not is_loopback(target):
            raise ValueError(
                f"a token is sent only over TLS (root_certificates or credentials) or to a loopback address; "
                f"{target} is neither"
            )
        credentials = grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    per_call = grpc.metadata_call_credentials(_BearerPlugin(provider, loop), name="roomhistory-bearer")
    return grpc.composite_channel_credentials(credentials, per_call), options


#: The environment variables trust_from_env reads, and the client keyword each one fills.
TRUST_ENV = {
    "ROOMHISTORY_CA_FILE": "root_certificates",
    "ROOMHISTORY_CLIENT_CERT_FILE": "certificate_chain",
    "ROOMHISTORY_CLIENT_KEY_FILE": "private_key",
    "ROOMHISTORY_TLS_SERVER_NAME": "tls_server_name",
    "ROOMHISTORY_TOKEN": "token",
}


def trust_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The clients' trust keywords from the environment (``os.environ`` by default), for
    ``RoomHistoryClient(target, **trust_from_env())``: ROOMHISTORY_CA_FILE, ROOMHISTORY_CLIENT_CERT_FILE and
    ROOMHISTORY_CLIENT_KEY_FILE name PEM files (read here), ROOMHISTORY_TLS_SERVER_NAME and ROOMHISTORY_TOKEN
    are taken as they are, and ROOMHISTORY_TLS=true asks for TLS with the system's roots when no CA file is
    given. Unset or empty variables are left out; TypeScript's trustFromEnv reads the same ones."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for var, keyword in TRUST_ENV.items():
        value = env.get(var, "")
        if value:
            out[keyword] = Path(value).read_bytes() if var.endswith("_FILE") else value
    tls = any(k in out for k in ("root_certificates", "certificate_chain", "private_key"))
    if env.get("ROOMHISTORY_TLS", "").lower() == "true" and not tls:
        out["credentials"] = grpc.ssl_channel_credentials()
    return out
