"""The sync resuming watch stream over WatchRooms (the cursors and resume decisions: _resume.py)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import grpc

from ._resume import (
    DEFAULT_PROGRESS_INTERVAL,
    IDLE_INTERVALS,
    OnCancelled,
    OnCreated,
    Rooms,
    WatchResumer,
    selector_key,
)
from ._tracing import call_metadata
from .v1 import change_pb2
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

__all__ = [
    "DEFAULT_PROGRESS_INTERVAL", "IDLE_INTERVALS", "OnCancelled", "OnCreated", "Rooms", "WatchResumer", "WatchStream",
    "selector_key",
]


class WatchStream(Iterator[change_pb2.RoomChange]):
    """A blocking iterator of RoomChange that resumes by itself; `cancel()` (from any thread) ends it.

    Iteration raises a RoomHistoryError only for a failure that retrying cannot fix (a room the server
    refuses is cancelled alone, see ``on_cancelled``); it stops cleanly after `cancel()`.
    """

    def __init__(self, open_channel: Callable[[], grpc.Channel], owns_channel: bool, resumer: WatchResumer) -> None:
        self._open_channel = open_channel
        self._owns_channel = owns_channel
        self._resumer = resumer
        self._channel: grpc.Channel | None = None
        self._call: Any = None
        self._waiting_since: float | None = None  # set while __next__ waits on the call
        self._idle = False
        self._stopped = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._requests: _RequestQueue | None = None  # what the open stream sends (add, remove, progress)
        self._rooms_changed = threading.Event()

    @property
    def cursors(self) -> dict[str, int]:
        """The version delivered so far per room."""
        return dict(self._resumer.cursors)

    @property
    def rooms(self) -> list[str]:
        """The rooms watched."""
        return list(self._resumer.cursors)

    @property
    def watermark(self) -> float | None:
        """The newest watermark the server vouched for (seconds since the epoch), or None."""
        return self._resumer.watermark

    def _follows(self, room_id: str) -> bool:
        return room_id in self._resumer.cursors

    def _found_by(self, *, prefix: str = "", namespace: str = "") -> list[str] | None:
        return self._resumer.selector_rooms(prefix, namespace)

    def add(self, rooms: Rooms) -> None:
        """Follows more rooms on the open stream (a mapping to the version held, or ids); rooms already
        watched keep their cursor."""
        self._send(self._resumer.add(rooms))

    def remove(self, room_ids: Iterable[str]) -> None:
        """Stops following rooms on the open stream (with none left, it waits for add())."""
        self._send(self._resumer.remove(room_ids))

    def follow(self, *, prefix: str = "", namespace: str = "") -> None:
        """Follows every room whose id starts with ``prefix``, or of ``namespace``, now and later."""
        self._send(self._resumer.follow(prefix, namespace))

    def unfollow(self, *, prefix: str = "", namespace: str = "") -> None:
        """Stops following a selector; the rooms only it found go with it."""
        self._send(self._resumer.unfollow(prefix, namespace))

    def request_progress(self) -> None:
        """Asks the server for a progress message with the stream's watermark now (see ``watermark``)."""
        self._send(pb.WatchRoomsRequest(progress=pb.ProgressRequest(request_id=self._resumer.next_id())))

    def _send(self, request: pb.WatchRoomsRequest | None) -> None:
        """Sends on the open stream; with none open, the next stream starts from the cursors."""
        if request is None:
            return
        self._rooms_changed.set()
        requests = self._requests
        if requests is not None:
            requests.put(request)

    @property
    def cancelled(self) -> threading.Event:
        """Set once the stream is cancelled (wait on it to sleep until then)."""
        return self._stopped

    def __iter__(self) -> WatchStream:
        return self

    def __next__(self) -> change_pb2.RoomChange:
        while not self._stopped.is_set():
            if not self._resumer.cursors and not self._resumer.selectors:  # nothing left: wait for add() or cancel()
                self._rooms_changed.clear()
                self._rooms_changed.wait(self._resumer.progress_interval)
                continue
            call = self._call or self._connect()
            self._waiting_since = time.monotonic()
            try:
                response = next(call)
            except StopIteration:
                err = None
            except grpc.RpcError as e:
                err = e
            else:
                change = self._resumer.accept(response)
                if change is not None:
                    return change
                continue
            finally:
                self._waiting_since = None
            self._call = None
            self._close_requests()
            if self._stopped.is_set():
                break
            if self._idle:
                self._drop_channel()
            try:
                delay = self._resumer.delay_after(err, self._idle)
            except BaseException:
                self.cancel()
                raise
            self._stopped.wait(delay)
        raise StopIteration

    def cancel(self) -> None:
        """Ends the stream; a blocked `next()` returns with StopIteration."""
        self._stopped.set()
        self._rooms_changed.set()
        call = self._call
        if call is not None:
            call.cancel()
        self._close_requests()
        self._drop_channel()

    close = cancel

    def __enter__(self) -> WatchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def _connect(self) -> Any:
        self._idle = False
        if self._channel is None:
            self._channel = self._open_channel()
        stub = pb_grpc.RoomHistoryServiceStub(self._channel)
        # Published before the opening requests are built: an add() meanwhile is sent (maybe twice, which
        # the server answers twice), never lost.
        requests = _RequestQueue(())
        self._requests = requests
        for request in self._resumer.requests():
            requests.put(request)
        self._call = stub.WatchRooms(iter(requests), metadata=call_metadata())
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch_idle, name="roomhistory-watchdog", daemon=True)
            self._watchdog.start()
        return self._call

    def _close_requests(self) -> None:
        requests, self._requests = self._requests, None
        if requests is not None:
            requests.close()

    def _drop_channel(self) -> None:
        """Closes the stream's own channel (never a shared one), so the next stream gets a new connection."""
        channel, self._channel = self._channel, None
        if channel is not None and self._owns_channel:
            channel.close()

    def _watch_idle(self) -> None:
        """Cancels the current call when __next__ has waited on it too long without a message, so __next__
        reconnects. Time the consumer spends between messages does not count: the silence is its own."""
        while not self._stopped.wait(self._resumer.progress_interval / 2):
            call, since = self._call, self._waiting_since
            if call is not None and since is not None and time.monotonic() - since > self._resumer.idle_timeout:
                self._idle = True
                call.cancel()


class _RequestQueue:
    """A WatchRooms stream's requests: the opening ones, then whatever add(), remove() and the like put,
    until close() (grpc reads it on a thread of its own; ending it half-closes the stream)."""

    _END = object()

    def __init__(self, first: Iterable[pb.WatchRoomsRequest]) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for request in first:
            self._queue.put(request)

    def put(self, request: pb.WatchRoomsRequest) -> None:
        self._queue.put(request)

    def close(self) -> None:
        self._queue.put(self._END)

    def __iter__(self) -> Iterator[pb.WatchRoomsRequest]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            yield item
