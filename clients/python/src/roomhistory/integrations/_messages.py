"""What both adapters share: stored messages as the model sees them, and OpenAI-style dicts (the format
both frameworks convert to and from) as Messages with their names and error flags kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..convert import from_openai, to_openai
from ..v1 import message_pb2 as msg


def visible(messages: Iterable[msg.Message]) -> list[msg.Message]:
    """The turns a model is given: deleted messages and reasoning (MESSAGE_KIND_THINKING) left out, as
    RenderMessages does by default."""
    return [m for m in messages if not m.HasField("deleted_at") and m.kind != msg.MESSAGE_KIND_THINKING]


def to_dicts(messages: Iterable[msg.Message]) -> list[dict[str, Any]]:
    """OpenAI-style dicts, with the sender as ``name`` and the stored id as ``id``."""
    messages = list(messages)
    out = []
    for m, d in zip(messages, to_openai(messages), strict=True):
        if m.sender:
            d["name"] = m.sender
        if m.id:
            d["id"] = m.id
        if m.is_error:
            d["is_error"] = True
        out.append(d)
    return out


def from_dicts(dicts: Iterable[Mapping[str, Any]]) -> list[msg.Message]:
    """Messages from OpenAI-style dicts; ``name`` becomes the sender, ``id`` the message id."""
    dicts = list(dicts)
    messages = from_openai(dicts)
    for m, d in zip(messages, dicts, strict=True):
        m.sender = str(d.get("name") or "")
        m.id = str(d.get("id") or "")
        m.is_error = bool(d.get("is_error"))
    return messages
