"""AsyncRoomHistoryClient: the asyncio (grpc.aio) client, with the same methods as RoomHistoryClient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import grpc
import grpc.aio

from . import _requests
from ._methods import AsyncMethods
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, retry_delay, retry_safe
from ._tracing import call_metadata
from ._trust import TokenProvider, channel_trust
from ._watch import DEFAULT_PROGRESS_INTERVAL, OnCancelled, OnCreated, Rooms, WatchResumer
from ._watch_aio import AsyncWatchStream
from .client import DEFAULT_TARGET, DEFAULT_TIMEOUT, WATCH_CHANNEL_OPTIONS, channel_options, load_balancing_options
from .errors import ClientClosedError, RoomHistoryError, error_from_rpc
from .v1 import export_pb2 as export
from .v1 import metadata_pb2 as meta
from .v1 import room_history_service_pb2_grpc as pb_grpc

R = TypeVar("R")


class AsyncRoomHistoryClient(AsyncMethods):
    """An asyncio client for RoomHistoryService (grpc.aio).

    Every method takes ``timeout`` (seconds, retries included; None means the client's default) and
    raises a :class:`roomhistory.errors.RoomHistoryError` subclass on failure; calls that are safe to repeat
    (reads, appends with their idempotency key, mutations given an expected_version) are retried as in
    RoomHistoryClient. TLS and token arguments as in RoomHistoryClient; ``token_provider`` may also be a
    coroutine function, then run on the event loop the client is made in; ``load_balancing`` as in
    RoomHistoryClient. Use ``async with``, or await :meth:`close`.
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
        channel: grpc.aio.Channel | None = None,
        load_balancing: str | None = None,
    ) -> None:
        credentials, trust_options = channel_trust(
            target, credentials=credentials, root_certificates=root_certificates, private_key=private_key,
            certificate_chain=certificate_chain, tls_server_name=tls_server_name, token=token,
            token_provider=token_provider, loop=_running_loop(), channel_given=channel is not None,
        )
        opts = channel_options(retry, [*trust_options, *load_balancing_options(load_balancing), *options])

        def open_channel(extra: Sequence[tuple[str, Any]] = ()) -> grpc.aio.Channel:
            if credentials:
                return grpc.aio.secure_channel(target, credentials, options=[*opts, *extra])
            return grpc.aio.insecure_channel(target, options=[*opts, *extra])

        self._owns_channel = channel is None
        self._channel = shared = channel or open_channel()
        # Given a channel, watches share it; otherwise each watch opens its own (WATCH_CHANNEL_OPTIONS).
        self._open_watch_channel: Callable[[], grpc.aio.Channel] = (
            (lambda: open_channel(WATCH_CHANNEL_OPTIONS)) if self._owns_channel else (lambda: shared)
        )
        self._stub = pb_grpc.RoomHistoryServiceStub(self._channel)
        self._timeout = timeout
        self._retry = retry
        self._closed = False
        self._streams: set[AsyncWatchStream] = set()

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff of this client's read retries and watch reconnects."""
        return self._retry

    async def close(self) -> None:
        """Ends every watch stream of this client and closes the channel; calls in flight and any later
        call raise ClientClosedError (a CancelledError), and so does watch()."""
        self._closed = True
        for stream in list(self._streams):
            await stream.aclose()
        await self._channel.close()

    async def __aenter__(self) -> AsyncRoomHistoryClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _unary(self, method: Callable[..., Awaitable[R]], request: Any, timeout: float | None) -> R:
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
                return await method(request, timeout=remaining, metadata=call_metadata())
            except grpc.RpcError as err:
                error = error_from_rpc(err)
            except (asyncio.CancelledError, grpc.aio.UsageError) as err:
                if not self._closed:  # the caller's task was cancelled: not ours to turn into an error
                    raise
                raise ClientClosedError("the client was closed during the call") from err
            delay = retry_delay(error, backoff, deadline) if safe else None
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    async def iter_rooms(
        self,
        *,
        page_size: int = 0,
        namespace: str = "",
        label: str = "",
        order: meta.ListRoomsOrder = meta.LIST_ROOMS_ORDER_UNSPECIFIED,
        prefix: str = "",
        timeout: float | None = None,
    ) -> AsyncIterator[str]:
        """Every room id ListRooms lists (with its filters and order), page after page (``timeout`` per
        page)."""
        token = ""
        while True:
            page = await self.list_rooms(
                page_size=page_size, page_token=token, namespace=namespace, label=label, order=order, prefix=prefix,
                timeout=timeout,
            )
            for room_id in page.room_ids:
                yield room_id
            token = page.next_page_token
            if not token:
                return

    async def export_rooms(
        self,
        room_ids: Iterable[str] | None = None,
        *,
        namespace: str = "",
        all: bool = False,
        timeout: float | None = None,
    ) -> AsyncGenerator[export.ExportRecord, None]:
        """RoomHistoryClient.export_rooms as an async iterator: leaving it (or aclose()) cancels the
        call."""
        if self._closed:
            raise ClientClosedError()
        request = _requests.export_rooms(room_ids, namespace, all)
        call = self._stub.ExportRooms(request, timeout=timeout, metadata=call_metadata())
        try:
            async for response in call:
                yield response.record
        except grpc.RpcError as err:
            raise self._stream_error(err) from None
        finally:
            call.cancel()

    async def import_rooms(
        self,
        records: Iterable[_requests.ImportItem] | AsyncIterable[_requests.ImportItem],
        *,
        expected_version: int | None = None,
        replace_existing: bool = False,
        timeout: float | None = None,
    ) -> export.ImportRoomsResponse:
        """RoomHistoryClient.import_rooms; ``records`` may also be an async iterable."""
        if self._closed:
            raise ClientClosedError()

        async def requests() -> AsyncIterator[export.ImportRoomsRequest]:
            if isinstance(records, AsyncIterable):
                async for item in records:
                    yield _requests.import_request(item, expected_version, replace_existing)
            else:
                for item in records:
                    yield _requests.import_request(item, expected_version, replace_existing)

        try:
            response: export.ImportRoomsResponse = await self._stub.ImportRooms(requests(), timeout=timeout, metadata=call_metadata())
        except grpc.RpcError as err:
            raise self._stream_error(err) from None
        except (asyncio.CancelledError, grpc.aio.UsageError) as err:
            if not self._closed:
                raise
            raise ClientClosedError("the client was closed during the call") from err
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
    ) -> AsyncWatchStream:
        """Follows the rooms' changes, resuming by itself after a disconnect or a server restart.

        An async iterator of RoomChange; ``rooms`` and ``on_created`` as for RoomHistoryClient.watch.
        Versions per room only increase. ``add()``/``remove()`` change its rooms while it is open. It ends
        with ``aclose()`` (e.g. through ``contextlib.aclosing``), the client's ``close()``, or when the
        consuming task is cancelled, and raises a RoomHistoryError only for a failure that retrying cannot
        fix.
        """
        if self._closed:
            raise ClientClosedError()
        resumer = WatchResumer(rooms, progress_interval, self._retry, on_created, prefixes=prefixes,
                               namespaces=namespaces, versions_only=versions_only, on_cancelled=on_cancelled)
        stream = AsyncWatchStream(self._open_watch_channel, self._owns_channel, resumer, self._streams.discard)
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
    ) -> AsyncWatchStream:
        """The WatchRooms RPC as a resuming watch (see watch()): ``rooms`` by id, and every room with the id
        ``prefix`` or of ``namespace``, now and later."""
        return self.watch(rooms, progress_interval=progress_interval, prefixes=[prefix] if prefix else [],
                          namespaces=[namespace] if namespace else [], versions_only=versions_only,
                          on_cancelled=on_cancelled)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop an async token_provider runs on: the one the client is made in, if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
