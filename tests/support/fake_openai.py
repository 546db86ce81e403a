"""A real local HTTP server that speaks the OpenAI API, scripted per test.

    with FakeOpenAI() as fake:
        fake.chat.reply(error(429, retry_after="0.2"), completion({"title": ...}))
        settings = AISettings(ai_provider="openai", openai_base_url=fake.url)
        ...
        fake.requests_to(CHAT)  # what the client sent, with arrival times

Each route answers from, in order: a persistent per-model answer (`for_model`), its queue
(`reply`, one answer per request), its default (`always`), else a 500 saying nothing was
scripted. It runs the stdlib ThreadingHTTPServer in a thread on a free 127.0.0.1 port, so the
client under test goes through real HTTP. New endpoints (images, speech) are new routes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT = "/v1/chat/completions"
IMAGES = "/v1/images/generations"
SPEECH = "/v1/audio/speech"


@dataclass(frozen=True)
class FakeResponse:
    status: int = 200
    body: dict | str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Names in lower case."""
    body: Any
    received_at: float
    """time.monotonic() when the request arrived."""

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


def completion(content: str | dict, *, prompt_tokens: int = 120, completion_tokens: int = 480,
               finish_reason: str = "stop", model: str = "") -> FakeResponse:
    """A chat completion whose message content is `content` (a dict is sent as its JSON text).
    The model defaults to the one the request named."""
    text = content if isinstance(content, str) else json.dumps(content)
    return FakeResponse(200, {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": text, "refusal": None}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def error(status: int, message: str = "", *, retry_after: str | None = None,
          error_type: str = "server_error") -> FakeResponse:
    """An OpenAI-style error body; `retry_after` becomes the Retry-After header."""
    message = message or f"fake upstream error {status}"
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return FakeResponse(status, {"error": {"message": message, "type": error_type, "param": None,
                                           "code": None}}, headers)


@dataclass
class Route:
    queue: deque[FakeResponse] = field(default_factory=deque)
    default: FakeResponse | None = None
    by_model: dict[str, FakeResponse] = field(default_factory=dict)

    def reply(self, *responses: FakeResponse) -> "Route":
        """Answer the next requests with these, one each, in order."""
        self.queue.extend(responses)
        return self

    def always(self, response: FakeResponse) -> "Route":
        """Answer with this once the queue is empty."""
        self.default = response
        return self

    def for_model(self, model: str, response: FakeResponse) -> "Route":
        """Answer every request naming `model` with this."""
        self.by_model[model] = response
        return self

    def next_for(self, model: str | None) -> FakeResponse:
        if model in self.by_model:
            return self.by_model[model]
        if self.queue:
            return self.queue.popleft()
        return self.default or error(500, "the fake server has no scripted response left")


class FakeOpenAI:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {CHAT: Route(), IMAGES: Route(), SPEECH: Route()}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-openai", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL to give the client (`.../v1`)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat(self) -> Route:
        return self.routes[CHAT]

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: RecordedRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
            route = self.routes.get(request.path)
            if route is None:
                return error(404, f"unknown path {request.path}", error_type="invalid_request_error")
            response = route.next_for(request.model)
        if isinstance(response.body, dict) and response.body.get("object") == "chat.completion" \
                and not response.body.get("model"):
            response = FakeResponse(response.status, {**response.body, "model": request.model or "fake"},
                                    response.headers)
        return response


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest("POST", self.path, headers, body, time.monotonic())
            self._send(fake._answer(request))

        def _send(self, response: FakeResponse) -> None:
            payload = (json.dumps(response.body) if isinstance(response.body, dict) else response.body or "").encode()
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    return Handler
