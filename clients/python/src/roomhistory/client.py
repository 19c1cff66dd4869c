"""RoomHistoryClient: the blocking client, one method per RPC, failures raised as typed errors."""

from __future__ import annotations

import json
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import grpc

from . import _requests
from ._methods import SyncMethods
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, retry_delay, retry_safe
from ._tracing import call_metadata
from ._trust import TokenProvider, channel_trust
from ._watch import DEFAULT_PROGRESS_INTERVAL, OnCancelled, OnCreated, Rooms, WatchResumer, WatchStream
from .errors import ClientClosedError, RoomHistoryError, error_from_rpc
from .v1 import export_pb2 as export
from .v1 import metadata_pb2 as meta
from .v1 import room_history_service_pb2_grpc as pb_grpc

R = TypeVar("R")

DEFAULT_TARGET = "127.0.0.1:50051"
#: The deadline of a call, retries included, unless told otherwise, in seconds (TypeScript: 10000 ms).
DEFAULT_TIMEOUT = 10.0


MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def channel_options(retry: RetryPolicy, extra: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The channel's reconnect backoff follows the retry policy (gRPC's default grows to 120 s, failing
    calls long after a restarted server is back); the caller's options of the same name win."""
    names = {name for name, _ in extra}
    own = [
        ("grpc.initial_reconnect_backoff_ms", round(retry.initial * 1000)),
        ("grpc.max_reconnect_backoff_ms", round(retry.maximum * 1000)),
        # A window of up to 1000 messages of up to 1 MiB each is larger than gRPC's 4 MiB default.
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    return [o for o in own if o[0] not in names] + list(extra)


def load_balancing_options(policy: str | None) -> list[tuple[str, Any]]:
    """The channel option choosing grpc's load-balancing policy over the addresses the target resolves to
    ("round_robin" spreads calls over every replica; "pick_first", grpc's default, uses the first that
    answers); a "grpc.service_config" in ``options`` wins over it."""
    if policy is None:
        return []
    if policy not in ("round_robin", "pick_first"):
        raise ValueError(f"load_balancing: {policy!r} is not 'round_robin' or 'pick_first'")
    return [("grpc.service_config", json.dumps({"loadBalancingConfig": [{policy: {}}]}))]


#: A watch's channel has a subchannel pool of its own: it gets its own connection, which it can drop and
#: replace when its stream goes silent (a dead connection would otherwise be reused by the next stream).
WATCH_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (("grpc.use_local_subchannel_pool", 1),)


class RoomHistoryClient(SyncMethods):
    """A blocking client for RoomHistoryService.

    Every method takes ``timeout`` (seconds, retries included; None means the client's default, set in
    the constructor) and raises a :class:`roomhistory.errors.RoomHistoryError` subclass on failure.
    Calls that are safe to repeat retry UNAVAILABLE and DEADLINE_EXCEEDED with backoff (``retry``), and a
    quota's RESOURCE_EXHAUSTED after the server's RetryInfo delay: reads, ReapIdleRooms, appends (each
    carries an idempotency key, a new one per call unless given), and other mutations given an
    expected_version; the rest are never retried. Use the client as a context manager, or call
    :meth:`close`.

    Trust: ``root_certificates`` (the server's CA, PEM bytes) opens the channel with TLS, with
    ``certificate_chain`` and ``private_key`` for mTLS and ``tls_server_name`` when the certificate names
    another host than ``target``; ``credentials`` instead for any other grpc credentials (e.g.
    ``grpc.ssl_channel_credentials()``: the system's roots). ``token`` (or ``token_provider``, called
    before every call and watch reconnect) is sent as ``authorization: Bearer <token>``, only over TLS or
    to a loopback target (ValueError otherwise).

    Several replicas: ``load_balancing="round_robin"`` with a target that resolves to all of them
    (``dns:///roomhistory.internal:50051``, or ``ipv4:10.0.0.1:50051,10.0.0.2:50051``) spreads the calls
    over them; each watch opens a channel of its own, which reaches one replica and resumes on another
    when that one goes away.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        tls_server_name: str | None = None,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_POLICY,
        options: Sequence[tuple[str, Any]] = (),
        channel: grpc.Channel | None = None,
        load_balancing: str | None = None,
    ) -> None:
        credentials, trust_options = channel_trust(
            target, credentials=credentials, root_certificates=root_certificates, private_key=private_key,
            certificate_chain=certificate_chain, tls_server_name=tls_server_name, token=token,
            token_provider=token_provider, channel_given=channel is not None,
        )
        opts = channel_options(retry, [*trust_options, *load_balancing_options(load_balancing), *options])

        def open_channel(extra: Sequence[tuple[str, Any]] = ()) -> grpc.Channel:
            if credentials:
                return grpc.secure_channel(target, credentials, options=[*opts, *extra])
            return grpc.insecure_channel(target, options=[*opts, *extra])

        self._owns_channel = channel is None
        self._channel = shared = channel or open_channel()
        # Given a channel, watches share it; otherwise each watch opens its own (WATCH_CHANNEL_OPTIONS).
        self._open_watch_channel: Callable[[], grpc.Channel] = (
            (lambda: open_channel(WATCH_CHANNEL_OPTIONS)) if self._owns_channel else (lambda: shared)
        )
        self._stub = pb_grpc.RoomHistoryServiceStub(self._channel)
        self._timeout = timeout
        self._retry = retry
        self._streams: weakref.WeakSet[WatchStream] = weakref.WeakSet()
        self._closed = False

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff of this client's read retries and watch reconnects."""
        return self._retry

    def close(self) -> None:
        """Ends every watch stream of this client and closes the channel; any later call raises
        ClientClosedError (a CancelledError), and so does watch()."""
        self._closed = True
        for stream in list(self._streams):
            stream.cancel()
        self._channel.close()

    def __enter__(self) -> RoomHistoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unary(self, method: Callable[..., R], request: Any, timeout: float | None) -> R:
        """One call with a deadline (retries included); a request that is safe to repeat (_retry.retry_safe)
        is retried on UNAVAILABLE and DEADLINE_EXCEEDED with backoff, the same request every time."""
        budget = self._timeout if timeout is None else timeout
        deadline = None if budget is None else time.monotonic() + budget
        backoff = Backoff(self._retry)
        safe = retry_safe(request)
        while True:
            if self._closed:
                raise ClientClosedError()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return method(request, timeout=remaining, metadata=call_metadata())
            except grpc.RpcError as err:
                error = error_from_rpc(err)
            except ValueError as err:  # grpc's "Cannot invoke RPC on closed channel!"
                if not self._closed:
                    raise
                raise ClientClosedError("the client was closed during the call") from err
            delay = retry_delay(error, backoff, deadline) if safe else None
            if delay is None:
                raise error
            time.sleep(delay)

    def iter_rooms(
        self,
        *,
        page_size: int = 0,
        namespace: str = "",
        label: str = "",
        order: meta.ListRoomsOrder = meta.LIST_ROOMS_ORDER_UNSPECIFIED,
        prefix: str = "",
        timeout: float | None = None,
    ) -> Iterator[str]:
        """Every room id ListRooms lists (with its filters and order), page after page (``timeout`` per
        page)."""
        token = ""
        while True:
            page = self.list_rooms(
                page_size=page_size, page_token=token, namespace=namespace, label=label, order=order, prefix=prefix,
                timeout=timeout,
            )
            yield from page.room_ids
            token = page.next_page_token
            if not token:
                return

    def export_rooms(
        self,
        room_ids: Iterable[str] | None = None,
        *,
        namespace: str = "",
        all: bool = False,
        timeout: float | None = None,
    ) -> Generator[export.ExportRecord, None, None]:
        """The records of an export (format roomhistory.export.v1), header first: the rooms ``room_ids`` (in
        that order; missing rooms are skipped), or every room of ``namespace`` then its memory bank, or
        with ``all`` every room then every namespace bank; exactly one of the three. Each room comes whole
        (metadata, window, archive, version, settings). ``timeout`` bounds the whole stream (None: no
        deadline, unlike unary calls: an export may be long); not retried. Stopping the iteration (or
        closing the generator) cancels the call."""
        if self._closed:
            raise ClientClosedError()
        request = _requests.export_rooms(room_ids, namespace, all)
        try:
            call = self._stub.ExportRooms(request, timeout=timeout, metadata=call_metadata())
        except ValueError as err:  # grpc's "Cannot invoke RPC on closed channel!"
            raise ClientClosedError() from err
        try:
            for response in call:
                yield response.record
        except grpc.RpcError as err:
            raise self._stream_error(err) from None
        finally:
            call.cancel()

    def import_rooms(
        self,
        records: Iterable[_requests.ImportItem],
        *,
        expected_version: int | None = None,
        replace_existing: bool = False,
        timeout: float | None = None,
    ) -> export.ImportRoomsResponse:
        """Streams ``records`` (ExportRecords, e.g. from export_rooms or read_export_file, or whole
        ImportRoomsRequests, sent as they are) to ImportRooms, one at a time. A room record is created
        (ALREADY_EXISTS when the room exists), replaces the room with ``replace_existing``, or only at
        ``expected_version``; a namespace record replaces the bank. Refused records are listed in the
        response's ``failures``, the others are imported; an import never lowers a room's version.
        ``timeout`` bounds the whole stream (None: no deadline); never retried."""
        if self._closed:
            raise ClientClosedError()
        requests = (_requests.import_request(r, expected_version, replace_existing) for r in records)
        try:
            response: export.ImportRoomsResponse = self._stub.ImportRooms(requests, timeout=timeout, metadata=call_metadata())
        except grpc.RpcError as err:
            raise self._stream_error(err) from None
        except ValueError as err:  # grpc's "Cannot invoke RPC on closed channel!"
            if not self._closed:
                raise
            raise ClientClosedError() from err
        return response

    def _stream_error(self, err: grpc.RpcError) -> RoomHistoryError:
        """A stream's failure as a typed error; ClientClosedError when close() ended it."""
        if self._closed:
            return ClientClosedError("the client was closed during the call")
        return error_from_rpc(err)

    def watch(
        self,
        rooms: Rooms,
        *,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        on_created: OnCreated | None = None,
        prefixes: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        versions_only: bool = False,
        on_cancelled: OnCancelled | None = None,
    ) -> WatchStream:
        """Follows the rooms' changes, resuming by itself after a disconnect or a server restart.

        ``rooms`` maps room ids to the version already known (or is a list of room ids: known version 0,
        so a non-empty room starts with a RESYNC). Iterate the returned stream for RoomChange messages;
        versions per room only increase. ``on_created(rooms, resumed)`` is called each time a stream is
        confirmed, with every room's current version. It runs over WatchRooms: ``stream.add()``/``remove()``
        and ``follow(prefix=|namespace=)``/``unfollow()`` change what it follows on the open stream;
        ``prefixes``/``namespaces`` follow every room with an id prefix or of a namespace from the start,
        rooms created later included. ``on_cancelled(cancelled)`` hears of a room the server will not follow
        (invalid id, out of scope, past the limit, left a namespace); the watch goes on. ``versions_only``:
        changes without their messages. ``stream.cancel()`` or ``client.close()`` ends it.
        """
        if self._closed:
            raise ClientClosedError()
        resumer = WatchResumer(rooms, progress_interval, self._retry, on_created, prefixes=prefixes,
                               namespaces=namespaces, versions_only=versions_only, on_cancelled=on_cancelled)
        stream = WatchStream(self._open_watch_channel, self._owns_channel, resumer)
        self._streams.add(stream)
        return stream

    def watch_rooms(
        self,
        rooms: Rooms = (),
        *,
        prefix: str = "",
        namespace: str = "",
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        versions_only: bool = False,
        on_cancelled: OnCancelled | None = None,
    ) -> WatchStream:
        """The WatchRooms RPC as a resuming watch (see watch()): ``rooms`` by id, and every room with the id
        ``prefix`` or of ``namespace``, now and later."""
        return self.watch(rooms, progress_interval=progress_interval, prefixes=[prefix] if prefix else [],
                          namespaces=[namespace] if namespace else [], versions_only=versions_only,
                          on_cancelled=on_cancelled)
