"""AsyncRoomMirror: a live in-memory copy of rooms, fed by one watch stream (asyncio)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from ._paging import DEFAULT_PAGE_SIZE, read_window_async
from ._retry import retry_until_cancelled
from ._watch import DEFAULT_PROGRESS_INTERVAL
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
from .aio import AsyncRoomHistoryClient
from .errors import VersionConflictError
from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

log = logging.getLogger("roomhistory")

#: Called with (room_id, version) after a followed room's copy moved to a new version.
OnChange = Callable[[str, int], Any]


class AsyncRoomMirror:
    """Keeps each followed room's window in memory, fed by ONE watch stream; no polling.

    A change that directly follows the copy is applied as it comes (an expiry or a deletion empties it);
    a gap, a RESYNC, omitted messages or a kind this client does not know make the mirror read the room
    with GetHistory (the rules are in _window.py). Reads (`get_messages`, `version`) come from memory;
    `append` writes with the copy's version as expected_version.

    Use ``async with AsyncRoomMirror(client, rooms) as mirror:`` or ``await mirror.start()`` /
    ``await mirror.close()``. Whenever a copy moves, ``on_change(room_id, version)`` and
    ``on_event(RoomChangedEvent)`` (the change that caused it and whether the room was read: what
    TypeScript's ``changed`` event carries) are called; an exception either raises is logged, never
    passed on. ``on_needs_compaction(RoomChange)`` is called once per crossing: on the first watched change
    of a room with agent options where needs_compaction is True (after a compaction brings it back under
    its threshold, the next crossing calls it again); ``needs_compaction(room_id)`` and
    ``token_count(room_id)`` tell what the room's latest watched change said.
    Rooms are read in GetHistory pages of ``page_size`` messages, at one version (see ``_paging``).
    """

    def __init__(
        self,
        client: AsyncRoomHistoryClient,
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
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._failure: BaseException | None = None

    async def start(self) -> None:
        """Reads every room, then follows them; returns once the copies are loaded (raises if a read fails)."""
        self._started = True
        await self.follow(*self._initial)

    async def close(self) -> None:
        """Stops following (the client stays open)."""
        self._started = False
        await self._stop_watch()

    async def __aenter__(self) -> AsyncRoomMirror:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def follow(self, *room_ids: str) -> None:
        """Reads and then follows more rooms (added on the one open watch stream)."""
        added = [r for r in dict.fromkeys(room_ids) if r not in self._state.windows]
        histories = await asyncio.gather(*(read_window_async(self._client, r, page_size=self._page_size) for r in added))
        for room_id, history in zip(added, histories, strict=True):
            self._state.follow(room_id)
            await self._updated(room_id, partial(self._state.replace, room_id, history), None, refetched=True)
        if added or self._task is None:
            await self._restart_watch()

    async def unfollow(self, *room_ids: str) -> None:
        """Stops following rooms and forgets their windows."""
        for room_id in room_ids:
            self._state.unfollow(room_id)
        await self._restart_watch()

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

    def needs_compaction(self, room_id: str) -> bool:
        """Whether the room's latest watched change said it needs compaction (rooms with agent options)."""
        return self._compaction.needs_compaction(room_id)

    def token_count(self, room_id: str) -> int:
        """The room's token total as its latest watched change reported it (rooms with agent options)."""
        return self._compaction.token_count(room_id)

    def get_messages(self, room_id: str) -> list[msg.Message]:
        """The room's window from memory, oldest first (a new list; do not modify the messages)."""
        self._raise_failure()
        return list(self._state.window(room_id).messages)

    async def wait_for_version(self, room_id: str, version: int, timeout: float | None = None) -> None:
        """Returns once the copy of the room is at `version` or later; the builtin TimeoutError after
        `timeout` seconds (on every Python version), RoomNotFollowedError for a room not followed."""
        window = self._state.window(room_id)
        try:
            async with self._changed:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._failure is not None or window.version >= version), timeout
                )
        except asyncio.TimeoutError:  # distinct from the builtin on Python 3.10
            raise TimeoutError(f"room {room_id} still at version {window.version}, waiting for {version}") from None
        self._raise_failure()

    async def render(
        self, room_id: str, room_context: Mapping[str, Any] | None = None, **options: Any
    ) -> pb.RenderMessagesResponse:
        """RenderMessages for the room (template, include_thinking, format, sender_style, id_markers, max_tokens,
        encoding, run_id, phase_id, memory_bank, memory_bank_max_tokens and timeout as for the client's
        render_messages)."""
        self._state.window(room_id)
        return await self._client.render_messages(room_id, room_context, **options)

    async def append(
        self,
        room_id: str,
        messages: Iterable[msg.Message],
        *,
        idempotency_key: str | None = None,
        durability: pb.Durability | None = None,
        timeout: float | None = None,
    ) -> pb.AppendMessagesResponse:
        """Appends with the copy's version as expected_version; the copy includes the messages on return.

        On a conflict the copy is first refreshed from the server, then VersionConflictError is raised:
        look at the fresh copy (`get_messages`) and decide whether to append again. The append carries an
        idempotency key (``idempotency_key``, or a new one), so the client retries it safely after
        UNAVAILABLE; ``durability`` as for the client.
        """
        self._raise_failure()
        expected = self._state.window(room_id).version
        try:
            response = await self._client.append_messages(
                room_id,
                messages,
                expected_version=expected,
                idempotency_key=idempotency_key,
                durability=durability,
                timeout=timeout,
            )
        except VersionConflictError:
            history = await read_window_async(self._client, room_id, page_size=self._page_size, timeout=timeout)
            await self._updated(room_id, partial(self._state.replace, room_id, history), None, refetched=True)
            raise
        await self._updated(
            room_id, partial(self._state.appended, room_id, response), own_append(room_id, response), refetched=False
        )
        return response

    async def _restart_watch(self) -> None:
        """(Re)opens the one watch from the copies' versions; returns once the server confirmed it, so
        every later change reaches the mirror as a change."""
        await self._stop_watch()
        if not (self._started and self._state.windows):
            return
        created = asyncio.Event()
        self._task = task = asyncio.create_task(self._follow(created), name="roomhistory-mirror")
        confirmed = asyncio.create_task(created.wait())
        await asyncio.wait({task, confirmed}, return_when=asyncio.FIRST_COMPLETED)
        confirmed.cancel()
        self._raise_failure()

    async def _stop_watch(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self, created: asyncio.Event) -> None:
        try:
            changes = self._client.watch(
                self._state.versions(), progress_interval=self._progress_interval, on_created=lambda *_: created.set()
            )
            async with contextlib.aclosing(changes):  # closes the stream here, not at garbage collection
                async for change in changes:
                    await self._apply(change)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # kept and raised to the mirror's users
            log.error("mirror stopped: %s", err)
            self._failure = err
            async with self._changed:
                self._changed.notify_all()

    async def _apply(self, change: change_pb2.RoomChange) -> None:
        """Applies one change, or reads the room as _window says until the copy is settled."""
        # Recorded first, so needs_compaction() says it when a waiter for this version wakes.
        crossing = self._compaction.seen(change)
        fetch = await self._updated(change.room_id, partial(self._state.take, change), change, refetched=False)
        while fetch is not None:
            read = partial(read_window_async, self._client, change.room_id, fetch.after_seq, self._page_size)
            history = await retry_until_cancelled(read, self._client.retry_policy)
            fetched = partial(self._state.fetched, change, fetch.after_seq, history)
            fetch = await self._updated(change.room_id, fetched, change, refetched=True)
        # After the copy is settled, so a listener that compacts sees the room at the change's version.
        if crossing:
            crossed(self._on_needs_compaction, change)

    async def _updated(
        self, room_id: str, update: Callable[[], Any], cause: change_pb2.RoomChange | None, *, refetched: bool
    ) -> Any:
        """Runs an update of the state; wakes waiters and calls the listeners when the room's version moved
        (``cause`` None: a read of the mirror's own, reported as a RESYNC)."""
        window = self._state.windows.get(room_id)
        before = window.version if window else 0
        result = update()
        if window is not None and window.version != before:
            # Listeners first, in the same step as the update: a waiter that holds the condition's lock
            # can see the new version as soon as this coroutine yields, and must find the event sent.
            change = cause or resync(room_id, before, window.version)
            notify(self._on_change, self._on_event, RoomChangedEvent(room_id, window.version, change, refetched))
            async with self._changed:
                self._changed.notify_all()
        return result

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
