"""Resuming watch streams: the cursors and resume decisions (shared), and the sync stream.

A logical watch outlives its gRPC streams. Each stream is opened with the client's cursors (the version
of each room it has delivered); when the stream breaks (UNAVAILABLE: a disconnect, a server restart or
shutdown; the server ending it; or no message at all for three progress intervals), it is reopened after
a jittered exponential backoff, and the server reports anything missed since the cursors as a RESYNC.
Versions delivered per room strictly increase (the one exception: a room the server's store lost).
Any other failure (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...) would fail again: it is raised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import grpc

from . import _requests
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, is_transient, resume_delay
from .errors import error_from_rpc
from .v1 import change_pb2
from .v1 import room_history_service_pb2 as pb
from .v1 import room_history_service_pb2_grpc as pb_grpc

log = logging.getLogger("roomhistory")

#: Rooms to watch: a mapping from room id to the version already known, or room ids (known version 0).
Rooms = Mapping[str, int] | Iterable[str]

#: How often an idle watch stream gets `progress` unless told otherwise, in seconds (TypeScript: 5000 ms).
DEFAULT_PROGRESS_INTERVAL = 5.0

#: A stream with no message (not even progress) for this many progress intervals is taken as dead.
IDLE_INTERVALS = 3

#: Called when a stream is confirmed (`created`), in order with the changes, with every room's current
#: version; `resumed` is False for the first stream of the watch only.
OnCreated = Callable[[list[pb.RoomVersion], bool], Any]


class WatchResumer:
    """The state of one logical watch: per-room cursors, the backoff, and what to do when a stream ends."""

    def __init__(
        self,
        rooms: Rooms,
        progress_interval: float,
        policy: RetryPolicy = DEFAULT_POLICY,
        on_created: OnCreated | None = None,
    ) -> None:
        self.cursors: dict[str, int] = dict(rooms) if isinstance(rooms, Mapping) else dict.fromkeys(rooms, 0)
        # add()/remove() may come from another thread than the one reading the stream.
        self._lock = threading.Lock()
        if not self.cursors:
            raise ValueError("watch needs at least one room")
        self.progress_interval = min(60.0, max(0.1, progress_interval))
        self.backoff = Backoff(policy)
        self.on_created = on_created
        self.streams = 0

    def add(self, rooms: Rooms) -> bool:
        """Follows more rooms (those already watched keep their cursor); True when any was new."""
        added = dict(rooms) if isinstance(rooms, Mapping) else dict.fromkeys(rooms, 0)
        with self._lock:
            new = {room: v for room, v in added.items() if room not in self.cursors}
            self.cursors.update(new)
        return bool(new)

    def remove(self, room_ids: Iterable[str]) -> bool:
        """Stops following rooms; True when any was watched."""
        with self._lock:
            removed = [self.cursors.pop(room, None) for room in room_ids]
        return any(v is not None for v in removed)

    @property
    def idle_timeout(self) -> float:
        return IDLE_INTERVALS * self.progress_interval

    def request(self) -> pb.WatchRequest:
        """The request that (re)opens the stream from the cursors."""
        with self._lock:
            return _requests.watch(self.cursors, self.progress_interval)

    def accept(self, response: pb.WatchResponse) -> change_pb2.RoomChange | None:
        """The change to deliver for a response, or None (created, progress, or a version already delivered)."""
        event = response.WhichOneof("event")
        if event == "created":
            self.backoff.reset()
            if self.on_created is not None:
                self.on_created(list(response.created.rooms), self.streams > 0)
            self.streams += 1
        if event != "change":
            return None
        change = response.change
        with self._lock:
            known = self.cursors.get(change.room_id)
            if known is None:
                return None
            # The one exception to "versions only increase": the server's store lost the room (a Redis
            # restart without persistence) and reports it as a RESYNC back from our cursor; follow it.
            lost = change.kind == change_pb2.CHANGE_KIND_RESYNC and change.previous_version == known
            if change.version <= known and not (lost and change.version < known):
                return None
            self.cursors[change.room_id] = change.version
        return change

    def delay_after(self, err: grpc.RpcError | None, idle: bool) -> float:
        """Seconds to wait before reopening after a stream ended; raises the typed error if it is final.
        A RESOURCE_EXHAUSTED with a RetryInfo (the token's cap on open watches) waits the server's delay
        (_retry.resume_delay; clients/testdata/watch-vectors.json, `retry_info`)."""
        if err is not None and not idle and not is_transient(err):
            failure = error_from_rpc(err)
            delay = resume_delay(failure, self.backoff.next_delay())
            if delay is None:
                raise failure from err
            log.info("watch stream refused (%s); resuming in %.2fs", failure, delay)
            return delay
        if idle:
            why = f"no message for {self.idle_timeout:.1f}s"
        elif err is None:
            why = "stream ended"
        else:
            failure = error_from_rpc(err)
            why = f"{failure.code.name}: {failure.message}"
        delay = self.backoff.next_delay()
        log.info("watch stream lost (%s); resuming in %.2fs from %d cursors", why, delay, len(self.cursors))
        return delay


class WatchStream(Iterator[change_pb2.RoomChange]):
    """A blocking iterator of RoomChange that resumes by itself; `cancel()` (from any thread) ends it.

    Iteration raises a RoomHistoryError only for a failure that retrying cannot fix (e.g. an invalid
    room id); it stops cleanly after `cancel()`.
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
        self._restart = False  # set by add()/remove(): the stream ends to be reopened at once
        self._rooms_changed = threading.Event()

    @property
    def cursors(self) -> dict[str, int]:
        """The version delivered so far per room."""
        return dict(self._resumer.cursors)

    @property
    def rooms(self) -> list[str]:
        """The rooms watched."""
        return list(self._resumer.cursors)

    def add(self, rooms: Rooms) -> None:
        """Follows more rooms on this watch (a mapping to the version held, or ids): the stream is reopened
        with them; rooms already watched keep their cursor."""
        if self._resumer.add(rooms):
            self._reopen()

    def remove(self, room_ids: Iterable[str]) -> None:
        """Stops following rooms: the stream is reopened without them (with none left, it waits for add())."""
        if self._resumer.remove(room_ids):
            self._reopen()

    def _reopen(self) -> None:
        self._restart = True
        self._rooms_changed.set()
        call = self._call
        if call is not None:
            call.cancel()

    @property
    def cancelled(self) -> threading.Event:
        """Set once the stream is cancelled (wait on it to sleep until then)."""
        return self._stopped

    def __iter__(self) -> WatchStream:
        return self

    def __next__(self) -> change_pb2.RoomChange:
        while not self._stopped.is_set():
            if not self._resumer.cursors:  # every room removed: wait for add() or cancel()
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
            if self._stopped.is_set():
                break
            if self._restart:  # add() or remove(): reopen at once with the new rooms
                self._restart = False
                continue
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
        self._drop_channel()

    close = cancel

    def __enter__(self) -> WatchStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def _connect(self) -> Any:
        self._idle = False
        self._restart = False
        if self._channel is None:
            self._channel = self._open_channel()
        stub = pb_grpc.RoomHistoryServiceStub(self._channel)
        self._call = call = stub.Watch(self._resumer.request())
        if self._restart:  # rooms changed while the request was built: reopen with them
            call.cancel()
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch_idle, name="roomhistory-watchdog", daemon=True)
            self._watchdog.start()
        return self._call

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
