"""The LangChain adapter against a real server, with the real langchain-core: messages round trip with
their roles, ids, names and tool calls; two histories of one room see each other's writes; a
RunnableWithMessageHistory over a fake chat model keeps its turns in the room, sync and async."""

from __future__ import annotations

import subprocess
import sys

import pytest
from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.language_models import FakeListChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables.history import RunnableWithMessageHistory
from procs import ServerProcess

from roomhistory import AsyncRoomHistoryClient, RoomHistoryClient
from roomhistory.integrations.langchain import RoomHistoryChatMessageHistory

# RunnableWithMessageHistory is deprecated in favour of LangGraph, yet still what most LangChain apps run.
pytestmark = pytest.mark.filterwarnings("ignore::langchain_core._api.deprecation.LangChainDeprecationWarning")

TURN = [
    SystemMessage("be brief"),
    HumanMessage("what is 2+2?", name="ann", id="m-1"),
    AIMessage("", tool_calls=[{"id": "call-1", "name": "add", "args": {"a": 2, "b": 2}}]),
    ToolMessage("4", tool_call_id="call-1"),
    ToolMessage("no such tool", tool_call_id="call-2", status="error"),
    AIMessage("4"),
]


def test_messages_round_trip_with_roles_tool_calls_and_names(client: RoomHistoryClient, room: str) -> None:
    history = RoomHistoryChatMessageHistory(room, client=client)
    history.add_messages(TURN)
    assert client.get_room_info(room).version == 1  # one batch, one append
    got = history.messages
    assert [type(m) for m in got] == [type(m) for m in TURN]
    assert [m.content for m in got] == [m.content for m in TURN]
    assert got[1].name == "ann" and got[1].id == "m-1"
    assert isinstance(got[2], AIMessage) and got[2].tool_calls == [
        {"id": "call-1", "name": "add", "args": {"a": 2, "b": 2}, "type": "tool_call"}
    ]
    assert isinstance(got[3], ToolMessage) and got[3].tool_call_id == "call-1" and got[3].status == "success"
    assert isinstance(got[4], ToolMessage) and got[4].status == "error"
    history.clear()
    assert history.messages == []


def test_two_histories_of_one_room_share_it(client: RoomHistoryClient, room: str) -> None:
    a = RoomHistoryChatMessageHistory(room, client=client)
    b = RoomHistoryChatMessageHistory(room, client=client)
    a.add_user_message("from a")
    b.add_ai_message("from b")
    assert [m.content for m in a.messages] == ["from a", "from b"]
    client.mark_deleted(room, a.messages[0].id or "")
    assert [m.content for m in b.messages] == ["from b"]  # deleted messages are left out


def chain(factory: object) -> RunnableWithMessageHistory:
    prompt = ChatPromptTemplate.from_messages([("system", "answer"), MessagesPlaceholder("history"), ("human", "{q}")])
    model = FakeListChatModel(responses=["first answer", "second answer"])
    return RunnableWithMessageHistory(
        prompt | model, factory, input_messages_key="q", history_messages_key="history"  # type: ignore[arg-type]
    )


def test_runnable_with_message_history_keeps_its_turns_in_the_room(client: RoomHistoryClient, room: str) -> None:
    def factory(session_id: str) -> BaseChatMessageHistory:
        return RoomHistoryChatMessageHistory(f"{room}-{session_id}", client=client)

    runnable = chain(factory)
    config = {"configurable": {"session_id": "s1"}}
    assert runnable.invoke({"q": "hello"}, config=config).content == "first answer"  # type: ignore[arg-type]
    assert runnable.invoke({"q": "again"}, config=config).content == "second answer"  # type: ignore[arg-type]
    stored = client.get_history(f"{room}-s1").messages
    assert [(m.role, m.content) for m in stored] == [(1, "hello"), (2, "first answer"), (1, "again"), (2, "second answer")]


async def test_the_async_paths_use_the_asyncio_client(server: ServerProcess, room: str) -> None:
    async with AsyncRoomHistoryClient(server.address) as aclient:
        history = RoomHistoryChatMessageHistory(room, async_client=aclient)
        await history.aadd_messages(TURN)
        got = await history.aget_messages()
        assert [m.content for m in got] == [m.content for m in TURN]

        runnable = chain(lambda session_id: RoomHistoryChatMessageHistory(f"{room}-{session_id}", async_client=aclient))
        config = {"configurable": {"session_id": "a1"}}
        assert (await runnable.ainvoke({"q": "hi"}, config=config)).content == "first answer"  # type: ignore[arg-type]
        assert [m.content for m in (await aclient.get_history(f"{room}-a1")).messages] == ["hi", "first answer"]
        await history.aclear()
        assert await history.aget_messages() == []
        with pytest.raises(RuntimeError, match="async_client only"):
            _ = history.messages


def test_importing_roomhistory_loads_no_framework() -> None:
    code = "import sys, roomhistory; print(sorted(m for m in ('langchain_core', 'llama_index') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
