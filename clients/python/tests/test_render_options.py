"""The render options (issue 10) through the clients against a real server: format, sender_style, id_markers,
max_tokens and encoding reach RenderMessages; set_room_render_defaults sets the template and context a render
without them uses; report_usage answers a calibration; a mirror takes a RENDER_DEFAULTS change as a new
version of the same history. As clients/ts/test/render-options.test.ts."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import ROOT, RedisProcess, ServerProcess, unique

from roomhistory import (
    AsyncRoomHistoryClient,
    ChangeKind,
    IdMarkers,
    Message,
    RenderForm,
    RenderFormat,
    Role,
    RoomChangedEvent,
    RoomHistoryClient,
    RoomMirror,
    SenderStyle,
    TokenEncoding,
    ToolCall,
)

ANTHROPIC = RenderFormat.RENDER_FORMAT_ANTHROPIC_MESSAGES
CL100K = TokenEncoding.TOKEN_ENCODING_CL100K_BASE


@pytest.fixture(scope="module")
def render_server(redis: RedisProcess) -> Iterator[ServerProcess]:
    templates = Path(tempfile.mkdtemp(prefix="roomhistory-pytest-templates-"))
    shutil.copy(ROOT / "templates" / "system.j2", templates / "system.j2")
    (templates / "room.j2").write_text("Room {{ room_name }}: {{ greeting }}", encoding="utf-8")
    server = ServerProcess(redis.url, env={"ROOMHISTORY_TEMPLATES": str(templates)})
    yield server
    server.stop()


@pytest.fixture
def rclient(render_server: ServerProcess) -> Iterator[RoomHistoryClient]:
    with RoomHistoryClient(render_server.address) as c:
        yield c


def conversation(client: RoomHistoryClient) -> str:
    """A room with a user turn from ana, an assistant's tool call and its (failed) result, and a reply."""
    room = unique("render")
    client.append_messages(room, [
        Message(id="m1", role=Role.ROLE_USER, sender="ana", content="what is x?"),
        Message(id="m2", role=Role.ROLE_ASSISTANT, tool_calls=[ToolCall(id="c1", name="lookup", arguments='{"q":"x"}')]),
        Message(id="m3", role=Role.ROLE_TOOL, tool_call_id="c1", content="no such key", is_error=True),
        Message(id="m4", role=Role.ROLE_ASSISTANT, content="I could not find x."),
    ])
    return room


def test_openai_default_name_id_markers_and_error_prefix(rclient: RoomHistoryClient) -> None:
    res = rclient.render_messages(conversation(rclient))
    assert [m.role for m in res.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert (res.messages[1].name, res.messages[1].content) == ("ana", "[Message ID: m1] what is x?")
    assert res.messages[3].is_error and "ERROR: " in res.messages[3].content
    assert res.system == res.messages[0].content
    assert res.encoding == TokenEncoding.TOKEN_ENCODING_O200K_BASE and res.tokens_exact and not res.truncated


def test_sender_style_and_id_markers_reach_the_server(rclient: RoomHistoryClient) -> None:
    room = conversation(rclient)
    prefixed = rclient.render_messages(room, sender_style=SenderStyle.SENDER_STYLE_PREFIX,
                                       id_markers=IdMarkers.ID_MARKERS_OFF)
    assert (prefixed.messages[1].name, prefixed.messages[1].content) == ("", "ana: what is x?")
    none = rclient.render_messages(room, sender_style=SenderStyle.SENDER_STYLE_NONE)
    assert (none.messages[1].name, none.messages[1].content) == ("", "[Message ID: m1] what is x?")


def test_anthropic_system_apart_and_tool_results_as_blocks(rclient: RoomHistoryClient) -> None:
    room = conversation(rclient)
    res = rclient.render_messages(room, format=ANTHROPIC)
    assert "group chat" in res.system
    assert [m.role for m in res.messages] == ["user", "assistant", "user", "assistant"]
    result = res.messages[2].tool_results[0]
    assert (result.tool_call_id, result.is_error) == ("c1", True)
    assert not res.tokens_exact
    as_json = json.loads(rclient.render_messages(room, format=ANTHROPIC, form=RenderForm.RENDER_FORM_JSON).messages_json)
    assert as_json[2]["content"][0]["type"] == "tool_result"


def test_max_tokens_keeps_the_newest_turns_in_the_encoding_asked_for(rclient: RoomHistoryClient) -> None:
    room = conversation(rclient)
    whole = rclient.render_messages(room, encoding=CL100K)
    assert whole.encoding == CL100K
    cut = rclient.render_messages(room, encoding=CL100K, max_tokens=whole.estimated_tokens - 1)
    assert cut.truncated and cut.dropped_messages > 0 and cut.estimated_tokens < whole.estimated_tokens


def test_room_render_defaults_are_used_by_a_render_without_them(rclient: RoomHistoryClient) -> None:
    room = conversation(rclient)
    version = rclient.set_room_render_defaults(
        room, template="room.j2", room_context={"room_name": "Lobby", "greeting": "hello"}, encoding=CL100K
    ).version
    res = rclient.render_messages(room)
    assert (res.version, res.system, res.encoding) == (version, "Room Lobby: hello", CL100K)
    assert rclient.render_messages(room, {"greeting": "hi"}).system == "Room Lobby: hi"
    info = rclient.get_room_info(room)
    assert info.template == "room.j2" and dict(info.room_context) == {"room_name": "Lobby", "greeting": "hello"}


async def test_report_usage_answers_the_calibration(render_server: ServerProcess) -> None:
    with RoomHistoryClient(render_server.address) as client:
        room = conversation(client)
    async with AsyncRoomHistoryClient(render_server.address) as aclient:
        res = await aclient.render_messages(room, format=ANTHROPIC)
        usage = await aclient.report_usage(room, res.version, res.estimated_tokens * 2,
                                           estimated_tokens=res.estimated_tokens, format=ANTHROPIC)
    assert usage.samples == 1 and usage.calibration > 1


def test_a_mirror_takes_render_defaults_as_a_new_version_without_a_read(rclient: RoomHistoryClient) -> None:
    room = conversation(rclient)
    events: list[RoomChangedEvent] = []
    with RoomMirror(rclient, [room], on_event=events.append) as mirror:
        before = mirror.get_messages(room)
        version = rclient.set_room_render_defaults(room, template="room.j2").version
        mirror.wait_for_version(room, version, timeout=5)
        assert mirror.get_messages(room) == before
    last = events[-1]
    assert (last.version, last.change.kind, last.refetched) == (version, ChangeKind.CHANGE_KIND_RENDER_DEFAULTS, False)
