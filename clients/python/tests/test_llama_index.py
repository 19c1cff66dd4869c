"""The LlamaIndex chat store against a real server, with the real llama-index-core: keys are rooms, the
store's methods keep their meaning (set replaces, delete_message hides one message, delete_messages
drops the room, get_keys lists the prefix's rooms), tool calls round trip, and a ChatMemoryBuffer on the
store keeps its turns in the room; sync and async."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage, ImageBlock, MessageRole
from llama_index.core.memory import ChatMemoryBuffer
from procs import ServerProcess

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient
from roomhistory.integrations.llama_index import RoomHistoryChatStore

CALL = {"id": "call-1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}


def chat(role: MessageRole, content: str, **extra: object) -> ChatMessage:
    return ChatMessage(role=role, content=content, additional_kwargs=dict(extra))


def test_the_store_keeps_each_key_as_a_room(client: RoomHistoryClient, room: str) -> None:
    store = RoomHistoryChatStore(client=client, key_prefix=f"{room}/")
    store.set_messages("a", [chat(MessageRole.SYSTEM, "be brief"), chat(MessageRole.USER, "hi")])
    store.add_message("a", chat(MessageRole.ASSISTANT, "", tool_calls=[CALL]))
    store.add_message("a", chat(MessageRole.TOOL, "2", tool_call_id="call-1"))
    store.add_message("b", chat(MessageRole.USER, "other"))
    got = store.get_messages("a")
    assert [(m.role, m.content) for m in got] == [
        (MessageRole.SYSTEM, "be brief"), (MessageRole.USER, "hi"), (MessageRole.ASSISTANT, ""), (MessageRole.TOOL, "2"),
    ]
    assert got[2].additional_kwargs["tool_calls"] == [CALL]
    assert got[3].additional_kwargs["tool_call_id"] == "call-1"
    assert client.get_history(f"{room}/a").messages[1].content == "hi"  # the room itself
    assert sorted(store.get_keys()) == ["a", "b"]

    removed = store.delete_message("a", 1)
    assert removed is not None and removed.content == "hi"
    assert [m.content for m in store.get_messages("a")] == ["be brief", "", "2"]
    assert store.delete_message("a", 9) is None
    last = store.delete_last_message("a")
    assert last is not None and last.content == "2"
    store.set_messages("a", [chat(MessageRole.USER, "fresh")])
    assert [m.content for m in store.get_messages("a")] == ["fresh"]
    assert [m.content for m in store.delete_messages("b") or []] == ["other"]
    assert store.delete_messages("b") is None and store.get_keys() == ["a"]

    with pytest.raises(NotImplementedError):
        store.add_message("a", chat(MessageRole.USER, "in the middle"), idx=0)
    with pytest.raises(ValueError, match="text content only"):
        store.add_message("a", ChatMessage(role=MessageRole.USER, blocks=[ImageBlock(url="https://example.invalid/x.png")]))


def test_a_chat_memory_buffer_on_the_store(client: RoomHistoryClient, room: str) -> None:
    memory = ChatMemoryBuffer.from_defaults(chat_store=RoomHistoryChatStore(client=client), chat_store_key=room)
    memory.put(chat(MessageRole.USER, "remember 7"))
    memory.put(chat(MessageRole.ASSISTANT, "noted"))
    again = ChatMemoryBuffer.from_defaults(chat_store=RoomHistoryChatStore(client=client), chat_store_key=room)
    assert [m.content for m in again.get()] == ["remember 7", "noted"]
    assert client.get_room_info(room).version == 2


async def test_the_async_methods_use_the_asyncio_client(server: ServerProcess, room: str) -> None:
    async with AsyncRoomHistoryClient(server.address) as aclient:
        store = RoomHistoryChatStore(async_client=aclient, key_prefix=f"{room}/")
        await store.aset_messages("k", [chat(MessageRole.USER, "one")])
        await store.async_add_message("k", chat(MessageRole.ASSISTANT, "two"))
        assert [m.content for m in await store.aget_messages("k")] == ["one", "two"]
        assert await store.aget_keys() == ["k"]
        removed = await store.adelete_last_message("k")
        assert removed is not None and removed.content == "two"
        assert [m.content for m in await store.adelete_messages("k") or []] == ["one"]
        assert await store.aget_keys() == []

        # ChatMemoryBuffer.aget reads through the store's sync methods (in a thread): give it both clients.
        with RoomHistoryClient(server.address) as client:
            both = RoomHistoryChatStore(client=client, async_client=aclient, key_prefix=f"{room}/")
            memory = ChatMemoryBuffer.from_defaults(chat_store=both, chat_store_key="mem")
            await memory.aput(chat(MessageRole.USER, "async turn"))
            assert [m.content for m in await memory.aget()] == ["async turn"]
