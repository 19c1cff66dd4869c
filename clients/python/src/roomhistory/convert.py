"""Conversions a worker needs around the generated messages: enums by name, the OpenAI chat-message form,
and timezone-aware datetimes.

- :func:`role` and :func:`change_kind` take a name (``"user"``, ``"USER"``, ``"ROLE_USER"``) or a number
  and give the enum value; :func:`enum_name` gives a value's short name back (``"user"``, ``"append"``).
  (The generated constructors take the full names too: ``Message(role="ROLE_USER")``.)
- :func:`to_openai` / :func:`from_openai`: messages as the dicts of an OpenAI-style chat API (role,
  content or content parts: text, image_url, input_audio, file; tool_calls, tool_call_id) and back. What
  that form has no place for (ids, seqs, sender, timestamps, reactions, metadata, is_error) is left out.
  The server's RenderMessages is the full rendering (system prompt, names, id markers, tags, tool-call
  repair, token budgets); this is the plain conversion, the same as TypeScript's toOpenAI/fromOpenAI
  (clients/testdata/openai-vectors.json).
- :func:`to_datetime` / :func:`from_datetime`: protobuf Timestamps as timezone-aware UTC datetimes (an
  unset Timestamp is None; a naive datetime is taken as UTC).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, cast

from google.protobuf import timestamp_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from .v1 import change_pb2
from .v1 import message_pb2 as msg

_ALIASES = {"developer": "system"}  # newer OpenAI APIs call system instructions "developer"


def _value(enum: EnumTypeWrapper, prefix: str, name: str | int) -> int:
    if isinstance(name, int):
        enum.Name(name)  # ValueError for a number the enum does not have
        return name
    short = name.strip().lower()
    short = _ALIASES.get(short, short)
    full = short.upper() if short.upper().startswith(prefix) else prefix + short.upper()
    return int(enum.Value(full))


def role(name: str | int) -> msg.Role:
    """The Role named ``"user"``, ``"assistant"``, ``"system"`` (or ``"developer"``), ``"tool"``, in any
    case, with or without the ``ROLE_`` prefix; a Role number is checked and returned. ValueError otherwise."""
    return cast(msg.Role, _value(msg.Role, "ROLE_", name))


def change_kind(name: str | int) -> change_pb2.ChangeKind:
    """The ChangeKind named ``"append"``, ``"resync"``, ... (any case, with or without ``CHANGE_KIND_``)."""
    return cast(change_pb2.ChangeKind, _value(change_pb2.ChangeKind, "CHANGE_KIND_", name))


def enum_name(enum: EnumTypeWrapper, value: int) -> str:
    """A value's name without the enum's prefix, in lower case: ``enum_name(Role, Role.ROLE_USER) == "user"``,
    ``enum_name(ChangeKind, change.kind) == "append"``."""
    full: str = enum.Name(value)
    common = _prefix(enum)
    return full[len(common) :].lower() if full.startswith(common) else full.lower()


def _prefix(enum: EnumTypeWrapper) -> str:
    """The prefix every value's name shares, from the zero value: ROLE_UNSPECIFIED gives ROLE_."""
    zero: str = enum.Name(0)
    return zero[: -len("UNSPECIFIED")] if zero.endswith("UNSPECIFIED") else ""


def to_openai(messages: Iterable[msg.Message]) -> list[dict[str, Any]]:
    """The messages as OpenAI chat messages, oldest first."""
    return [_to_openai(m) for m in messages]


def _to_openai(m: msg.Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": enum_name(msg.Role, m.role)}
    if m.parts:
        out["content"] = [_part_to_openai(p) for p in m.parts]
    else:
        out["content"] = m.content
    if m.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in m.tool_calls
        ]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    return out


def _part_to_openai(p: msg.ContentPart) -> dict[str, Any]:
    kind = p.WhichOneof("part")
    if kind == "image_url":
        image: dict[str, str] = {"url": p.image_url.url}
        if p.image_url.detail:
            image["detail"] = p.image_url.detail
        return {"type": "image_url", "image_url": image}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": {"data": p.input_audio.data, "format": p.input_audio.format}}
    if kind == "file":
        fields = (("file_id", p.file.file_id), ("filename", p.file.filename), ("file_data", p.file.file_data))
        return {"type": "file", "file": {k: v for k, v in fields if v}}
    return {"type": "text", "text": p.text}


def from_openai(messages: Iterable[Mapping[str, Any]]) -> list[msg.Message]:
    """OpenAI chat messages as Messages, ready for append_messages."""
    return [_from_openai(m) for m in messages]


def _from_openai(d: Mapping[str, Any]) -> msg.Message:
    m = msg.Message(role=role(str(d["role"])), tool_call_id=str(d.get("tool_call_id") or ""))
    content = d.get("content")
    if isinstance(content, str):
        m.content = content
    elif isinstance(content, list):
        m.parts.extend(_part_from_openai(p) for p in content)
    for call in d.get("tool_calls") or []:
        function = call.get("function", {})
        m.tool_calls.add(id=call.get("id", ""), name=function.get("name", ""), arguments=function.get("arguments", ""))
    return m


def _part_from_openai(p: Mapping[str, Any]) -> msg.ContentPart:
    kind = p.get("type")
    if kind == "image_url":
        image = p["image_url"]
        url, detail = (image, "") if isinstance(image, str) else (image.get("url", ""), image.get("detail", ""))
        return msg.ContentPart(image_url=msg.ImageUrl(url=url, detail=detail))
    if kind == "input_audio":
        audio = p["input_audio"]
        return msg.ContentPart(input_audio=msg.InputAudio(data=audio.get("data", ""), format=audio.get("format", "")))
    if kind == "file":
        f = p["file"]
        return msg.ContentPart(
            file=msg.FileData(file_id=f.get("file_id", ""), filename=f.get("filename", ""), file_data=f.get("file_data", ""))
        )
    return msg.ContentPart(text=str(p.get("text", "")))


def to_datetime(ts: timestamp_pb2.Timestamp | None) -> datetime.datetime | None:
    """A Timestamp as a timezone-aware UTC datetime; None for None or an unset (all-zero) Timestamp."""
    if ts is None or (ts.seconds == 0 and ts.nanos == 0):
        return None
    return ts.ToDatetime(tzinfo=datetime.timezone.utc)


def from_datetime(when: datetime.datetime) -> timestamp_pb2.Timestamp:
    """A datetime as a Timestamp; a naive datetime is taken as UTC, an aware one converted."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(when)
    return ts
