"""Resuming watch streams: the cursors and resume decisions, shared by the sync stream (_watch.py) and
the asyncio one (_watch_aio.py).

A logical watch outlives its gRPC streams. Each stream is opened with the client's cursors (the version
of each room it has delivered); when the stream breaks (UNAVAILABLE: a disconnect, a server restart or
shutdown; the server ending it; or no message at all for three progress intervals), it is reopened after
a jittered exponential backoff, and the server reports anything missed since the cursors as a RESYNC.
Versions delivered per room strictly increase (the one exception: a room the server's store lost).
Any other failure (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...) would fail again: it is raised. Streams are
WatchRooms streams: rooms and prefix/namespace selectors are added and removed on the open stream, and a
room the server refuses (invalid id, out of scope, past the limit) is cancelled alone (``on_cancelled``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import grpc

from . import _requests
from ._retry import DEFAULT_POLICY, Backoff, RetryPolicy, is_transient, resume_delay
from .errors import error_from_rpc
from .v1 import change_pb2
from .v1 import room_history_service_pb2 as pb

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


#: Called when the server stops following (or refuses) a room or a selector: an invalid id, out of the
#: token's scope, past the rooms limit, or a room that left a followed namespace. The iteration goes on.
OnCancelled = Callable[[pb.WatchCancelled], Any]


def selector_key(prefix: str, namespace: str) -> str:
    """A selector's key on one stream ("p:<prefix>" or "n:<namespace>"), as the server keys them."""
    return f"p:{prefix}" if prefix else f"n:{namespace}"


class WatchResumer:
    """The state of one logical watch over WatchRooms: per-room cursors, the prefix and namespace
    selectors (and which rooms each found), the backoff, and what to do when a stream ends."""

    def __init__(
        self,
        rooms: Rooms,
        progress_interval: float,
        policy: RetryPolicy = DEFAULT_POLICY,
        on_created: OnCreated | None = None,
        *,
        prefixes: Iterable[str] = (),
        namespaces: Iterable[str] = (),
        versions_only: bool = False,
        on_cancelled: OnCancelled | None = None,
    ) -> None:
        self.cursors: dict[str, int] = dict(rooms) if isinstance(rooms, Mapping) else dict.fromkeys(rooms, 0)
        self.selectors: dict[str, tuple[str, str]] = {selector_key(p, ""): (p, "") for p in prefixes}
        self.selectors.update({selector_key("", n): ("", n) for n in namespaces})
        self.found_by: dict[str, str] = {}
        #: The selectors the server has answered (``created``) at least once: their rooms are known.
        self.answered: set[str] = set()
        # add()/remove() may come from another thread than the one reading the stream.
        self._lock = threading.Lock()
        if not self.cursors and not self.selectors:
            raise ValueError("watch needs at least one room, prefix or namespace")
        self.progress_interval = min(60.0, max(0.1, progress_interval))
        self.versions_only = versions_only
        self.backoff = Backoff(policy)
        self.on_created = on_created
        self.on_cancelled = on_cancelled
        self.streams = 0
        self._created_seen = False
        self._request_ids = 0
        #: The newest watermark the server vouched for (seconds since the epoch): every change committed
        #: before it has been received.
        self.watermark: float | None = None

    def next_id(self) -> int:
        with self._lock:
            self._request_ids += 1
            return self._request_ids

    def add(self, rooms: Rooms) -> pb.WatchRoomsRequest | None:
        """Follows more rooms (those already watched keep their cursor); the request to send, if any was new."""
        added = dict(rooms) if isinstance(rooms, Mapping) else dict.fromkeys(rooms, 0)
        with self._lock:
            new = {room: v for room, v in added.items() if room not in self.cursors}
            self.cursors.update(new)
        return _requests.watch_add(new, request_id=self.next_id()) if new else None

    def remove(self, room_ids: Iterable[str]) -> pb.WatchRoomsRequest | None:
        """Stops following rooms; the request to send, if any was watched."""
        with self._lock:
            removed = [room for room in room_ids if self.cursors.pop(room, None) is not None]
            for room in removed:
                self.found_by.pop(room, None)
        return _requests.watch_remove(removed, request_id=self.next_id()) if removed else None

    def follow(self, prefix: str = "", namespace: str = "") -> pb.WatchRoomsRequest | None:
        """Follows a prefix or namespace selector; the request to send, unless it was followed already."""
        key = selector_key(prefix, namespace)
        with self._lock:
            if key in self.selectors:
                return None
            self.selectors[key] = (prefix, namespace)
        return _requests.watch_add({}, prefix=prefix, namespace=namespace, request_id=self.next_id())

    def unfollow(self, prefix: str = "", namespace: str = "") -> pb.WatchRoomsRequest | None:
        """Stops following a selector (the rooms only it found go with it); the request to send."""
        key = selector_key(prefix, namespace)
        with self._lock:
            if self.selectors.pop(key, None) is None:
                return None
            for room in [r for r, by in self.found_by.items() if by == key]:
                self.cursors.pop(room, None)
                self.found_by.pop(room, None)
        return _requests.watch_remove([], prefix=prefix, namespace=namespace, request_id=self.next_id())

    @property
    def idle_timeout(self) -> float:
        return IDLE_INTERVALS * self.progress_interval

    def requests(self) -> list[pb.WatchRoomsRequest]:
        """What (re)opens the stream: the options, the rooms added by id with their cursors, then each
        selector with the rooms it found (so they stay its rooms)."""
        with self._lock:
            self.streams += 1
            self._created_seen = False
            first = [pb.WatchRoomsRequest(options=pb.WatchOptions(
                progress_interval_ms=round(self.progress_interval * 1000), versions_only=self.versions_only))]
            by_id = {r: v for r, v in self.cursors.items() if r not in self.found_by}
            if by_id:
                first.append(_requests.watch_add(by_id, request_id=self._request_ids + 1))
                self._request_ids += 1
            for key, (prefix, namespace) in self.selectors.items():
                found = {r: self.cursors[r] for r, by in self.found_by.items() if by == key and r in self.cursors}
                self._request_ids += 1
                first.append(_requests.watch_add(found, prefix=prefix, namespace=namespace, request_id=self._request_ids))
            return first

    def accept(self, response: pb.WatchRoomsResponse) -> change_pb2.RoomChange | None:
        """The change to deliver for a response, or None (created, cancelled, progress, or a version
        already delivered)."""
        event = response.WhichOneof("event")
        if event == "created":
            self._created(response.created)
        elif event == "cancelled":
            self._cancelled(response.cancelled)
        elif event == "progress" and response.progress.HasField("watermark"):
            self.watermark = response.progress.watermark.ToNanoseconds() / 1e9
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

    def _created(self, created: pb.WatchCreated) -> None:
        self.backoff.reset()
        if created.prefix or created.namespace:
            # Rooms a selector found are new to this watch: followed from version 0 (a RESYNC loads them).
            key = selector_key(created.prefix, created.namespace)
            with self._lock:
                self.answered.add(key)
                for r in created.rooms:
                    if r.room_id not in self.cursors:
                        self.cursors[r.room_id] = 0
                        self.found_by[r.room_id] = key
        if self.on_created is not None:
            # `resumed`: the first answer of a stream after the first stream.
            self.on_created(list(created.rooms), self.streams > 1 and not self._created_seen)
        self._created_seen = True

    def selector_rooms(self, prefix: str, namespace: str) -> list[str] | None:
        """The rooms a selector found (the mirrors' selectors), or None until the server has answered it."""
        key = selector_key(prefix, namespace)
        with self._lock:
            if key not in self.answered:
                return None
            return [room for room, by in self.found_by.items() if by == key]

    def _cancelled(self, c: pb.WatchCancelled) -> None:
        with self._lock:
            if c.room_id:
                self.cursors.pop(c.room_id, None)
                self.found_by.pop(c.room_id, None)
            elif c.reason != pb.WATCH_CANCEL_REASON_REMOVED:
                self.selectors.pop(selector_key(c.prefix, c.namespace), None)
        if self.on_cancelled is not None:
            self.on_cancelled(c)

    def delay_after(self, err: grpc.RpcError | None, idle: bool) -> float:
        """Seconds to wait before reopening after a stream ended; raises the typed error if it is final.
        A RESOURCE_EXHAUSTED with a RetryInfo (the token's cap on open watches) waits the server's delay
        (_retry.resume_delay; clients/testdata/watch-vectors.json, `retry_info`)."""
        if err is not None and not idle and not is_transient(err) and not _lost_write(err):
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


def _lost_write(err: grpc.RpcError) -> bool:
    """grpc.aio reports a request written as the server ends the stream (e.g. refusing it for the token's
    cap) as INTERNAL "Internal error from Core" in place of the server's status (grpc/grpc#36066): the
    real status is unknown, so the stream is lost, not refused; the next stream hears the server again."""
    code, details = getattr(err, "code", None), getattr(err, "details", None)
    return (callable(code) and code() == grpc.StatusCode.INTERNAL
            and callable(details) and details() == "Internal error from Core")
