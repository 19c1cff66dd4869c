"""The long-running loop: follow the namespaces' rooms on one watch stream and run a pass when a room
may have settled, instead of polling rooms.

- Every change of a followed room (re)arms that room's idle timer: due at the change's time plus the
  namespace's idle_minutes. When a timer is due, the worker runs a pass over that room's namespace
  (ListRoomsNeedingSummary decides, server side, which rooms are settled).
- Rooms are found with ListRooms(namespace=..., newest activity first). The listing is redone every
  ``relist_seconds`` (60 by default), since a watch follows named rooms only: a room that joined a
  namespace since is followed from then, and a pass runs at once when new rooms turned up or the last
  pass left something to retry (a model failure, a server error). At most 10,000 rooms are watched (the
  watch's limit), the most recently active; the others are still summarised by those passes.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import RoomHistoryError
from ..v1 import metadata_pb2 as meta
from .worker import ConsolidationWorker

log = logging.getLogger("roomhistory.consolidate")

#: How often the namespaces' rooms are listed again (real seconds).
DEFAULT_RELIST_SECONDS = 60.0
#: The most rooms one watch stream follows (WatchRequest.rooms).
MAX_WATCHED_ROOMS = 10_000


class Follower:
    """Runs ``worker`` over ``namespaces`` until ``stop()``: a pass at start, then one whenever a watched
    room's idle timer is due, and after re-listing when there is something new or left to retry."""

    def __init__(
        self,
        worker: ConsolidationWorker,
        namespaces: list[str],
        *,
        relist_seconds: float = DEFAULT_RELIST_SECONDS,
        on_idle: Callable[[], object] | None = None,
    ) -> None:
        self.worker = worker
        self.client = worker.client
        self.namespaces = list(dict.fromkeys(namespaces))
        self.relist_seconds = relist_seconds
        self.on_idle = on_idle  # called each time the loop is about to wait (tests step the clock there)
        self._cond = threading.Condition()
        self._stopped = False
        self._room_ns: dict[str, str] = {}
        self._idle: dict[str, datetime.timedelta] = {ns: datetime.timedelta(minutes=10) for ns in self.namespaces}
        self._due: dict[str, datetime.datetime] = {}  # room -> when its idle timer fires (worker's clock)
        self._retry = set(self.namespaces)  # passes owed at the next listing (the first, failed or skipped ones)
        # A watch follows 1 to 10,000 named rooms: opened with the first rooms listed, closed when none remain.
        self._watch: Any = None

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._close_watch()

    def wake(self) -> None:
        """Makes the loop look at its timers now (after a test moved its clock)."""
        with self._cond:
            self._cond.notify_all()

    def wait_for_timer(self, room_id: str, after: datetime.datetime | None = None, timeout: float = 10.0) -> bool:
        """Waits until the room's idle timer is armed (due later than ``after``); False on timeout. For
        tests and tools that move the clock only once the watch has seen a change."""
        def armed() -> bool:
            due = self._due.get(room_id)
            return due is not None and (after is None or due > after)

        with self._cond:
            return self._cond.wait_for(armed, timeout)

    def timer(self, room_id: str) -> datetime.datetime | None:
        """When the room's idle timer is due (the worker's clock); None when not armed."""
        with self._cond:
            return self._due.get(room_id)

    def run(self) -> None:
        next_listing = 0.0
        try:
            while True:
                if time.monotonic() >= next_listing:
                    owed = self._relist() | self._retry
                    next_listing = time.monotonic() + self.relist_seconds
                    self._pass([ns for ns in self.namespaces if ns in owed])
                due = self._take_due()
                if due:
                    self._pass(due)
                    continue
                if not self._wait(next_listing):
                    return
        finally:
            self._close_watch()

    def _close_watch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()

    def _follow(self, new: list[str], gone: list[str]) -> None:
        """Moves the watch to the listed rooms: opens it on the first, closes it when none remain."""
        if self._watch is None:
            if new:
                self._watch = self.client.watch(new)
                threading.Thread(target=self._read_changes, args=(self._watch,), name="consolidate-watch", daemon=True).start()
            return
        if gone:
            self._watch.remove(gone)
        if new:
            self._watch.add(new)
        if not self._room_ns:
            self._close_watch()

    def _read_changes(self, watch: Any) -> None:
        """The watch thread: every change re-arms its room's timer."""
        try:
            for change in watch:
                with self._cond:
                    ns = self._room_ns.get(change.room_id)
                    if ns is not None:
                        self._due[change.room_id] = self.worker.clock() + self._idle[ns]
                        self._cond.notify_all()
        except RoomHistoryError as err:
            log.error("watch failed, falling back to the periodic listing: %s", err)

    def _take_due(self) -> list[str]:
        """The namespaces with a due timer; their timers are cleared (a pass covers the whole namespace)."""
        with self._cond:
            now = self.worker.clock()
            due = {self._room_ns[r] for r, at in self._due.items() if at <= now and r in self._room_ns}
            self._due = {r: at for r, at in self._due.items() if self._room_ns.get(r) not in due}
            return [ns for ns in self.namespaces if ns in due]

    def _wait(self, next_listing: float) -> bool:
        """Sleeps until the next timer, the next listing, a change or stop(); False once stopped."""
        if self.on_idle:
            self.on_idle()
        with self._cond:
            if self._stopped:
                return False
            timeout = next_listing - time.monotonic()
            if self._due:
                until_due = (min(self._due.values()) - self.worker.clock()).total_seconds()
                timeout = min(timeout, until_due)
            if timeout > 0:
                self._cond.wait(timeout)
            return not self._stopped

    def _pass(self, namespaces: list[str]) -> None:
        for ns in namespaces:
            self._retry.discard(ns)
            try:
                report = self.worker.consolidate(ns)
            except RoomHistoryError as err:
                log.warning("namespace %s: pass failed, retried at the next listing: %s", ns, err)
                self._retry.add(ns)
                continue
            if report.skipped:
                self._retry.add(ns)

    def _relist(self) -> set[str]:
        """Lists the namespaces' rooms and their idle_minutes, and watches the rooms (newest activity
        first, up to the watch's limit). Returns the namespaces where rooms not followed before turned up."""
        rooms: dict[str, str] = {}
        try:
            for ns in self.namespaces:
                options = self.client.get_memory_bank(ns).options
                idle = datetime.timedelta(minutes=options.idle_minutes or 10)
                for room in self.client.iter_rooms(namespace=ns, order=meta.LIST_ROOMS_ORDER_LAST_ACTIVITY):
                    if len(rooms) >= MAX_WATCHED_ROOMS:
                        break
                    rooms.setdefault(room, ns)
                with self._cond:
                    self._idle[ns] = idle
        except RoomHistoryError as err:
            log.warning("listing the namespaces' rooms failed, retried in %.0f s: %s", self.relist_seconds, err)
            return set()
        with self._cond:
            before = self._room_ns
            self._room_ns = rooms
            self._due = {r: at for r, at in self._due.items() if r in rooms}
        gone = [r for r in before if r not in rooms]
        new = [r for r in rooms if r not in before]
        self._follow(new, gone)
        if new or gone:
            log.info("following %d rooms (%d new, %d left)", len(rooms), len(new), len(gone))
        return {rooms[r] for r in new}
