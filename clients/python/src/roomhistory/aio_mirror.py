"""AsyncRoomMirror: a live in-memory copy of rooms, fed by one watch stream (asyncio)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from ._mirror_selectors import selector_loaded
from ._paging import DEFAULT_PAGE_SIZE, read_window_async
from ._resume import selector_key
from ._retry import retry_until_cancelled
from ._watch import DEFAULT_PROGRESS_INTERVAL
from ._watch_aio import AsyncWatchStream
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
        self._stream: AsyncWatchStream | None = None
        self._by_id: set[str] = set()
        self._selectors: dict[str, tuple[str, str]] = {}
        #: The version each room had when the server listed it (``created``): loaded once the copy has it.
        self._announced: dict[str, int] = {}

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
        self._by_id.update(room_ids)
        added = [r for r in dict.fromkeys(room_ids) if r not in self._state.windows]
        histories = await asyncio.gather(*(read_window_async(self._client, r, page_size=self._page_size) for r in added))
        for room_id, history in zip(added, histories, strict=True):
            self._state.follow(room_id)
            await self._updated(room_id, partial(self._state.replace, room_id, history), None, refetched=True)
        if self._stream is None:
            await self._restart_watch()
        elif added:
            # From the version read: a change since then comes as a RESYNC, and the copy is read again.
            self._stream.add({r: self._state.window(r).version for r in added})

    async def unfollow(self, *room_ids: str) -> None:
        """Stops following rooms and forgets their windows."""
        self._by_id.difference_update(room_ids)
        for room_id in room_ids:
            self._state.unfollow(room_id)
        if self._stream is not None:
            self._stream.remove(room_ids)

    async def follow_selector(self, *, prefix: str = "", namespace: str = "") -> None:
        """Holds every room whose id starts with ``prefix``, or of ``namespace``, now and later: rooms
        created or moved in join the copy as the server finds them, a room moved out of the namespace is
        dropped. Returns once the rooms there are now are loaded."""
        self._selectors[selector_key(prefix, namespace)] = (prefix, namespace)
        if self._stream is None:
            await self._restart_watch()
        else:
            self._stream.follow(prefix=prefix, namespace=namespace)

        def loaded() -> bool:
            found = self._stream._found_by(prefix=prefix, namespace=namespace) if self._stream is not None else None
            return self._failure is not None or selector_loaded(found, self._announced, self._state.windows)

        async with self._changed:
            await self._changed.wait_for(loaded)
        self._raise_failure()

    async def unfollow_selector(self, *, prefix: str = "", namespace: str = "") -> None:
        """Stops following a selector and forgets the rooms only it brought in."""
        self._selectors.pop(selector_key(prefix, namespace), None)
        stream = self._stream
        if stream is None:
            return
        stream.unfollow(prefix=prefix, namespace=namespace)
        for room_id in [r for r in self._state.windows if not stream._follows(r) and r not in self._by_id]:
            self._state.unfollow(room_id)

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
        if not (self._started and (self._state.windows or self._selectors)):
            return
        created = asyncio.Event()
        self._task = task = asyncio.create_task(self._follow(created), name="roomhistory-mirror")
        confirmed = asyncio.create_task(created.wait())
        await asyncio.wait({task, confirmed}, return_when=asyncio.FIRST_COMPLETED)
        confirmed.cancel()
        self._raise_failure()

    async def _stop_watch(self) -> None:
        task, self._task, self._stream = self._task, None, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self, created: asyncio.Event) -> None:
        try:
            def on_created(rooms: list[pb.RoomVersion], _resumed: bool) -> None:
                self._announced.update((r.room_id, r.version) for r in rooms)
                created.set()

            self._stream = changes = self._client.watch(
                self._state.versions(), progress_interval=self._progress_interval, on_created=on_created,
                prefixes=[p for p, _ in self._selectors.values() if p],
                namespaces=[n for _, n in self._selectors.values() if n], on_cancelled=self._cancelled,
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

    def _cancelled(self, cancelled: pb.WatchCancelled) -> None:
        """A room the server stopped following (it left a followed namespace, or was refused) leaves the copy."""
        if cancelled.room_id:
            self._state.unfollow(cancelled.room_id)
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _apply(self, change: change_pb2.RoomChange) -> None:
        """Applies one change, or reads the room as _window says until the copy is settled."""
        if change.room_id not in self._state.windows:
            if self._stream is None or not self._stream._follows(change.room_id):
                return  # unfollowed meanwhile
            self._state.follow(change.room_id)  # found by a selector: its RESYNC from 0 loads it
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
