"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request)."""

from __future__ import annotations

import time

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelflow_gateway.errors import error_response
from reelflow_gateway.metrics import UNMATCHED, HttpMetrics


class BodySizeLimit:
    """JSON 413 for bodies over `limit` bytes.

    A declared Content-Length over the limit is answered at once, before any route runs. A
    chunked body is counted as it streams in; past the limit, reading it raises a 413
    HTTPException inside the route, which the JSON error handler answers.
    (FastAPI's own `max_body_size` is not used: it answers an over-long Content-Length in plain text.)
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit():
                    await error_response(400, "invalid Content-Length header")(scope, receive, send)
                elif int(value) > self.limit:
                    await error_response(413, self.too_large, headers={"Connection": "close"})(scope, receive, send)
                else:
                    # The HTTP server delivers exactly Content-Length bytes: nothing more to count.
                    await self.app(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413, self.too_large)
            return message

        await self.app(scope, counting_receive, send)

    @property
    def too_large(self) -> str:
        return f"request body too large: at most {self.limit} bytes"


class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS handling, with a refused preflight answered in JSON like every other error."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 400:
            detail = f"CORS preflight refused: {bytes(response.body).decode(errors='replace')}"
            return error_response(400, detail, "cors_refused", headers=_cors_vary(response))
        return response


def _cors_vary(response: Response) -> dict[str, str]:
    return {"Vary": response.headers["vary"]} if "vary" in response.headers else {}


class HttpMetricsMiddleware:
    """Counts every request by method, route template (never the raw path: bounded labels) and
    status, times it to its status line, and counts the Server-Sent Event streams open."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        streaming = False

        async def measured_send(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                self.metrics.seconds.labels(*self._labels(scope)).observe(time.perf_counter() - began)
                if Headers(raw=message.get("headers", [])).get("content-type", "").startswith("text/event-stream"):
                    streaming = True
                    self.metrics.event_streams.inc()
            await send(message)

        try:
            await self.app(scope, receive, measured_send)
        finally:
            if streaming:
                self.metrics.event_streams.dec()
            self.metrics.requests.labels(*self._labels(scope), str(status)).inc()

    def _labels(self, scope: Scope) -> tuple[str, str]:
        route = scope.get("route")
        template = getattr(route, "path", None)
        return self.metrics.method(scope["method"]), template if isinstance(template, str) else UNMATCHED
