"""LangChain chat history over a roomhistory room (``pip install roomhistory[langchain]``).

``RoomHistoryChatMessageHistory(room_id, client=..., async_client=...)`` is a
``langchain_core.chat_history.BaseChatMessageHistory``: ``messages`` reads the room's window (page by
page when it is large; deleted
messages and reasoning left out), ``add_messages`` appends a batch in one AppendMessages call, ``clear``
empties the room (ClearRoom). The async methods use the AsyncRoomHistoryClient when one is given
(otherwise LangChain runs the sync ones in an executor). Roles: human → user, ai → assistant with its
tool calls, tool → tool with its tool_call_id (``status="error"`` → is_error), system → system; a
message's ``name`` is stored as the sender, its ``id`` as the message id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    from langchain_core.chat_history import BaseChatMessageHistory
    from langchain_core.messages import BaseMessage, ToolMessage, convert_to_messages, convert_to_openai_messages
except ImportError as err:  # pragma: no cover - the extra is missing
    raise ImportError("roomhistory.integrations.langchain needs langchain-core: pip install 'roomhistory[langchain]'") from err

from .._paging import read_window, read_window_async
from ..aio import AsyncRoomHistoryClient
from ..client import RoomHistoryClient
from ..v1 import message_pb2 as msg
from ._messages import from_dicts, to_dicts, visible


def to_langchain(messages: Sequence[msg.Message]) -> list[BaseMessage]:
    """Stored messages as LangChain messages (ids, names, tool calls and tool errors kept)."""
    dicts = to_dicts(messages)
    errors = [d.pop("is_error", False) for d in dicts]
    out = convert_to_messages(dicts)
    for m, error in zip(out, errors, strict=True):
        if error and isinstance(m, ToolMessage):
            m.status = "error"
    return out


def from_langchain(messages: Sequence[BaseMessage]) -> list[msg.Message]:
    """LangChain messages as Messages ready for append_messages."""
    dicts: list[dict[str, Any]] = convert_to_openai_messages(list(messages))
    for d, m in zip(dicts, messages, strict=True):
        if m.id:
            d["id"] = m.id
        if isinstance(m, ToolMessage) and m.status == "error":
            d["is_error"] = True
    return from_dicts(dicts)


class RoomHistoryChatMessageHistory(BaseChatMessageHistory):
    """The chat history of one room, shared with every other worker and client of that room."""

    def __init__(
        self,
        room_id: str,
        *,
        client: RoomHistoryClient | None = None,
        async_client: AsyncRoomHistoryClient | None = None,
    ) -> None:
        if client is None and async_client is None:
            raise ValueError("RoomHistoryChatMessageHistory needs a client, an async_client or both")
        self.room_id = room_id
        self._client = client
        self._async_client = async_client

    def _sync(self) -> RoomHistoryClient:
        if self._client is None:
            raise RuntimeError("this history was made with an async_client only: use the a* methods")
        return self._client

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        return to_langchain(visible(read_window(self._sync(), self.room_id).messages))

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        if messages:
            self._sync().append_messages(self.room_id, from_langchain(messages))

    def clear(self) -> None:
        self._sync().clear_room(self.room_id)

    async def aget_messages(self) -> list[BaseMessage]:
        if self._async_client is None:
            return await super().aget_messages()
        return to_langchain(visible((await read_window_async(self._async_client, self.room_id)).messages))

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        if self._async_client is None:
            return await super().aadd_messages(messages)
        if messages:
            await self._async_client.append_messages(self.room_id, from_langchain(messages))

    async def aclear(self) -> None:
        if self._async_client is None:
            return await super().aclear()
        await self._async_client.clear_room(self.room_id)
