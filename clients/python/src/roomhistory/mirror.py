"""RoomMirror: a live in-memory copy of rooms, fed by one watch stream read on a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from ._mirror_selectors import selector_loaded
from ._paging import DEFAULT_PAGE_SIZE, read_window
from ._retry import retry_until_closed
from ._watch import DEFAULT_PROGRESS_INTERVAL, WatchStream, selector_key
from ._window import (
    CompactionWatch,
    MirrorState,
    OnEvent,
    OnNeedsCompaction,
    RoomChangedEvent,
    crossed,
    notify,
    own_append,
    resync,
)
from .client import RoomHistoryClient
from .errors import VersionConflictError
from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

log = logging.getLogger("roomhistory")

#: Called (on the mirror's thread) with (room_id, version) after a followed room's copy moved.
OnChange = Callable[[str, int], Any]


class RoomMirror:
    """The blocking twin of AsyncRoomMirror, with the same behaviour; a thread reads the watch stream.

    Use ``with RoomMirror(client, rooms) as mirror:`` or ``mirror.start()`` / ``mirror.close()``.
    ``on_change``, ``on_event`` and ``on_needs_compaction`` as for AsyncRoomMirror, called on the mirror's
    thread (a listener that blocks holds up the copy: hand the work to another thread).
    Rooms are read in GetHistory pages of ``page_size`` messages, at one version (see ``_paging``).
    """

    def __init__(
        self,
        client: RoomHistoryClient,
        rooms: Iterable[str] = (),
        *,
        progress_interval: float = DEFAULT_PROGRESS_INTERVAL,
        on_change: OnChange | None = None,
        on_event: OnEvent | None = None,
        on_needs_compaction: OnNeedsCompaction | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._client = client
        self._page_size = max(1, page_size)
        self._initial = list(dict.fromkeys(rooms))
        self._state = MirrorState(())
        self._progress_interval = progress_interval
        self._on_change = on_change
        self._on_event = on_event
        self._on_needs_compaction = on_needs_compaction
        self._compaction = CompactionWatch()
        self._changed = threading.Condition()  # its lock guards _state and _failure
        self._started = False
        self._stream: WatchStream | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._by_id: set[str] = set()
        self._selectors: dict[str, tuple[str, str]] = {}
        #: The version each room had when the server listed it (``created``): loaded once the copy has it.
        self._announced: dict[str, int] = {}

    def start(self) -> None:
        """Reads every room, then follows them; returns once the copies are loaded (raises if a read fails)."""
        self._started = True
        self.follow(*self._initial)

    def close(self) -> None:
        """Stops following (the client stays open)."""
        self._started = False
        self._stop_watch()

    def __enter__(self) -> RoomMirror:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def follow(self, *room_ids: str) -> None:
        """Reads and then follows more rooms (added on the one open watch stream)."""
        self._by_id.update(room_ids)
        added = [r for r in dict.fromkeys(room_ids) if r not in self._state.windows]
        for room_id in added:
            history = read_window(self._client, room_id, page_size=self._page_size)
            with self._changed:
                self._state.follow(room_id)
            self._updated(room_id, partial(self._state.replace, room_id, history), None, refetched=True)
        if self._stream is None:
            self._restart_watch()
        elif added:
            # From the version read: a change since then comes as a RESYNC, and the copy is read again.
            self._stream.add({r: self.version(r) for r in added})

    def unfollow(self, *room_ids: str) -> None:
        """Stops following rooms and forgets their windows."""
        self._by_id.difference_update(room_ids)
        with self._changed:
            for room_id in room_ids:
                self._state.unfollow(room_id)
        if self._stream is not None:
            self._stream.remove(room_ids)

    def follow_selector(self, *, prefix: str = "", namespace: str = "", timeout: float | None = None) -> None:
        """Holds every room whose id starts with ``prefix``, or of ``namespace``, now and later: rooms
        created or moved in join the copy as the server finds them, a room moved out of the namespace is
        dropped. Returns once the rooms there are now are loaded (TimeoutError after ``timeout``)."""
        self._selectors[selector_key(prefix, namespace)] = (prefix, namespace)
        if self._stream is None:
            self._restart_watch()
        else:
            self._stream.follow(prefix=prefix, namespace=namespace)
        with self._changed:
            if not self._changed.wait_for(lambda: self._failure is not None or self._loaded(prefix, namespace), timeout):
                raise TimeoutError(f"the rooms of {prefix or namespace!r} were not all loaded in time")
            self._raise_failure()

    def unfollow_selector(self, *, prefix: str = "", namespace: str = "") -> None:
        """Stops following a selector and forgets the rooms only it brought in."""
        self._selectors.pop(selector_key(prefix, namespace), None)
        stream = self._stream
        if stream is None:
            return
        stream.unfollow(prefix=prefix, namespace=namespace)
        with self._changed:
            for room_id in [r for r in self._state.windows if not stream._follows(r) and r not in self._by_id]:
                self._state.unfollow(room_id)

    def _loaded(self, prefix: str, namespace: str) -> bool:
        stream = self._stream
        found = stream._found_by(prefix=prefix, namespace=namespace) if stream is not None else None
        return selector_loaded(found, self._announced, self._state.windows)

    @property
    def rooms(self) -> list[str]:
        with self._changed:
            return list(self._state.windows)

    def version(self, room_id: str) -> int:
        """The version of the in-memory copy."""
        with self._changed:
            self._raise_failure()
            return self._state.window(room_id).version

    def versions(self) -> dict[str, int]:
        with self._changed:
            self._raise_failure()
            return self._state.versions()

    def needs_compaction(self, room_id: str) -> bool:
        """Whether the room's latest watched change said it needs compaction (rooms with agent options)."""
        return self._compaction.needs_compaction(room_id)

    def token_count(self, room_id: str) -> int:
        """The room's token total as its latest watched change reported it (rooms with agent options)."""
        return self._compaction.token_count(room_id)

    def get_messages(self, room_id: str) -> list[msg.Message]:
        """The room's window from memory, oldest first (a new list; do not modify the messages)."""
        with self._changed:
            self._raise_failure()
            return list(self._state.window(room_id).messages)

    def wait_for_version(self, room_id: str, version: int, timeout: float | None = None) -> None:
        """Returns once the copy of the room is at `version` or later; TimeoutError after `timeout`."""
        with self._changed:
            window = self._state.window(room_id)
            reached = self._changed.wait_for(lambda: self._failure is not None or window.version >= version, timeout)
            self._raise_failure()
            if not reached:
                raise TimeoutError(f"room {room_id} still at version {window.version}, waiting for {version}")

    def render(
        self, room_id: str, room_context: Mapping[str, Any] | None = None, **options: Any
    ) -> pb.RenderMessagesResponse:
        """RenderMessages for the room (template, include_thinking, format, sender_style, id_markers, max_tokens,
        encoding, run_id, phase_id, memory_bank, memory_bank_max_tokens and timeout as for the client's
        render_messages)."""
        self.version(room_id)
        return self._client.render_messages(room_id, room_context, **options)

    def append(
        self,
        room_id: str,
        messages: Iterable[msg.Message],
        *,
        idempotency_key: str | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.AppendMessagesResponse:
        """Appends with the copy's version as expected_version; see AsyncRoomMirror.append."""
        expected = self.version(room_id)
        try:
            response = self._client.append_messages(
                room_id,
                messages,
                expected_version=expected,
                idempotency_key=idempotency_key,
                durability=durability,
                timeout=timeout,
            )
        except VersionConflictError:
            history = read_window(self._client, room_id, page_size=self._page_size, timeout=timeout)
            self._updated(room_id, partial(self._state.replace, room_id, history), None, refetched=True)
            raise
        self._updated(
            room_id, partial(self._state.appended, room_id, response), own_append(room_id, response), refetched=False
        )
        return response

    def _restart_watch(self) -> None:
        """(Re)opens the one watch from the copies' versions; returns once the server confirmed it, so
        every later change reaches the mirror as a change."""
        self._stop_watch()
        created = threading.Event()

        def on_created(rooms: list[pb.RoomVersion], _resumed: bool) -> None:
            with self._changed:
                for r in rooms:
                    self._announced[r.room_id] = r.version
                created.set()
                self._changed.notify_all()

        with self._changed:
            if not (self._started and (self._state.windows or self._selectors)):
                return
            self._stream = stream = self._client.watch(
                self._state.versions(), progress_interval=self._progress_interval, on_created=on_created,
                prefixes=[p for p, _ in self._selectors.values() if p],
                namespaces=[n for _, n in self._selectors.values() if n], on_cancelled=self._cancelled,
            )
        self._thread = threading.Thread(target=self._follow, args=(stream,), name="roomhistory-mirror", daemon=True)
        self._thread.start()
        with self._changed:
            self._changed.wait_for(lambda: created.is_set() or self._failure is not None)
            self._raise_failure()

    def _stop_watch(self) -> None:
        stream, thread = self._stream, self._thread
        self._stream = self._thread = None
        if stream is not None:
            stream.cancel()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _follow(self, stream: WatchStream) -> None:
        try:
            for change in stream:
                self._apply(change, stream)
        except BaseException as err:  # kept and raised to the mirror's users
            log.error("mirror stopped: %s", err)
            with self._changed:
                self._failure = err
                self._changed.notify_all()

    def _cancelled(self, cancelled: pb.WatchCancelled) -> None:
        """A room the server stopped following (it left a followed namespace, or was refused) leaves the copy."""
        if cancelled.room_id:
            with self._changed:
                self._state.unfollow(cancelled.room_id)
                self._changed.notify_all()

    def _apply(self, change: change_pb2.RoomChange, stream: WatchStream) -> None:
        """Applies one change, or reads the room as _window says until the copy is settled."""
        if change.room_id not in self._state.windows:
            if not stream._follows(change.room_id):
                return  # unfollowed meanwhile
            with self._changed:  # found by a selector: it starts empty, and its RESYNC from 0 loads it
                self._state.follow(change.room_id)
        # Recorded first, so needs_compaction() says it when a waiter for this version wakes.
        crossing = self._compaction.seen(change)
        fetch = self._updated(change.room_id, partial(self._state.take, change), change, refetched=False)
        while fetch is not None:
            history = retry_until_closed(
                partial(read_window, self._client, change.room_id, fetch.after_seq, self._page_size),
                lambda seconds: not stream.cancelled.wait(seconds),
                self._client.retry_policy,
            )
            if history is None:
                return
            fetched = partial(self._state.fetched, change, fetch.after_seq, history)
            fetch = self._updated(change.room_id, fetched, change, refetched=True)
        # After the copy is settled, so a listener that compacts sees the room at the change's version.
        if crossing:
            crossed(self._on_needs_compaction, change)

    def _updated(
        self, room_id: str, update: Callable[[], Any], cause: change_pb2.RoomChange | None, *, refetched: bool
    ) -> Any:
        """Runs an update of the state; wakes waiters and calls the listeners when the room's version moved
        (``cause`` None: a read of the mirror's own, reported as a RESYNC)."""
        with self._changed:
            window = self._state.windows.get(room_id)
            before = window.version if window else 0
            result = update()
            moved = window is not None and window.version != before
            if moved:
                self._changed.notify_all()
        if moved and window is not None:
            change = cause or resync(room_id, before, window.version)
            notify(self._on_change, self._on_event, RoomChangedEvent(room_id, window.version, change, refetched))
        return result

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
