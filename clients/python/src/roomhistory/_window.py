"""The in-memory copy of rooms a mirror keeps, and how a RoomChange moves it (shared by both mirrors).

The rules are one specification with the TypeScript client (clients/ts/src/window.ts), written as data in
clients/testdata/window-vectors.json and run by both test suites. A change is applied directly when it
follows the copy's version and carries what it changed (CLEAR, EXPIRED and DELETED need nothing before
them: the copy is then empty at the change's version); anything else (a gap, a RESYNC, omitted messages, a
message the copy does not hold, a kind this client does not know) is read with GetHistory, just the
appended messages when that is exact. PRUNE replaces messages by seq as UPDATE does; COMPACT puts its
messages in place of every message up to replaced_through_seq; AGENT_OPTIONS and METADATA only move the
version; IMPORTED (a room replaced whole by ImportRooms) is read. Versions only go forward: a change or a read older than the copy is
ignored, unless the server's store lost the room (a change whose version is below its previous_version).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import RoomNotFollowedError
from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

log = logging.getLogger("roomhistory")
CK = change_pb2.ChangeKind
_REPLACES = (CK.CHANGE_KIND_UPDATE, CK.CHANGE_KIND_DELETE, CK.CHANGE_KIND_REACTIONS, CK.CHANGE_KIND_PRUNE)
#: Kinds after which the room is empty, whatever came before: applied even after a gap.
_EMPTIES = (CK.CHANGE_KIND_CLEAR, CK.CHANGE_KIND_EXPIRED, CK.CHANGE_KIND_DELETED)
#: Kinds that only move the version (METADATA: the room's title, participants, labels or summary changed).
_KEEPS = (
    CK.CHANGE_KIND_REBACKFILL, CK.CHANGE_KIND_RETENTION, CK.CHANGE_KIND_RENDER_DEFAULTS, CK.CHANGE_KIND_AGENT_OPTIONS,
    CK.CHANGE_KIND_METADATA,
)


@dataclass
class RoomWindow:
    """One room's window as GetHistory returns it, at `version`."""

    version: int = 0
    messages: list[msg.Message] = field(default_factory=list)


@dataclass(frozen=True)
class Fetch:
    """Read the room with GetHistory: ``after_seq`` 0 reads the whole room, else just what follows it."""

    after_seq: int = 0


#: What a change asks of a mirror: None (already held), a new window, or a read.
Step = RoomWindow | Fetch | None

_FETCH_ROOM = Fetch(0)


def is_lost_room(change: change_pb2.RoomChange) -> bool:
    """True when the server's store lost the room: its version went back, and the lower version is taken."""
    return change.version < change.previous_version


def next_step(window: RoomWindow, change: change_pb2.RoomChange) -> Step:
    """The step that brings `window` to change.version. Never modifies `window`."""
    if is_lost_room(change):
        return _FETCH_ROOM
    if change.version <= window.version:
        return None
    if change.kind in _EMPTIES:
        return RoomWindow(change.version, [])
    if change.previous_version != window.version:
        return _FETCH_ROOM
    if change.kind == CK.CHANGE_KIND_APPEND and change.messages_omitted:
        # Just the appended messages, when the copy's last entry has a seq to read after and survives the trim.
        last = last_seq(window.messages)
        return Fetch(last) if last and change.trimmed < len(window.messages) else _FETCH_ROOM
    messages = apply_change(window.messages, change)
    return _FETCH_ROOM if messages is None else RoomWindow(change.version, messages)


def after_fetch(
    window: RoomWindow, change: change_pb2.RoomChange, after_seq: int, history: pb.GetHistoryResponse
) -> Step:
    """The step after the read that next_step asked for (``history`` answered ``after_seq``).

    A partial read (after_seq > 0) is exact only when it is at the change's version and the copy has not
    moved; otherwise the whole room is read. A whole-room read is taken when it is newer than the copy (or
    the room was lost).
    """
    if after_seq > 0:
        if history.version != change.version or window.version != change.previous_version:
            return _FETCH_ROOM
        return RoomWindow(history.version, [*window.messages[change.trimmed :], *history.messages])
    if history.version > window.version or is_lost_room(change):
        return RoomWindow(history.version, list(history.messages))
    return None


def apply_change(window: Sequence[msg.Message], change: change_pb2.RoomChange) -> list[msg.Message] | None:
    """The messages after a change that continues `window`, or None when the change does not carry enough
    (omitted messages, a message the window does not hold, a RESYNC or a kind this client does not know)."""
    if change.messages_omitted:
        return None
    kind = change.kind
    if kind == CK.CHANGE_KIND_APPEND:
        # The server trims after appending, so `trimmed` may reach into the appended messages.
        return [*window, *change.messages][change.trimmed :]
    if kind in _REPLACES:
        return _replace(window, change.messages)
    if kind in _EMPTIES:
        return []
    if kind == CK.CHANGE_KIND_LIMIT:
        return list(window[change.trimmed :])
    if kind in _KEEPS:
        return list(window)
    if kind == CK.CHANGE_KIND_COMPACT:
        return _compact(window, change)
    # RESYNC, IMPORTED (ImportRooms replaced the room whole: it carries no messages), or a kind this client
    # does not know yet: read the room, never ignored.
    return None


def last_seq(window: Sequence[msg.Message]) -> int:
    """The seq of the window's newest message; 0 when it has none (empty, or a legacy entry)."""
    return window[-1].seq if window else 0


def find_edited(window: Sequence[msg.Message], changed: msg.Message) -> int | None:
    """Where an edited message sits: the message with its seq (seqs are unique), or, for a legacy entry
    (seq 0), the NEWEST message with its id, as the server patches the newest."""
    if changed.seq:
        return next((i for i, m in enumerate(window) if m.seq == changed.seq), None)
    if not changed.id:
        return None
    return next((i for i in range(len(window) - 1, -1, -1) if window[i].id == changed.id), None)


def _compact(window: Sequence[msg.Message], change: change_pb2.RoomChange) -> list[msg.Message] | None:
    """CHANGE_KIND_COMPACT: every message with a seq at or below replaced_through_seq, and every seq-less
    (legacy) message before the last of them, gives way to the change's messages, placed at the front."""
    through = change.replaced_through_seq
    cut = next((i + 1 for i in range(len(window) - 1, -1, -1) if 0 < window[i].seq <= through), 0)
    if cut == 0:
        return None  # nothing the copy holds was replaced: it is not the window the server compacted
    rest = [m for m in window[cut:] if not 0 < m.seq <= through]
    return [*change.messages, *rest]


def _replace(window: Sequence[msg.Message], changed: Iterable[msg.Message]) -> list[msg.Message] | None:
    result = list(window)
    replaced = False
    for m in changed:
        i = find_edited(result, m)
        if i is None:
            return None
        result[i] = m
        replaced = True
    return result if replaced else None


class MirrorState:
    """The windows of the followed rooms. Not thread-safe: each mirror serializes access itself."""

    def __init__(self, rooms: Iterable[str]) -> None:
        self.windows: dict[str, RoomWindow] = {room: RoomWindow() for room in rooms}

    def window(self, room_id: str) -> RoomWindow:
        try:
            return self.windows[room_id]
        except KeyError:
            raise RoomNotFollowedError(room_id) from None

    def follow(self, room_id: str) -> None:
        self.windows.setdefault(room_id, RoomWindow())

    def unfollow(self, room_id: str) -> None:
        self.windows.pop(room_id, None)

    def versions(self) -> dict[str, int]:
        return {room: w.version for room, w in self.windows.items()}

    def take(self, change: change_pb2.RoomChange) -> Fetch | None:
        """Applies the change if it can; the read to make when the room must be read to reach change.version."""
        window = self.windows.get(change.room_id)
        return None if window is None else self._settle(window, next_step(window, change))

    def fetched(
        self, change: change_pb2.RoomChange, after_seq: int, history: pb.GetHistoryResponse
    ) -> Fetch | None:
        """Applies the read that `take` asked for; another read to make, or None when settled."""
        window = self.windows.get(change.room_id)
        return None if window is None else self._settle(window, after_fetch(window, change, after_seq, history))

    def replace(self, room_id: str, history: pb.GetHistoryResponse) -> bool:
        """Takes a read window if it is newer than the copy; True when it did."""
        window = self.windows.get(room_id)
        if window is None or history.version <= window.version:
            return False
        self._settle(window, RoomWindow(history.version, list(history.messages)))
        return True

    def appended(self, room_id: str, response: pb.AppendMessagesResponse) -> None:
        """Applies this mirror's own append at once (read-your-writes) when it follows the copy (an append
        is one mutation: the room was at response.version - 1); otherwise the watch brings it. The watch's
        copy of it is then skipped."""
        change = own_append(room_id, response)
        window = self.windows.get(room_id)
        if window is not None:
            step = next_step(window, change)
            if isinstance(step, RoomWindow):
                self._settle(window, step)

    @staticmethod
    def _settle(window: RoomWindow, step: Step) -> Fetch | None:
        """Stores a new window in place (waiters hold the RoomWindow object); passes a read on."""
        if isinstance(step, RoomWindow):
            window.version, window.messages = step.version, step.messages
            return None
        return step


@dataclass(frozen=True)
class RoomChangedEvent:
    """What a mirror's ``on_event`` listener gets when a room's copy moved (TypeScript: the ``changed``
    event, with the same fields)."""

    #: room_id is the room that changed.
    room_id: str
    #: version is the copy's version after the change.
    version: int
    #: change is the change that caused it: the one from the watch (for a read, the one that revealed the
    #: gap), the mirror's own append, or, for a read of its own (a first load, a refresh after a
    #: conflict), a RESYNC from the version it had.
    change: change_pb2.RoomChange
    #: refetched is True when the copy was read with GetHistory rather than patched from the change.
    refetched: bool

    @property
    def token_count(self) -> int:
        """The room's token total after the change (rooms with agent options; 0 otherwise)."""
        return self.change.token_count

    @property
    def needs_compaction(self) -> bool:
        """Whether the room is at or over its compaction threshold after the change: a worker compacts
        when this turns True, without polling GetRoomInfo."""
        return self.change.needs_compaction


#: A mirror's ``on_event`` listener.
OnEvent = Callable[[RoomChangedEvent], Any]


#: A mirror's ``on_needs_compaction`` listener: called with the watch's change on which a room crossed its
#: compaction threshold (needs_compaction turned True).
OnNeedsCompaction = Callable[[change_pb2.RoomChange], Any]


class CompactionWatch:
    """The token total and needs_compaction of each room as its latest watched change reported them.

    Fed with the watch's changes as they arrive, including those the copy skips (the mirror's own appends
    are applied before the watch brings them, and only the watch's copy carries the room's totals)."""

    def __init__(self) -> None:
        self._latest: dict[str, tuple[int, bool]] = {}

    def seen(self, change: change_pb2.RoomChange) -> bool:
        """Records the change's totals; True when it is the crossing (needs_compaction turned True)."""
        before = self._latest.get(change.room_id, (0, False))[1]
        self._latest[change.room_id] = (change.token_count, change.needs_compaction)
        return change.needs_compaction and not before

    def token_count(self, room_id: str) -> int:
        return self._latest.get(room_id, (0, False))[0]

    def needs_compaction(self, room_id: str) -> bool:
        return self._latest.get(room_id, (0, False))[1]


def crossed(listener: OnNeedsCompaction | None, change: change_pb2.RoomChange) -> None:
    """Calls the listener with a crossing (CompactionWatch.seen said so); an exception it raises is logged."""
    if listener is None:
        return
    try:
        listener(change)
    except Exception:
        log.exception("an on_needs_compaction listener of room %r raised; the mirror goes on", change.room_id)


def resync(room_id: str, previous_version: int, version: int) -> change_pb2.RoomChange:
    """The RESYNC a mirror reports for a read of its own."""
    return change_pb2.RoomChange(
        room_id=room_id, version=version, previous_version=previous_version, kind=CK.CHANGE_KIND_RESYNC,
        messages_omitted=True,
    )


def own_append(room_id: str, response: pb.AppendMessagesResponse) -> change_pb2.RoomChange:
    """A mirror's own append as the one mutation it is (the room was at response.version - 1)."""
    return change_pb2.RoomChange(
        room_id=room_id,
        version=response.version,
        previous_version=response.version - 1,
        kind=CK.CHANGE_KIND_APPEND,
        messages=response.messages,
        trimmed=response.trimmed,
    )


def notify(
    on_change: Callable[[str, int], Any] | None,
    on_event: Callable[[RoomChangedEvent], Any] | None,
    event: RoomChangedEvent,
) -> None:
    """Calls a mirror's listeners; an exception one raises is logged and goes no further, so a listener's
    bug never stops a mirror (nor fails the append that moved the copy)."""
    for listener, args in ((on_change, (event.room_id, event.version)), (on_event, (event,))):
        if listener is None:
            continue
        try:
            listener(*args)
        except Exception:
            log.exception("a listener of room %r (version %d) raised; the mirror goes on", event.room_id, event.version)
