"""AsyncRoomHistoryClient: the asyncio (grpc.aio) client, with the same methods as RoomHistoryClient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import grpc
import grpc.aio

from . import _requests
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, retry_delay, retry_safe
from ._watch import DEFAULT_PROGRESS_INTERVAL, OnCreated, Rooms, WatchResumer
from ._watch_aio import AsyncWatchStream
from .client import DEFAULT_TARGET, DEFAULT_TIMEOUT, WATCH_CHANNEL_OPTIONS, channel_options
from .errors import ClientClosedError, error_from_rpc
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

R = TypeVar("R")


class AsyncRoomHistoryClient:
    """An asyncio client for RoomHistoryService (grpc.aio).

    Every method takes ``timeout`` (seconds, retries included; None means the client's default) and
    raises a :class:`roomhistory.errors.RoomHistoryError` subclass on failure; calls that are safe to repeat
    (reads, appends with their idempotency key, mutations given an expected_version) are retried as in
    RoomHistoryClient. Use ``async with``, or await :meth:`close`.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_POLICY,
        options: Sequence[tuple[str, Any]] = (),
        channel: grpc.aio.Channel | None = None,
    ) -> None:
        opts = channel_options(retry, options)

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
                return await method(request, timeout=remaining)
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

    async def append_messages(
        self,
        room_id: str,
        messages: Iterable[msg.Message],
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.AppendMessagesResponse:
        """Appends messages atomically; with expected_version, raises VersionConflictError on a mismatch.

        The request always carries an idempotency key: ``idempotency_key``, or a new random key per call
        when it is None or empty, and is retried on UNAVAILABLE and DEADLINE_EXCEEDED with that same key:
        the server stores the messages once, and a retry answers the first call's result (``replayed``
        true).
        """
        request = _requests.append_messages(room_id, messages, expected_version, idempotency_key, durability)
        return await self._unary(self._stub.AppendMessages, request, timeout)

    async def get_history(
        self,
        room_id: str,
        *,
        limit: int = 0,
        after_seq: int = 0,
        page_size: int = 0,
        page_token: str = "",
        timeout: float | None = None,
    ) -> pb.GetHistoryResponse:
        """The room's window, oldest first, and its version (limit 0 means all); with page_size, one page
        (pass next_page_token back for the next; the version tells whether the room changed meanwhile)."""
        request = pb.GetHistoryRequest(
            room_id=room_id, limit=limit, after_seq=after_seq, page_size=page_size, page_token=page_token
        )
        return await self._unary(self._stub.GetHistory, request, timeout)

    async def render_messages(
        self,
        room_id: str,
        room_context: Mapping[str, Any] | None = None,
        *,
        template: str = "",
        include_thinking: bool = False,
        form: pb.RenderForm = pb.RENDER_FORM_UNSPECIFIED,
        timeout: float | None = None,
    ) -> pb.RenderMessagesResponse:
        """The room rendered for a chat API: system prompt from the template, then the history, as
        ``messages`` (the default) or, with ``form=RenderForm.RENDER_FORM_JSON``, as ``messages_json``."""
        request = _requests.render_messages(room_id, room_context, template, include_thinking, form)
        return await self._unary(self._stub.RenderMessages, request, timeout)

    async def update_message(
        self,
        room_id: str,
        message_id: str,
        content: str,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.UpdateMessageResponse:
        """Replaces a message's content (the newest with that id); NotFoundError for an unknown id."""
        request = _requests.update_message(room_id, message_id, content, expected_version, durability)
        return await self._unary(self._stub.UpdateMessage, request, timeout)

    async def mark_deleted(
        self,
        room_id: str,
        message_id: str,
        *,
        deleted_at: _requests.When | None = None,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.MarkDeletedResponse:
        """Sets a message's deleted_at (the server's clock when None), keeping its content."""
        request = _requests.mark_deleted(room_id, message_id, deleted_at, expected_version, durability)
        return await self._unary(self._stub.MarkDeleted, request, timeout)

    async def patch_reactions(
        self,
        room_id: str,
        message_id: str,
        reactions: _requests.Reactions,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.PatchReactionsResponse:
        """Replaces a message's reactions (a {emoji: count} mapping or Reaction messages)."""
        request = _requests.patch_reactions(room_id, message_id, reactions, expected_version, durability)
        return await self._unary(self._stub.PatchReactions, request, timeout)

    async def clear_room(
        self,
        room_id: str,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.ClearRoomResponse:
        """Empties the room's history; its version still goes up."""
        request = _requests.write_options(pb.ClearRoomRequest(room_id=room_id), expected_version, durability)
        return await self._unary(self._stub.ClearRoom, request, timeout)

    async def set_room_limit(
        self,
        room_id: str,
        limit: int,
        *,
        max_bytes: int | None = None,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.SetRoomLimitResponse:
        """Sets the room's window (clamped to [50, 1000]) and, unless None, its byte budget."""
        request = _requests.set_room_limit(room_id, limit, max_bytes, expected_version, durability)
        return await self._unary(self._stub.SetRoomLimit, request, timeout)

    async def discard_rebackfill(
        self,
        room_id: str,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.DiscardRebackfillResponse:
        """Clears the room's re-backfill mark."""
        request = _requests.write_options(pb.DiscardRebackfillRequest(room_id=room_id), expected_version, durability)
        return await self._unary(self._stub.DiscardRebackfill, request, timeout)

    async def get_room_info(self, room_id: str, *, timeout: float | None = None) -> pb.GetRoomInfoResponse:
        """The room's version, size, limit, retention and marks."""
        return await self._unary(self._stub.GetRoomInfo, pb.GetRoomInfoRequest(room_id=room_id), timeout)

    async def list_rooms(
        self, *, page_size: int = 0, page_token: str = "", timeout: float | None = None
    ) -> pb.ListRoomsResponse:
        """One page of room ids, in order; pass next_page_token back for the next page."""
        request = pb.ListRoomsRequest(page_size=page_size, page_token=page_token)
        return await self._unary(self._stub.ListRooms, request, timeout)

    async def delete_room(
        self,
        room_id: str,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.DeleteRoomResponse:
        """Removes the room's history, settings and ListRooms entry; its version stays as a tombstone
        (watchers get CHANGE_KIND_DELETED) and ``deleted`` is False when there was no room."""
        request = _requests.write_options(pb.DeleteRoomRequest(room_id=room_id), expected_version, durability)
        return await self._unary(self._stub.DeleteRoom, request, timeout)

    async def set_room_retention(
        self,
        room_id: str,
        idle_ttl_seconds: int | None,
        *,
        expected_version: int | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.SetRoomRetentionResponse:
        """Sets how long the room may stay idle before the server expires it: 0 keeps it until deleted,
        None returns it to the server default."""
        request = _requests.set_room_retention(room_id, idle_ttl_seconds, expected_version, durability)
        return await self._unary(self._stub.SetRoomRetention, request, timeout)

    async def reap_idle_rooms(
        self, *, max_idle_seconds: int = 0, dry_run: bool = False, limit: int = 0, timeout: float | None = None
    ) -> pb.ReapIdleRoomsResponse:
        """Expires idle rooms now, as the server's schedule does (max_idle_seconds 0: rooms past their own
        retention); with dry_run, only lists them. Retried: a repeat expires only what is idle then."""
        request = pb.ReapIdleRoomsRequest(max_idle_seconds=max_idle_seconds, dry_run=dry_run, limit=limit)
        return await self._unary(self._stub.ReapIdleRooms, request, timeout)

    def watch(
        self, rooms: Rooms, *, progress_interval: float = DEFAULT_PROGRESS_INTERVAL, on_created: OnCreated | None = None
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
        resumer = WatchResumer(rooms, progress_interval, self._retry, on_created)
        stream = AsyncWatchStream(self._open_watch_channel, self._owns_channel, resumer, self._streams.discard)
        self._streams.add(stream)
        return stream
