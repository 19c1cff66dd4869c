"""Trace context from the Python clients: a call made inside an OpenTelemetry span (opentelemetry-sdk,
the `otel` extra) reaches the real server with a ``traceparent``, and the server's span, exported over
OTLP/HTTP to a receiver this test runs, is that span's child; sync and asyncio, unary calls and a watch."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from procs import RedisProcess, ServerProcess

from roomhistory import AsyncRoomHistoryClient, Message, Role, RoomHistoryClient

Span = dict[str, Any]


class Receiver:
    """An OTLP/HTTP traces endpoint on loopback that keeps every span it is sent (JSON bodies)."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        spans = self.spans

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.body())
                for rs in body["resourceSpans"]:
                    for ss in rs["scopeSpans"]:
                        spans.extend(ss["spans"])
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def body(self) -> bytes:
                if self.headers["content-length"] is not None:
                    return self.rfile.read(int(self.headers["content-length"]))
                data = b""  # Transfer-Encoding: chunked, which http.server leaves to the handler
                while size := int(self.rfile.readline().strip(), 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return data

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/v1/traces"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.http.shutdown()


@pytest.fixture
def traced_server(redis: RedisProcess, receiver: Receiver) -> Iterator[ServerProcess]:
    server = ServerProcess(redis.url, env={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.url})
    yield server
    server.stop()


tracer = TracerProvider().get_tracer("worker")


def user(content: str) -> Message:
    return Message(role=Role.ROLE_USER, content=content)


def server_spans(receiver: Receiver, trace_id: int) -> list[Span]:
    return [s for s in receiver.spans if s["traceId"] == f"{trace_id:032x}" and s["kind"] == 2]


def test_a_sync_call_and_a_watch_carry_the_active_span(traced_server: ServerProcess, receiver: Receiver) -> None:
    with RoomHistoryClient(traced_server.address) as client, tracer.start_as_current_span("turn") as turn:
        client.append_messages("py/t1", [user("hello")])
        stream = client.watch(["py/t1"])
        client.append_messages("py/t1", [user("again")])
        assert next(stream).version == 2
        stream.cancel()
    traced_server.stop()  # SIGTERM: the server flushes its spans
    ctx = turn.get_span_context()
    spans = server_spans(receiver, ctx.trace_id)
    names = sorted(s["name"].rsplit("/", 1)[1] for s in spans)
    assert names == ["AppendMessages", "AppendMessages", "WatchRooms"]
    assert all(s["parentSpanId"] == f"{ctx.span_id:016x}" for s in spans)


async def test_an_asyncio_call_carries_the_active_span(traced_server: ServerProcess, receiver: Receiver) -> None:
    async with AsyncRoomHistoryClient(traced_server.address) as client:
        with tracer.start_as_current_span("turn") as turn:
            await client.append_messages("py/t2", [user("hello")])
            await client.get_history("py/t2")
        await client.get_room_info("py/t2")  # outside the span: a trace of its own
    traced_server.stop()
    ctx = turn.get_span_context()
    spans = server_spans(receiver, ctx.trace_id)
    assert sorted(s["name"].rsplit("/", 1)[1] for s in spans) == ["AppendMessages", "GetHistory"]
    assert all(s["parentSpanId"] == f"{ctx.span_id:016x}" for s in spans)
    info = [s for s in receiver.spans if s["name"].endswith("/GetRoomInfo")]
    assert len(info) == 1 and info[0]["traceId"] != f"{ctx.trace_id:032x}" and not info[0].get("parentSpanId")
