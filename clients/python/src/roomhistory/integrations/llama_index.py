"""A LlamaIndex chat store over roomhistory rooms (``pip install roomhistory[llama-index]``).

``RoomHistoryChatStore(client=..., async_client=..., key_prefix="")`` is a
``llama_index.core.storage.chat_store.BaseChatStore``: each key is a room (``key_prefix + key``), so a
``ChatMemoryBuffer`` (or any LlamaIndex memory) shares its history with every other worker of that room.

- ``get_messages`` reads the room's window, deleted messages and reasoning left out.
- ``add_message`` appends (one AppendMessages); an ``idx`` other than the end is refused
  (NotImplementedError): a room's history only grows at its end.
- ``set_messages`` empties the room and appends the messages, the append conditional on the version the
  clear left (a write in between fails with VersionConflictError rather than being lost silently).
- ``delete_message`` / ``delete_last_message`` mark that message deleted (MarkDeleted, conditional on the
  version read): it stays in the room, out of every later read. ``delete_messages`` deletes the room.
- ``get_keys`` lists the rooms whose id starts with ``key_prefix`` (ListRooms prefix), without it.
- Roles: user; assistant (also chatbot, model) with ``additional_kwargs["tool_calls"]`` in the OpenAI
  shape; system (also developer); tool (also function) with ``additional_kwargs["tool_call_id"]``.
  Text content only: a message with image or other blocks is refused (ValueError).

The async methods use the AsyncRoomHistoryClient when one is given; otherwise LlamaIndex's defaults call
the sync ones. ``ChatMemoryBuffer.aget`` reads through the sync methods (in a thread): a store used by
a memory needs the sync client too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.core.storage.chat_store.base import BaseChatStore
except ImportError as err:  # pragma: no cover - the extra is missing
    raise ImportError("roomhistory.integrations.llama_index needs llama-index-core: pip install 'roomhistory[llama-index]'") from err

from .._paging import read_window, read_window_async
from ..aio import AsyncRoomHistoryClient
from ..client import RoomHistoryClient
from ..errors import NotFoundError
from ..v1 import message_pb2 as msg
from ._messages import from_dicts, to_dicts, visible

_ROLE = {
    MessageRole.USER: "user", MessageRole.ASSISTANT: "assistant", MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant", MessageRole.SYSTEM: "system", MessageRole.DEVELOPER: "system",
    MessageRole.TOOL: "tool", MessageRole.FUNCTION: "tool",
}


def to_llama_index(messages: Sequence[msg.Message]) -> list[ChatMessage]:
    """Stored messages as ChatMessages, tool calls and ids in additional_kwargs."""
    out = []
    for d in to_dicts(messages):
        extra = {k: d[k] for k in ("tool_calls", "tool_call_id", "name", "id", "is_error") if k in d}
        out.append(ChatMessage(role=MessageRole(d["role"]), content=d["content"], additional_kwargs=extra))
    return out


def from_llama_index(messages: Sequence[ChatMessage]) -> list[msg.Message]:
    """ChatMessages as Messages ready for append_messages."""
    dicts: list[dict[str, Any]] = []
    for m in messages:
        if any(not isinstance(b, TextBlock) for b in m.blocks):
            raise ValueError("RoomHistoryChatStore stores text content only; this message has other blocks")
        d: dict[str, Any] = {"role": _ROLE[MessageRole(m.role)], "content": m.content or ""}
        for key in ("tool_call_id", "name", "id", "is_error"):
            if m.additional_kwargs.get(key):
                d[key] = m.additional_kwargs[key]
        calls = m.additional_kwargs.get("tool_calls")
        if calls:
            d["tool_calls"] = [c.model_dump() if hasattr(c, "model_dump") else dict(c) for c in calls]
        dicts.append(d)
    return from_dicts(dicts)


class RoomHistoryChatStore(BaseChatStore):
    """Chat histories kept as roomhistory rooms, one room per key."""

    key_prefix: str = ""
    _client: RoomHistoryClient | None = PrivateAttr(default=None)
    _async_client: AsyncRoomHistoryClient | None = PrivateAttr(default=None)

    def __init__(
        self,
        *,
        client: RoomHistoryClient | None = None,
        async_client: AsyncRoomHistoryClient | None = None,
        key_prefix: str = "",
    ) -> None:
        if client is None and async_client is None:
            raise ValueError("RoomHistoryChatStore needs a client, an async_client or both")
        super().__init__(key_prefix=key_prefix)  # type: ignore[call-arg]  # a pydantic field of this class
        self._client = client
        self._async_client = async_client

    @classmethod
    def class_name(cls) -> str:
        return "RoomHistoryChatStore"

    def _room(self, key: str) -> str:
        return self.key_prefix + key

    def _sync(self) -> RoomHistoryClient:
        if self._client is None:
            raise RuntimeError("this chat store was made with an async_client only: use the a* methods")
        return self._client

    def _async(self) -> AsyncRoomHistoryClient | None:
        return self._async_client

    def get_messages(self, key: str) -> list[ChatMessage]:
        return to_llama_index(visible(read_window(self._sync(), self._room(key)).messages))

    def add_message(self, key: str, message: ChatMessage, idx: int | None = None) -> None:
        self._check_at_end(key, idx)
        self._sync().append_messages(self._room(key), from_llama_index([message]))

    def set_messages(self, key: str, messages: list[ChatMessage]) -> None:
        cleared = self._sync().clear_room(self._room(key))
        if messages:
            self._sync().append_messages(self._room(key), from_llama_index(messages), expected_version=cleared.version)

    def delete_messages(self, key: str) -> list[ChatMessage] | None:
        if not self._sync().get_room_info(self._room(key)).exists:
            return None
        window = read_window(self._sync(), self._room(key))
        try:
            self._sync().delete_room(self._room(key), expected_version=window.version)
        except NotFoundError:
            return None
        return to_llama_index(visible(window.messages))

    def delete_message(self, key: str, idx: int) -> ChatMessage | None:
        window = read_window(self._sync(), self._room(key))
        shown = visible(window.messages)
        if not 0 <= idx < len(shown):
            return None
        self._sync().mark_deleted(self._room(key), shown[idx].id, expected_version=window.version)
        return to_llama_index([shown[idx]])[0]

    def delete_last_message(self, key: str) -> ChatMessage | None:
        return self.delete_message(key, len(self.get_messages(key)) - 1)

    def get_keys(self) -> list[str]:
        start = len(self.key_prefix)
        return [room[start:] for room in self._sync().iter_rooms(prefix=self.key_prefix)]

    def _check_at_end(self, key: str, idx: int | None) -> None:
        if idx is not None and idx != len(self.get_messages(key)):
            raise NotImplementedError("a room's history grows only at its end: add_message takes idx=None")

    async def aget_messages(self, key: str) -> list[ChatMessage]:
        if (client := self._async()) is None:
            return await super().aget_messages(key)
        return to_llama_index(visible((await read_window_async(client, self._room(key))).messages))

    async def async_add_message(self, key: str, message: ChatMessage, idx: int | None = None) -> None:
        if (client := self._async()) is None:
            return await super().async_add_message(key, message)
        if idx is not None and idx != len(await self.aget_messages(key)):
            raise NotImplementedError("a room's history grows only at its end: add_message takes idx=None")
        await client.append_messages(self._room(key), from_llama_index([message]))

    async def aset_messages(self, key: str, messages: list[ChatMessage]) -> None:
        if (client := self._async()) is None:
            return await super().aset_messages(key, messages)
        cleared = await client.clear_room(self._room(key))
        if messages:
            await client.append_messages(self._room(key), from_llama_index(messages), expected_version=cleared.version)

    async def adelete_messages(self, key: str) -> list[ChatMessage] | None:
        if (client := self._async()) is None:
            return await super().adelete_messages(key)
        if not (await client.get_room_info(self._room(key))).exists:
            return None
        window = await read_window_async(client, self._room(key))
        try:
            await client.delete_room(self._room(key), expected_version=window.version)
        except NotFoundError:
            return None
        return to_llama_index(visible(window.messages))

    async def adelete_message(self, key: str, idx: int) -> ChatMessage | None:
        if (client := self._async()) is None:
            return await super().adelete_message(key, idx)
        window = await read_window_async(client, self._room(key))
        shown = visible(window.messages)
        if not 0 <= idx < len(shown):
            return None
        await client.mark_deleted(self._room(key), shown[idx].id, expected_version=window.version)
        return to_llama_index([shown[idx]])[0]

    async def adelete_last_message(self, key: str) -> ChatMessage | None:
        if self._async() is None:
            return await super().adelete_last_message(key)
        return await self.adelete_message(key, len(await self.aget_messages(key)) - 1)

    async def aget_keys(self) -> list[str]:
        if (client := self._async()) is None:
            return await super().aget_keys()
        start = len(self.key_prefix)
        return [room[start:] async for room in client.iter_rooms(prefix=self.key_prefix)]
