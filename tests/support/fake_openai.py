"""A real local HTTP server that speaks the OpenAI API, scripted per test.

    with FakeOpenAI() as fake:
        fake.chat.reply(error(429, retry_after="0.2"), completion({"title": ...}))
        settings = AISettings(ai_provider="openai", openai_base_url=fake.url)
        ...
        fake.requests_to(CHAT)  # what the client sent, with arrival times

    with FakeOpenAI() as fake:
        fake.images.reply(error(429, retry_after="0.2"), image_result(png(1536, 1024)))
        fake.images.reply(image_result(url=fake.hosted(png(1024, 1024))))  # answered by URL

Each route answers from, in order: a persistent per-model answer (`for_model`), its queue
(`reply`, one answer per request), its default (`always`), else a 500 saying nothing was
scripted. It runs the stdlib ThreadingHTTPServer in a thread on a free 127.0.0.1 port, so the
client under test goes through real HTTP. New endpoints (images, speech) are new routes.
`/v1/images/generations` answers with `image_result` (base64 PNGs, or URLs of files the fake
itself serves with GET, see `hosted`). `/v1/audio/speech` answers with `speech_result` (the audio
bytes themselves, e.g. a WAV).
"""

from __future__ import annotations

import base64
import io
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
    body: dict | str | bytes | None = None
    """A dict is sent as JSON; bytes as they are, with the Content-Type of `headers`."""
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


def completion(
    content: str | dict,
    *,
    prompt_tokens: int = 120,
    completion_tokens: int = 480,
    finish_reason: str = "stop",
    model: str = "",
) -> FakeResponse:
    """A chat completion whose message content is `content` (a dict is sent as its JSON text).
    The model defaults to the one the request named."""
    text = content if isinstance(content, str) else json.dumps(content)
    return FakeResponse(
        200,
        {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "logprobs": None,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


def error(
    status: int, message: str = "", *, retry_after: str | None = None, error_type: str = "server_error"
) -> FakeResponse:
    """An OpenAI-style error body; `retry_after` becomes the Retry-After header."""
    message = message or f"fake upstream error {status}"
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return FakeResponse(
        status, {"error": {"message": message, "type": error_type, "param": None, "code": None}}, headers
    )


def png(
    width: int, height: int, color: tuple[int, int, int] = (200, 90, 40), mode: str = "RGB", image_format: str = "PNG"
) -> bytes:
    """A picture of that size: `color` with a diagonal band, so scaling and cropping show."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, (width, height), (*color, 255) if mode == "RGBA" else color)
    ImageDraw.Draw(image).line(
        (0, 0, width, height), fill=(20, 20, 20) if mode == "RGB" else (20, 20, 20, 255), width=max(1, width // 50)
    )
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def image_result(
    *images: bytes,
    url: str | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    revised_prompt: str | None = None,
) -> FakeResponse:
    """An images API answer: each image as base64 (`b64_json`), or one `url`; with GPT image
    token usage when `input_tokens` is given."""
    data = [{"b64_json": base64.b64encode(image).decode("ascii"), "revised_prompt": revised_prompt} for image in images]
    if url is not None:
        data.append({"url": url, "revised_prompt": revised_prompt})
    body: dict = {"created": int(time.time()), "data": data}
    if input_tokens is not None:
        body["usage"] = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens or 0,
            "total_tokens": input_tokens + (output_tokens or 0),
            "input_tokens_details": {"image_tokens": 0, "text_tokens": input_tokens},
        }
    return FakeResponse(200, body)


def wav(
    seconds: float,
    rate: int = 24_000,
    channels: int = 1,
    bits: int = 16,
    *,
    float_samples: bool = False,
    streamed: bool = False,
    frequency: float = 440.0,
) -> bytes:
    """A WAV of a sine tone (half of full scale), in any PCM or float layout; `streamed` writes the
    0xFFFFFFFF chunk sizes a streaming server (OpenAI's speech API) sends."""
    import math
    import struct

    count = round(seconds * rate)
    frames = bytearray()
    for i in range(count):
        value = 0.5 * math.sin(2 * math.pi * frequency * i / rate)
        if float_samples:
            sample = struct.pack("<f" if bits == 32 else "<d", value)
        elif bits == 8:
            sample = bytes([128 + round(value * 127)])
        else:
            sample = round(value * (2 ** (bits - 1) - 1)).to_bytes(bits // 8, "little", signed=True)
        frames += sample * channels
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 3 if float_samples else 1, channels, rate, rate * block, block, bits)
    data_size = 0xFFFFFFFF if streamed else len(frames)
    riff_size = 0xFFFFFFFF if streamed else 4 + 8 + len(fmt) + 8 + len(frames)
    return (
        b"RIFF"
        + struct.pack("<I", riff_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_size)
        + bytes(frames)
    )


def speech_result(audio: bytes, content_type: str = "audio/wav") -> FakeResponse:
    """A speech API answer: the audio file itself."""
    return FakeResponse(200, audio, (("Content-Type", content_type),))


@dataclass
class Route:
    queue: deque[FakeResponse] = field(default_factory=deque)
    default: FakeResponse | None = None
    by_model: dict[str, FakeResponse] = field(default_factory=dict)

    def reply(self, *responses: FakeResponse) -> Route:
        """Answer the next requests with these, one each, in order."""
        self.queue.extend(responses)
        return self

    def always(self, response: FakeResponse) -> Route:
        """Answer with this once the queue is empty."""
        self.default = response
        return self

    def for_model(self, model: str, response: FakeResponse) -> Route:
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
        self.files: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

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

    @property
    def images(self) -> Route:
        return self.routes[IMAGES]

    @property
    def speech(self) -> Route:
        return self.routes[SPEECH]

    def hosted(self, data: bytes) -> str:
        """A URL on this server that serves `data` (as an image API's `url` answer would point to)."""
        name = f"/files/{uuid.uuid4().hex}.png"
        with self._lock:
            self.files[name] = data
        return f"http://127.0.0.1:{self.port}{name}"

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
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
        if (
            isinstance(response.body, dict)
            and response.body.get("object") == "chat.completion"
            and not response.body.get("model")
        ):
            response = FakeResponse(
                response.status, {**response.body, "model": request.model or "fake"}, response.headers
            )
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

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            with fake._lock:
                data = fake.files.get(self.path)
            if data is None:
                self._send(error(404, f"no file {self.path}", error_type="invalid_request_error"))
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, response: FakeResponse) -> None:
            if isinstance(response.body, bytes):
                payload = response.body
            elif isinstance(response.body, dict):
                payload = json.dumps(response.body).encode()
            else:
                payload = (response.body or "").encode()
            self.send_response(response.status)
            if not any(name.lower() == "content-type" for name, _ in response.headers):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    return Handler
