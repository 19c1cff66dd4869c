"""The Echo bot's saved conversations ("Conversation JSON Format": created_at, updated_at, summary, guild_id,
guild_name, requester, participants, history of chat / thinking / tool_call / tool_call_response messages)
as roomhistory.export.v1 records, ready for import_rooms or write_export_file. Pure: no file, no network.

The rules are the TypeScript client's echoConversationToRecords (clients/ts/src/echo.ts), the same for
the same input:

- room id: ``room_id``, else the conversation's ``thread_id``, else ``file_name`` without its directory and
  ".json" (the bot names files "yyyy-mm-dd_conversation-with-<user>-in-<guild>.json"); none: ValueError.
- namespace: ``namespace`` (when not None), else ``guild_id`` (empty: none). Title: ``guild_name`` and the
  day of ``created_at`` ("My Discord Server 2025-11-25"). Summary: ``summary``. Labels: ``labels``, sorted,
  without duplicates.
- participants: ``participants``, ``requester`` and every message's ``meta.requester``, ordered by id, with
  first/last seen from the messages they wrote.
- chat with ``meta.requester`` → ROLE_USER, sender = the requester; chat without → ROLE_ASSISTANT. thinking
  → ROLE_ASSISTANT with MESSAGE_KIND_THINKING. tool_call → ROLE_ASSISTANT with one tool call per
  ``meta.tools`` entry (id "call_<message number>_<tool number>", arguments = params as compact JSON),
  content = message_content. tool_call_response → ROLE_TOOL answering the oldest call not yet answered (a
  response with no call waiting is kept as an assistant chat turn, so nothing is lost). Any other
  message_type: ValueError naming the message.
- message ids "echo-<n>", seqs 1..n, created_at from each message; version and last_seq = n (version at
  least 1); the room's created_at / updated_at from the conversation's (updated_at: else the last
  message's). Times without an offset are read as UTC; their fraction of a second is kept to the nanosecond.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from google.protobuf import timestamp_pb2

from ..export_file import export_header
from ..v1 import export_pb2 as export
from ..v1 import message_pb2 as msg
from ..v1 import metadata_pb2 as meta

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)
_FRACTION = re.compile(r"\.(\d+)")


def echo_conversation_to_records(
    data: Mapping[str, Any] | str | bytes,
    *,
    room_id: str | None = None,
    file_name: str | None = None,
    namespace: str | None = None,
    labels: Iterable[str] = (),
    header: bool = True,
) -> list[export.ExportRecord]:
    """The records of one Echo conversation (a parsed dict or its JSON text): a header (source "echo-bot";
    none when ``header`` is False), then its room."""
    conv: Mapping[str, Any] = json.loads(data) if isinstance(data, str | bytes) else data
    room = _room(conv, room_id, file_name, namespace, labels)
    records = [export.ExportRecord(room=room)]
    return [export_header("echo-bot"), *records] if header else records


def _room(
    conv: Mapping[str, Any], room_id: str | None, file_name: str | None, namespace: str | None, labels: Iterable[str]
) -> export.ExportedRoom:
    name = room_id or conv.get("thread_id") or _base_name(file_name)
    if not name:
        raise ValueError("echo conversation: no room id (give room_id or file_name, or a thread_id)")
    history: Sequence[Mapping[str, Any]] = conv.get("history") or []
    messages = _messages(history)
    created = conv.get("created_at")
    day = _utc(created).astimezone(datetime.timezone.utc).date().isoformat() if created else ""
    room = export.ExportedRoom(
        room_id=name,
        version=max(1, len(messages)),
        last_seq=len(messages),
        metadata=meta.RoomMetadata(
            title=" ".join(part for part in (conv.get("guild_name") or "", day) if part),
            namespace=namespace if namespace is not None else conv.get("guild_id") or "",
            participants=_participants(conv, messages),
            labels=sorted(set(labels)),
            summary=conv.get("summary") or "",
        ),
        messages=messages,
    )
    updated = conv.get("updated_at") or (history[-1].get("created_at") if history else None)
    for field, text in (("created_at", created), ("updated_at", updated)):
        if text:
            getattr(room, field).CopyFrom(_timestamp(text))
    return room


def _messages(history: Sequence[Mapping[str, Any]]) -> list[msg.Message]:
    waiting: list[str] = []  # tool call ids not yet answered, oldest first
    out: list[msg.Message] = []
    for i, m in enumerate(history):
        n = i + 1
        message = msg.Message(id=f"echo-{n}", seq=n, content=m.get("message_content") or "")
        if m.get("created_at"):
            message.created_at.CopyFrom(_timestamp(m["created_at"]))
        info: Mapping[str, Any] = m.get("meta") or {}
        kind = m.get("message_type")
        if kind == "chat":
            requester = info.get("requester")
            message.role = msg.ROLE_USER if requester else msg.ROLE_ASSISTANT
            message.sender = requester or ""
        elif kind == "thinking":
            message.role, message.kind = msg.ROLE_ASSISTANT, msg.MESSAGE_KIND_THINKING
        elif kind == "tool_call":
            message.role = msg.ROLE_ASSISTANT
            for j, tool in enumerate(info.get("tools") or [], start=1):
                arguments = json.dumps(tool.get("params") or {}, ensure_ascii=False, separators=(",", ":"))
                message.tool_calls.add(id=f"call_{n}_{j}", name=tool["name"], arguments=arguments)
            waiting.extend(call.id for call in message.tool_calls)
        elif kind == "tool_call_response":
            if waiting:
                message.role, message.tool_call_id = msg.ROLE_TOOL, waiting.pop(0)
            else:
                message.role = msg.ROLE_ASSISTANT
        else:
            raise ValueError(
                f"echo conversation: history[{i}].message_type {json.dumps(kind)} is not chat, thinking, "
                "tool_call or tool_call_response"
            )
        out.append(message)
    return out


def _participants(conv: Mapping[str, Any], messages: Sequence[msg.Message]) -> list[meta.Participant]:
    by_id: dict[str, meta.Participant] = {}

    def add(pid: str | None) -> None:
        if pid and pid not in by_id:
            by_id[pid] = meta.Participant(id=pid)

    for pid in conv.get("participants") or []:
        add(pid)
    add(conv.get("requester"))
    for m in messages:
        if not m.sender:
            continue
        add(m.sender)
        p = by_id[m.sender]
        if m.HasField("created_at"):
            if not p.HasField("first_seen"):
                p.first_seen.CopyFrom(m.created_at)
            p.last_seen.CopyFrom(m.created_at)
    return [by_id[pid] for pid in sorted(by_id)]


def _utc(text: str) -> datetime.datetime:
    """ISO text as an aware datetime; without an offset it is UTC (the bot writes naive datetimes)."""
    body = text[:-1] + "+00:00" if text[-1:] in "Zz" else text
    try:
        when = datetime.datetime.fromisoformat(_trim_fraction(body))
    except ValueError:
        raise ValueError(f"echo conversation: {json.dumps(text)} is not a date and time") from None
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def _trim_fraction(text: str) -> str:
    """Python 3.10's fromisoformat takes 3 or 6 fraction digits only: nanoseconds are read separately."""
    return _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)


def _timestamp(text: str) -> timestamp_pb2.Timestamp:
    """The instant, with the text's fraction of a second kept to the nanosecond (up to 9 digits)."""
    when = _utc(text)
    seconds = int(when.replace(microsecond=0).timestamp())
    fraction = _FRACTION.search(_OFFSET.sub("", text))
    nanos = int(fraction.group(1)[:9].ljust(9, "0")) if fraction else 0
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def _base_name(file_name: str | None) -> str:
    base = re.split(r"[\\/]", file_name or "")[-1]
    return re.sub(r"\.json$", "", base, flags=re.IGNORECASE)
