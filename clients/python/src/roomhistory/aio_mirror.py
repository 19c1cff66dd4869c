"""AsyncRoomMirror: a live in-memory copy of rooms, fed by one watch stream (asyncio)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._retry import retry_until_cancelled
from ._window import MirrorState
from .aio import AsyncRoomHistoryClient
from .errors import VersionConflictError
from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

#: Called with (room_id, version) after a followed room's copy moved to a newer version.
OnUpdate = Callable[[str, int], Any]


class AsyncRoomMirror:
    """Keeps each followed room's window in memory, fed by ONE watch stream; no polling.

    A change that directly follows the copy is applied as it comes; a gap, a RESYNC or omitted messages
    make the mirror fetch the room with GetHistory. Reads (`get_messages`, `version`) come from memory;
    `append` writes with the copy's version as expected_version.

    Use ``async with AsyncRoomMirror(client, rooms) as mirror:`` or ``await mirror.start()`` /
    ``await mirror.close()``.
    """

    def __init__(
        self,
        client: AsyncRoomHistoryClient,
        rooms: Iterable[str],
        *,
        progress_interval: float = 5.0,
        on_update: OnUpdate | None = None,
    ) -> None:
        self._client = client
        self._state = MirrorState(rooms)
        self._progress_interval = progress_interval
        self._on_update = on_update
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    async def start(self) -> None:
        """Reads every room, then follows them; returns once the copies are loaded (raises if a read fails)."""
        histories = await asyncio.gather(*(self._client.get_history(room) for room in self._state.windows))
        for room, history in zip(self._state.windows, histories):
            self._state.replace(room, history)
        self._task = asyncio.create_task(self._follow(), name="roomhistory-mirror")

    async def close(self) -> None:
        """Stops following (the client stays open)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def __aenter__(self) -> AsyncRoomMirror:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def rooms(self) -> list[str]:
        return list(self._state.windows)

    def version(self, room_id: str) -> int:
        """The version of the in-memory copy."""
        self._raise_failure()
        return self._state.window(room_id).version

    def versions(self) -> dict[str, int]:
        self._raise_failure()
        return self._state.versions()

    def get_messages(self, room_id: str) -> list[msg.Message]:
        """The room's window from memory, oldest first (a new list; do not modify the messages)."""
        self._raise_failure()
        return list(self._state.window(room_id).messages)

    async def wait_for_version(self, room_id: str, version: int, timeout: float | None = None) -> None:
        """Returns once the copy of the room is at `version` or later (asyncio.TimeoutError after timeout)."""
        window = self._state.window(room_id)
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: self._failure is not None or window.version >= version), timeout
            )
        self._raise_failure()

    async def render(
        self, room_id: str, room_context: Mapping[str, Any] | None = None, **options: Any
    ) -> pb.RenderMessagesResponse:
        """RenderMessages for the room (template, include_thinking and timeout as for the client)."""
        self._state.window(room_id)
        return await self._client.render_messages(room_id, room_context, **options)

    async def append(
        self, room_id: str, messages: Iterable[msg.Message], *, timeout: float | None = None
    ) -> pb.AppendMessagesResponse:
        """Appends with the copy's version as expected_version; the copy includes the messages on return.

        On a conflict the copy is refreshed from the server, then VersionConflictError is raised: look at
        the fresh copy and try again.
        """
        self._raise_failure()
        expected = self._state.window(room_id).version
        try:
            response = await self._client.append_messages(
                room_id, messages, expected_version=expected, timeout=timeout
            )
        except VersionConflictError:
            history = await self._client.get_history(room_id, timeout=timeout)
            await self._updated(room_id, lambda: self._state.replace(room_id, history))
            raise
        await self._updated(room_id, lambda: self._state.appended(room_id, expected, response))
        return response

    async def _follow(self) -> None:
        try:
            changes = self._client.watch(self._state.versions(), progress_interval=self._progress_interval)
            async for change in changes:
                await self._apply(change)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # noqa: BLE001 - kept and raised to the mirror's users
            self._failure = err
            async with self._changed:
                self._changed.notify_all()

    async def _apply(self, change: change_pb2.RoomChange) -> None:
        if await self._updated(change.room_id, lambda: self._state.needs_fetch(change)):
            await self._fetch(change.room_id)

    async def _fetch(self, room_id: str) -> None:
        """Re-reads a room the watch lost track of; retried until it works or the mirror is closed."""
        history = await retry_until_cancelled(lambda: self._client.get_history(room_id), self._client.retry_policy)
        await self._updated(room_id, lambda: self._state.replace(room_id, history))

    async def _updated(self, room_id: str, update: Callable[[], Any]) -> Any:
        """Runs an update of the state; wakes waiters and calls on_update when the room's version moved."""
        window = self._state.window(room_id)
        before = window.version
        result = update()
        if window.version != before:
            async with self._changed:
                self._changed.notify_all()
            if self._on_update is not None:
                self._on_update(room_id, window.version)
        return result

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
