"""RoomHistoryClient: the blocking client, one method per RPC, failures raised as typed errors."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable, TypeVar

import grpc

from . import _requests
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, read_retry_delay
from ._watch import OnCreated, Rooms, WatchResumer, WatchStream
from .errors import error_from_rpc
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

R = TypeVar("R")

DEFAULT_TARGET = "127.0.0.1:50051"
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


#: A watch's channel has a subchannel pool of its own: it gets its own connection, which it can drop and
#: replace when its stream goes silent (a dead connection would otherwise be reused by the next stream).
WATCH_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (("grpc.use_local_subchannel_pool", 1),)


class RoomHistoryClient:
    """A blocking client for RoomHistoryService.

    Every method takes ``timeout`` (seconds, retries included; None means the client's default, set in
    the constructor) and raises a :class:`roomhistory.errors.RoomHistoryError` subclass on failure.
    Reads (get_history, render_messages, get_room_info, list_rooms) retry UNAVAILABLE with backoff
    (``retry``); writes are never retried: retry them yourself with expected_version. Use the client as
    a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_POLICY,
        options: Sequence[tuple[str, Any]] = (),
        channel: grpc.Channel | None = None,
    ) -> None:
        opts = channel_options(retry, options)

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

    @property
    def retry_policy(self) -> RetryPolicy:
        """The backoff of this client's read retries and watch reconnects."""
        return self._retry

    def close(self) -> None:
        """Ends every watch stream of this client and closes the channel."""
        for stream in list(self._streams):
            stream.cancel()
        self._channel.close()

    def __enter__(self) -> RoomHistoryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unary(self, method: Callable[..., R], request: Any, timeout: float | None, idempotent: bool = False) -> R:
        """One call with a deadline (retries included); idempotent reads retry UNAVAILABLE with backoff."""
        budget = self._timeout if timeout is None else timeout
        deadline = None if budget is None else time.monotonic() + budget
        backoff = Backoff(self._retry)
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return method(request, timeout=remaining)
            except grpc.RpcError as err:
                error = error_from_rpc(err)
            delay = read_retry_delay(error, backoff, deadline) if idempotent else None
            if delay is None:
                raise error
            time.sleep(delay)

    def append_messages(
        self,
        room_id: str,
        messages: Iterable[msg.Message],
        *,
        expected_version: int | None = None,
        timeout: float | None = None,
    ) -> pb.AppendMessagesResponse:
        """Appends messages atomically; with expected_version, raises VersionConflictError on a mismatch."""
        request = _requests.append_messages(room_id, messages, expected_version)
        return self._unary(self._stub.AppendMessages, request, timeout)

    def get_history(
        self, room_id: str, *, limit: int = 0, after_seq: int = 0, timeout: float | None = None
    ) -> pb.GetHistoryResponse:
        """The room's window, oldest first, and its version (limit 0 means all)."""
        request = pb.GetHistoryRequest(room_id=room_id, limit=limit, after_seq=after_seq)
        return self._unary(self._stub.GetHistory, request, timeout, idempotent=True)

    def render_messages(
        self,
        room_id: str,
        room_context: Mapping[str, Any] | None = None,
        *,
        template: str = "",
        include_thinking: bool = False,
        timeout: float | None = None,
    ) -> pb.RenderMessagesResponse:
        """The room rendered for a chat API: system prompt from the template, then the history."""
        request = _requests.render_messages(room_id, room_context, template, include_thinking)
        return self._unary(self._stub.RenderMessages, request, timeout, idempotent=True)

    def update_message(
        self,
        room_id: str,
        message_id: str,
        content: str,
        *,
        expected_version: int | None = None,
        timeout: float | None = None,
    ) -> pb.UpdateMessageResponse:
        """Replaces a message's content; NotFoundError for an unknown id."""
        request = _requests.update_message(room_id, message_id, content, expected_version)
        return self._unary(self._stub.UpdateMessage, request, timeout)

    def mark_deleted(
        self,
        room_id: str,
        message_id: str,
        *,
        deleted_at: _requests.When | None = None,
        timeout: float | None = None,
    ) -> pb.MarkDeletedResponse:
        """Sets a message's deleted_at (the server's clock when None), keeping its content."""
        request = _requests.mark_deleted(room_id, message_id, deleted_at)
        return self._unary(self._stub.MarkDeleted, request, timeout)

    def patch_reactions(
        self, room_id: str, message_id: str, reactions: _requests.Reactions, *, timeout: float | None = None
    ) -> pb.PatchReactionsResponse:
        """Replaces a message's reactions (a {emoji: count} mapping or Reaction messages)."""
        request = _requests.patch_reactions(room_id, message_id, reactions)
        return self._unary(self._stub.PatchReactions, request, timeout)

    def clear_room(self, room_id: str, *, timeout: float | None = None) -> pb.ClearRoomResponse:
        """Empties the room's history; its version still goes up."""
        return self._unary(self._stub.ClearRoom, pb.ClearRoomRequest(room_id=room_id), timeout)

    def set_room_limit(self, room_id: str, limit: int, *, timeout: float | None = None) -> pb.SetRoomLimitResponse:
        """Sets the room's window (clamped to [50, 1000]) and returns the stored value."""
        return self._unary(self._stub.SetRoomLimit, pb.SetRoomLimitRequest(room_id=room_id, limit=limit), timeout)

    def discard_rebackfill(self, room_id: str, *, timeout: float | None = None) -> pb.DiscardRebackfillResponse:
        """Clears the room's re-backfill mark."""
        return self._unary(self._stub.DiscardRebackfill, pb.DiscardRebackfillRequest(room_id=room_id), timeout)

    def get_room_info(self, room_id: str, *, timeout: float | None = None) -> pb.GetRoomInfoResponse:
        """The room's version, size, limit and marks."""
        return self._unary(self._stub.GetRoomInfo, pb.GetRoomInfoRequest(room_id=room_id), timeout, idempotent=True)

    def list_rooms(
        self, *, page_size: int = 0, page_token: str = "", timeout: float | None = None
    ) -> pb.ListRoomsResponse:
        """One page of room ids, in order; pass next_page_token back for the next page."""
        request = pb.ListRoomsRequest(page_size=page_size, page_token=page_token)
        return self._unary(self._stub.ListRooms, request, timeout, idempotent=True)

    def watch(
        self, rooms: Rooms, *, progress_interval: float = 5.0, on_created: OnCreated | None = None
    ) -> WatchStream:
        """Follows the rooms' changes, resuming by itself after a disconnect or a server restart.

        ``rooms`` maps room ids to the version already known (or is a list of room ids: known version 0,
        so a non-empty room starts with a RESYNC). Iterate the returned stream for RoomChange messages;
        versions per room only increase. ``on_created(rooms, resumed)`` is called each time a stream is
        confirmed, with every room's current version. ``stream.cancel()`` or ``client.close()`` ends it.
        """
        resumer = WatchResumer(rooms, progress_interval, self._retry, on_created)
        stream = WatchStream(self._open_watch_channel, self._owns_channel, resumer)
        self._streams.add(stream)
        return stream
