"""The in-memory copy of rooms a mirror keeps, and how a RoomChange is applied to it (shared by both mirrors).

A change is applied directly only when it follows the copy's version (previous_version == version) and
carries what it changed; anything else (a gap, a RESYNC, omitted messages, an unknown message id) means
the room must be fetched with GetHistory. Versions only go forward: a change or a read older than the
copy is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .v1 import change_pb2
from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

CK = change_pb2.ChangeKind
_REPLACES = (CK.CHANGE_KIND_UPDATE, CK.CHANGE_KIND_DELETE, CK.CHANGE_KIND_REACTIONS)


@dataclass
class RoomWindow:
    """One room's window as GetHistory returns it, at `version`."""

    version: int = 0
    messages: list[msg.Message] = field(default_factory=list)


def apply_change(window: RoomWindow, change: change_pb2.RoomChange) -> bool:
    """Applies a change that directly follows the window; False (window untouched) when a fetch is needed."""
    if change.previous_version != window.version or change.messages_omitted:
        return False
    kind = change.kind
    if kind == CK.CHANGE_KIND_APPEND:
        window.messages.extend(change.messages)
        del window.messages[: change.trimmed]
    elif kind in _REPLACES:
        positions = [_position(window.messages, m) for m in change.messages]
        if not positions or None in positions:
            return False
        for i, m in zip(positions, change.messages):
            window.messages[i] = m  # type: ignore[index]
    elif kind == CK.CHANGE_KIND_CLEAR:
        window.messages.clear()
    elif kind == CK.CHANGE_KIND_LIMIT:
        del window.messages[: change.trimmed]
    elif kind != CK.CHANGE_KIND_REBACKFILL:
        return False  # RESYNC, or a kind this client does not know
    window.version = change.version
    return True


def _position(window: list[msg.Message], changed: msg.Message) -> int | None:
    """Where the changed message is in the window: found by seq (unique), else by id."""
    for i, m in enumerate(window):
        if (m.seq == changed.seq) if changed.seq else (changed.id != "" and m.id == changed.id):
            return i
    return None


class MirrorState:
    """The windows of the followed rooms. Not thread-safe: each mirror serializes access itself."""

    def __init__(self, rooms: Iterable[str]) -> None:
        self.windows: dict[str, RoomWindow] = {room: RoomWindow() for room in rooms}

    def window(self, room_id: str) -> RoomWindow:
        try:
            return self.windows[room_id]
        except KeyError:
            raise KeyError(f"room {room_id!r} is not followed by this mirror") from None

    def follow(self, room_id: str) -> None:
        self.windows.setdefault(room_id, RoomWindow())

    def unfollow(self, room_id: str) -> None:
        self.windows.pop(room_id, None)

    def versions(self) -> dict[str, int]:
        return {room: w.version for room, w in self.windows.items()}

    def needs_fetch(self, change: change_pb2.RoomChange) -> bool:
        """Applies the change if it can; True when the room must be fetched to reach change.version."""
        window = self.windows.get(change.room_id)
        if window is None:
            return False
        if change.version < change.previous_version:
            return True  # the server's store lost the room: its version went back; read it again
        if change.version <= window.version:
            return False
        return not apply_change(window, change)

    def replace(self, room_id: str, history: pb.GetHistoryResponse, lost: bool = False) -> bool:
        """Takes a fetched window if it is newer than the copy (or the room was lost); True when it did."""
        window = self.windows.get(room_id)
        if window is None or (history.version <= window.version and not lost):
            return False
        window.version = history.version
        window.messages = list(history.messages)
        return True

    def appended(self, room_id: str, expected_version: int, response: pb.AppendMessagesResponse) -> None:
        """Applies this mirror's own append at once (read-your-writes); the watch's copy of it is then skipped."""
        change = change_pb2.RoomChange(
            room_id=room_id,
            version=response.version,
            previous_version=expected_version,
            kind=CK.CHANGE_KIND_APPEND,
            messages=response.messages,
            trimmed=response.trimmed,
        )
        self.needs_fetch(change)
