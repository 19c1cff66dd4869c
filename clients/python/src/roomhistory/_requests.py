"""Request builders shared by the sync and asyncio clients, so both take the same arguments."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, Union

from google.protobuf import timestamp_pb2

from .v1 import message_pb2 as msg
from .v1 import room_history_service_pb2 as pb

#: Reactions as Reaction messages or as a mapping from emoji to count.
Reactions = Union[Mapping[str, int], Iterable[msg.Reaction]]
#: A point in time as a datetime (naive means UTC) or a protobuf Timestamp.
When = Union[datetime.datetime, timestamp_pb2.Timestamp]


def append_messages(
    room_id: str, messages: Iterable[msg.Message], expected_version: int | None
) -> pb.AppendMessagesRequest:
    request = pb.AppendMessagesRequest(room_id=room_id, messages=list(messages))
    if expected_version is not None:
        request.expected_version = expected_version
    return request


def render_messages(
    room_id: str, room_context: Mapping[str, Any] | None, template: str, include_thinking: bool
) -> pb.RenderMessagesRequest:
    request = pb.RenderMessagesRequest(room_id=room_id, template=template, include_thinking=include_thinking)
    if room_context is not None:
        request.room_context.update(dict(room_context))
    return request


def update_message(
    room_id: str, message_id: str, content: str, expected_version: int | None
) -> pb.UpdateMessageRequest:
    request = pb.UpdateMessageRequest(room_id=room_id, message_id=message_id, content=content)
    if expected_version is not None:
        request.expected_version = expected_version
    return request


def mark_deleted(room_id: str, message_id: str, deleted_at: When | None) -> pb.MarkDeletedRequest:
    request = pb.MarkDeletedRequest(room_id=room_id, message_id=message_id)
    if isinstance(deleted_at, datetime.datetime):
        request.deleted_at.FromDatetime(deleted_at)
    elif deleted_at is not None:
        request.deleted_at.CopyFrom(deleted_at)
    return request


def patch_reactions(room_id: str, message_id: str, reactions: Reactions) -> pb.PatchReactionsRequest:
    if isinstance(reactions, Mapping):
        items = [msg.Reaction(emoji=emoji, count=count) for emoji, count in reactions.items()]
    else:
        items = list(reactions)
    return pb.PatchReactionsRequest(room_id=room_id, message_id=message_id, reactions=items)


def watch(cursors: Mapping[str, int], progress_interval: float) -> pb.WatchRequest:
    return pb.WatchRequest(
        rooms=[pb.RoomCursor(room_id=room_id, known_version=v) for room_id, v in cursors.items()],
        progress_interval_ms=round(progress_interval * 1000),
    )
