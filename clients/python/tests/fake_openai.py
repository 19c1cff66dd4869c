"""A local OpenAI-compatible chat endpoint for the example agent worker's test: a stdlib http.server on
127.0.0.1 answering POST /v1/chat/completions. A request with tools gets a read_page tool call, page after
page, until ``pages`` were asked for, then a final answer; a request without tools (a summary) gets a
summary, or what ``reply(body)`` returns when given: a text (possibly empty) or an HTTP status to fail
with (the consolidation worker's tests). Every request body is kept, so a test sees what the model was
sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FINAL_ANSWER = "All pages read: the fox jumps on every line."
SUMMARY = "Summary: the task is to read the pages; pages read so far were long lists of fox lines."


class FakeOpenAI:
    """Start with ``with FakeOpenAI(pages=3) as api:``; ``api.base_url`` goes to the OpenAI client."""

    def __init__(self, pages: int = 0, *, reply: Callable[[dict[str, Any]], str | int] | None = None) -> None:
        self.pages = pages
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append(body)
            asked = sum(1 for r in self.requests if r.get("tools"))
        if not body.get("tools"):
            text = self.reply(body) if self.reply else SUMMARY
            if isinstance(text, int):
                return {"status": text}
            message: dict[str, Any] = {"role": "assistant", "content": text}
        elif asked <= self.pages:
            call = {"id": f"call_{asked}", "type": "function",
                    "function": {"name": "read_page", "arguments": json.dumps({"page": asked})}}
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
        else:
            message = {"role": "assistant", "content": FINAL_ANSWER}
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 0,
                "model": body.get("model", "fake"), "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = fake.answer(body)
                if "status" in answer:
                    self.send_error(answer["status"], "the fake model fails as asked")
                    return
                out = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        return Handler
