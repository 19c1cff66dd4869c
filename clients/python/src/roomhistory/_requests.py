"""Request builders shared by the sync and asyncio clients, so both take the same arguments."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from google.protobuf import struct_pb2, timestamp_pb2

from .convert import from_datetime
from .v1 import export_pb2 as export
from .v1 import message_pb2 as msg
from .v1 import metadata_pb2 as meta
from .v1 import room_history_service_pb2 as pb

#: Reactions as Reaction messages or as a mapping from emoji to count.
Reactions = Mapping[str, int] | Iterable[msg.Reaction]
#: A point in time as a datetime (naive means UTC) or a protobuf Timestamp.
When = datetime.datetime | timestamp_pb2.Timestamp

W = TypeVar("W")


def new_idempotency_key() -> str:
    """A new idempotency key: 22 random URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


def write_options(request: W, expected_version: int | None, durability: pb.Durability | None) -> W:
    """Sets the options every mutation takes: expected_version (None: unconditional) and durability (None:
    the server's default)."""
    target: Any = request
    if expected_version is not None:
        target.expected_version = expected_version
    if durability is not None:
        target.durability.CopyFrom(durability)
    return request


def append_messages(
    room_id: str,
    messages: Iterable[msg.Message],
    expected_version: int | None,
    idempotency_key: str | None = None,
    durability: pb.Durability | None = None,
) -> pb.AppendMessagesRequest:
    """An append with an idempotency key: the one given, else (None or "") a new one."""
    key = idempotency_key or new_idempotency_key()
    request = pb.AppendMessagesRequest(room_id=room_id, messages=list(messages), idempotency_key=key)
    return write_options(request, expected_version, durability)


def struct(values: Mapping[str, Any] | None) -> struct_pb2.Struct | None:
    """A room_context as a Struct; None (unset) for None."""
    if values is None:
        return None
    out = struct_pb2.Struct()
    out.update(dict(values))
    return out


def update_message(
    room_id: str,
    message_id: str,
    content: str,
    expected_version: int | None,
    durability: pb.Durability | None = None,
) -> pb.UpdateMessageRequest:
    request = pb.UpdateMessageRequest(room_id=room_id, message_id=message_id, content=content)
    return write_options(request, expected_version, durability)


def mark_deleted(
    room_id: str,
    message_id: str,
    deleted_at: When | None,
    expected_version: int | None = None,
    durability: pb.Durability | None = None,
) -> pb.MarkDeletedRequest:
    request = pb.MarkDeletedRequest(room_id=room_id, message_id=message_id)
    if isinstance(deleted_at, datetime.datetime):
        request.deleted_at.CopyFrom(from_datetime(deleted_at))
    elif deleted_at is not None:
        request.deleted_at.CopyFrom(deleted_at)
    return write_options(request, expected_version, durability)


def timestamp(when: When | None) -> timestamp_pb2.Timestamp | None:
    """A point in time as a Timestamp (a naive datetime is UTC); None (unset) for None."""
    if isinstance(when, datetime.datetime):
        return from_datetime(when)
    return when


def patch_reactions(
    room_id: str,
    message_id: str,
    reactions: Reactions,
    expected_version: int | None = None,
    durability: pb.Durability | None = None,
) -> pb.PatchReactionsRequest:
    if isinstance(reactions, Mapping):
        items = [msg.Reaction(emoji=emoji, count=count) for emoji, count in reactions.items()]
    else:
        items = list(reactions)
    request = pb.PatchReactionsRequest(room_id=room_id, message_id=message_id, reactions=items)
    return write_options(request, expected_version, durability)


def set_room_limit(
    room_id: str,
    limit: int,
    max_bytes: int | None,
    expected_version: int | None,
    durability: pb.Durability | None,
) -> pb.SetRoomLimitRequest:
    request = pb.SetRoomLimitRequest(room_id=room_id, limit=limit)
    if max_bytes is not None:
        request.max_bytes = max_bytes
    return write_options(request, expected_version, durability)


def set_room_retention(
    room_id: str,
    idle_ttl_seconds: int | None,
    expected_version: int | None,
    durability: pb.Durability | None,
) -> pb.SetRoomRetentionRequest:
    request = pb.SetRoomRetentionRequest(room_id=room_id)
    if idle_ttl_seconds is not None:
        request.idle_ttl_seconds = idle_ttl_seconds
    return write_options(request, expected_version, durability)


def update_room_metadata(
    room_id: str,
    title: str | None,
    namespace: str | None,
    participants: Iterable[meta.Participant] | None,
    labels: Iterable[str] | None,
    summary: str | None,
    expected_version: int | None,
) -> meta.UpdateRoomMetadataRequest:
    """A metadata update whose update_mask names exactly the fields given (not None), so an empty value
    clears its field and a field left out is kept."""
    request = meta.UpdateRoomMetadataRequest(room_id=room_id)
    given: list[str] = []
    for name, value in (("title", title), ("namespace", namespace), ("summary", summary)):
        if value is not None:
            setattr(request, name, value)
            given.append(name)
    if participants is not None:
        request.participants.extend(participants)
        given.append("participants")
    if labels is not None:
        request.labels.extend(labels)
        given.append("labels")
    request.update_mask.paths.extend(given)
    if expected_version is not None:
        request.expected_version = expected_version
    return request


#: What import_rooms takes: export records (the options below apply) or whole ImportRoomsRequests (sent as
#: they are).
ImportItem = export.ExportRecord | export.ImportRoomsRequest


def export_rooms(room_ids: Iterable[str] | None, namespace: str, everything: bool) -> export.ExportRoomsRequest:
    return export.ExportRoomsRequest(room_ids=list(room_ids or ()), namespace=namespace, all=everything)


def import_request(
    item: ImportItem, expected_version: int | None, replace_existing: bool
) -> export.ImportRoomsRequest:
    """A record as an ImportRoomsRequest, with the call's options when it is a room record (a namespace
    record is always replaced); a request is sent as it is."""
    if isinstance(item, export.ImportRoomsRequest):
        return item
    if item.WhichOneof("record") != "room":
        return export.ImportRoomsRequest(record=item)
    request = export.ImportRoomsRequest(record=item, replace_existing=replace_existing)
    if expected_version is not None:
        request.expected_version = expected_version
    return request


def watch_add(
    cursors: Mapping[str, int], *, prefix: str = "", namespace: str = "", request_id: int = 0
) -> pb.WatchRoomsRequest:
    rooms = [pb.RoomCursor(room_id=room_id, known_version=v) for room_id, v in cursors.items()]
    return pb.WatchRoomsRequest(add=pb.AddRooms(rooms=rooms, prefix=prefix, namespace=namespace, request_id=request_id))


def watch_remove(
    room_ids: Iterable[str], *, prefix: str = "", namespace: str = "", request_id: int = 0
) -> pb.WatchRoomsRequest:
    return pb.WatchRoomsRequest(
        remove=pb.RemoveRooms(room_ids=list(room_ids), prefix=prefix, namespace=namespace, request_id=request_id)
    )
