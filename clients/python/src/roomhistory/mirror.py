"""RoomMirror: a live in-memory copy of rooms, fed by one watch stream on a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._retry import retry_until_closed
from ._watch import WatchStream
from ._window import MirrorState
from .client import RoomHistoryClient
from .errors import VersionConflictError
from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

#: Called (on the mirror's thread) with (room_id, version) after a followed room's copy moved forward.
OnUpdate = Callable[[str, int], Any]


class RoomMirror:
    """The blocking twin of AsyncRoomMirror: same behaviour, with a thread reading the watch stream.

    Use ``with RoomMirror(client, rooms) as mirror:`` or ``mirror.start()`` / ``mirror.close()``.
    """

    def __init__(
        self,
        client: RoomHistoryClient,
        rooms: Iterable[str],
        *,
        progress_interval: float = 5.0,
        on_update: OnUpdate | None = None,
    ) -> None:
        self._client = client
        self._state = MirrorState(rooms)
        self._progress_interval = progress_interval
        self._on_update = on_update
        self._changed = threading.Condition()  # its lock guards _state and _failure
        self._stopped = threading.Event()
        self._stream: WatchStream | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def start(self) -> None:
        """Reads every room, then follows them; returns once the copies are loaded."""
        for room in list(self._state.windows):
            history = self._client.get_history(room)
            self._updated(room, lambda: self._state.replace(room, history))
        self._stream = self._client.watch(self._state.versions(), progress_interval=self._progress_interval)
        self._thread = threading.Thread(target=self._follow, args=(self._stream,), name="roomhistory-mirror", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stops following (the client stays open)."""
        self._stopped.set()
        if self._stream is not None:
            self._stream.cancel()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> RoomMirror:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def rooms(self) -> list[str]:
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
        """RenderMessages for the room (template, include_thinking and timeout as for the client)."""
        self._state.window(room_id)
        return self._client.render_messages(room_id, room_context, **options)

    def append(
        self, room_id: str, messages: Iterable[msg.Message], *, timeout: float | None = None
    ) -> pb.AppendMessagesResponse:
        """Appends with the copy's version as expected_version; see AsyncRoomMirror.append."""
        expected = self.version(room_id)
        try:
            response = self._client.append_messages(room_id, messages, expected_version=expected, timeout=timeout)
        except VersionConflictError:
            history = self._client.get_history(room_id, timeout=timeout)
            self._updated(room_id, lambda: self._state.replace(room_id, history))
            raise
        self._updated(room_id, lambda: self._state.appended(room_id, expected, response))
        return response

    def _follow(self, stream: WatchStream) -> None:
        try:
            for change in stream:
                self._apply(change)
        except BaseException as err:  # noqa: BLE001 - kept and raised to the mirror's users
            with self._changed:
                self._failure = err
                self._changed.notify_all()

    def _apply(self, change: change_pb2.RoomChange) -> None:
        if self._updated(change.room_id, lambda: self._state.needs_fetch(change)):
            self._fetch(change.room_id)

    def _fetch(self, room_id: str) -> None:
        """Re-reads a room the watch lost track of; retried until it works or the mirror is closed."""
        history = retry_until_closed(
            lambda: self._client.get_history(room_id), lambda s: not self._stopped.wait(s), self._client.retry_policy
        )
        if history is not None:
            self._updated(room_id, lambda: self._state.replace(room_id, history))

    def _updated(self, room_id: str, update: Callable[[], Any]) -> Any:
        """Runs an update of the state; wakes waiters and calls on_update when the room's version moved."""
        with self._changed:
            window = self._state.window(room_id)
            before = window.version
            result = update()
            version = window.version
            if version != before:
                self._changed.notify_all()
        if version != before and self._on_update is not None:
            self._on_update(room_id, version)
        return result

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
